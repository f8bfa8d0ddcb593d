"""YouTube: saved Data API v3 responses (`commentThreads.list`, `comments.list`,
`videos.list`).

Threads are flat: a top-level comment's parent is its video, a reply's parent is the
top-level comment (`parentId`), and the thread's root is the video. The video id is the
parent even when the video itself is not in the workspace: the comment is then an orphan
until a `videos.list` response (or a fetch) brings the video, as a message by its channel,
and every comment attaches to it. Nothing is invented for a video the files do not hold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from ...errors import Reject
from ...schema import Message
from .. import ImportContext, Probe, RawRecord, Source
from .._htmltext import html_to_text
from .._jsondoc import (
    BadLine,
    count,
    describe,
    documents,
    obj,
    required_time,
    text_or_none,
    utc_time,
)

PLATFORM = "youtube"
THREAD = "youtube#commentThread"
COMMENT = "youtube#comment"
VIDEO = "youtube#video"
LISTS = {
    "youtube#commentThreadListResponse",
    "youtube#commentListResponse",
    "youtube#videoListResponse",
}


def _kind(value: Any) -> str | None:
    return value.get("kind") if isinstance(value, dict) else None


def _recognised(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and _kind(value[0]) in (THREAD, COMMENT, VIDEO)
    if not isinstance(value, dict):
        return False
    if _kind(value) in LISTS or _kind(value) in (THREAD, COMMENT, VIDEO):
        return True
    # The `replies` part of a thread saved alone: {"comments": [youtube#comment, ...]}.
    comments = value.get("comments")
    return (
        set(value) == {"comments"}
        and isinstance(comments, list)
        and bool(comments)
        and _kind(comments[0]) == COMMENT
    )


def channel_of_thread(thread: dict[str, Any]) -> str | None:
    """The channel a thread's comments belong to (the video's owner for video comments)."""
    snippet = obj(thread.get("snippet"))
    return text_or_none(snippet.get("channelId")) or text_or_none(
        obj(obj(snippet.get("topLevelComment")).get("snippet")).get("channelId")
    )


def thread_records(thread: dict[str, Any], location: str) -> Iterator[RawRecord]:
    """A commentThread split into its top-level comment and the replies it carries; the
    thread's facts (video, channel, total replies) travel as hints. Fetchers reuse this."""
    snippet = obj(thread.get("snippet"))
    hints: dict[str, Any] = {}
    video = text_or_none(snippet.get("videoId"))
    channel = channel_of_thread(thread)
    if video:
        hints["video_id"] = video
    if channel:
        hints["channel_id"] = channel
    top = snippet.get("topLevelComment")
    top_hints = dict(hints)
    if "totalReplyCount" in snippet:
        top_hints["total_replies"] = snippet["totalReplyCount"]
    if top is None:
        yield RawRecord(_named(location, thread), thread, {"thread_without_comment": True})
    else:
        yield RawRecord(_named(f"{location}.topLevelComment", top), top, top_hints or None)
    replies = obj(thread.get("replies")).get("comments")
    if isinstance(replies, list):
        for i, reply in enumerate(replies):
            where = f"{location}.replies.comments[{i}]"
            yield RawRecord(_named(where, reply), reply, dict(hints) or None)


def _named(location: str, payload: Any) -> str:
    ident = payload.get("id") if isinstance(payload, dict) else None
    return f"{location} (id {ident[:120]})" if isinstance(ident, str) and ident else location


class YoutubeFiles(Source):
    name = "youtube"
    title = "YouTube Data API responses"
    # 2: `viewerRating` "like" is the owner's like.
    mapper_version = 2
    platforms = (PLATFORM,)
    reads = (
        "`commentThreads.list` responses (top-level comments, with `replies.comments` when "
        "`part=replies`)",
        "`comments.list` responses (replies by `parentId`, or comments by id)",
        "`videos.list` responses: each video becomes the thread root, by its channel",
        "Single thread, comment or video resources, JSON arrays of them, and JSON Lines of "
        "responses (one page per line)",
    )
    quirks = (
        "Flat threads: a top-level comment's parent is its video and a reply's parent is its "
        "top-level comment; the root is the video. Until the video itself is imported "
        "(`videos.list`), top-level comments are orphans.",
        "Comments on a channel (no `videoId`) and comments.list items without `videoId` or "
        "`parentId` are top-level.",
        "`replies.comments` holds at most a few replies per thread: `comments.list?parentId=` "
        "gives the rest; `totalReplyCount` is kept as the reply count.",
        "Text is `textOriginal` when present, else `textDisplay` turned from HTML into plain "
        "text. A comment is edited when `updatedAt` is later than `publishedAt`.",
        "Authors are channel ids (`authorChannelId.value`); a deleted channel leaves the "
        "author empty. The handle is taken from an `/@handle` channel URL when there is one.",
        "The channel a thread belongs to (`snippet.channelId`) is suggested as an owned "
        "account after the import; its replies are then the account's answers.",
        '`viewerRating` says whether the viewer who fetched the comments liked one: "like" '
        "is kept as the owner's like, which is right when the channel fetched its own comments "
        "with its own login (OAuth). With an API key (as `lien fetch youtube` uses) there is "
        'no viewer and it is always "none", so anything but "like" leaves owner_liked '
        "empty (unknown), never false.",
    )

    def sniff(self, probe: Probe) -> bool:
        whole = probe.json
        if whole is not None:
            return _recognised(whole)
        if probe.json_lines:
            return _recognised(probe.first_json_line)
        return False

    def read(self, path: Path, ctx: ImportContext) -> Iterator[RawRecord]:
        channels: dict[str, str | None] = {}
        for prefix, doc in documents(path, ctx.display_name or path.name):
            if isinstance(doc, BadLine):
                yield RawRecord(prefix.rstrip(": "), doc.text, {"bad": doc.reason})
                continue
            if isinstance(doc, list):
                items: Any = doc
                base = f"{prefix}item "
            elif isinstance(doc, dict) and isinstance(doc.get("items"), list):
                items, base = doc["items"], f"{prefix}items"
            elif isinstance(doc, dict) and isinstance(doc.get("comments"), list):
                items, base = doc["comments"], f"{prefix}comments"
            else:
                items, base = [doc], ""
            for i, item in enumerate(items):
                if base.endswith("item "):
                    where = f"{base}{i + 1}"
                elif base:
                    where = f"{base}[{i}]"
                else:
                    where = prefix.rstrip(": ") or "document"
                for record in self._records(item, where):
                    _note_channel(record, channels)
                    yield record
        for channel, name in channels.items():
            ctx.suggested_accounts.add((PLATFORM, channel, name))

    @staticmethod
    def _records(item: Any, where: str) -> Iterator[RawRecord]:
        if _kind(item) == THREAD and isinstance(item, dict):
            yield from thread_records(item, where)
        else:
            yield RawRecord(_named(where, item), item)

    def to_message(self, record: RawRecord, ctx: ImportContext) -> Message:
        hints = record.hints or {}
        p = record.payload
        if "bad" in hints:
            raise Reject(str(hints["bad"]))
        kind = _kind(p)
        if hints.get("thread_without_comment"):
            raise Reject("a comment thread without its topLevelComment")
        if kind == COMMENT:
            return _comment_message(p, hints)
        if kind == VIDEO:
            return _video_message(p)
        if kind == THREAD:
            raise Reject("a whole comment thread: its comments are read one by one")
        if kind is not None:
            raise Reject(f"a {str(kind)[:60]} resource, not a comment or video", "skipped")
        if isinstance(p, dict) and set(p) == {"error"} and isinstance(p["error"], dict):
            raise Reject(f"the API answered an error: {_api_error(p['error'])}", "skipped")
        raise Reject(f"not a YouTube comment or video: {describe(p)}")


def _api_error(error: dict[str, Any]) -> str:
    """`403 commentsDisabled: The video ... has disabled comments.` from a Data API error
    body (a fetcher keeps it, so that a skipped video is not silently missing)."""
    reasons = [
        str(e.get("reason"))
        for e in error.get("errors") or []
        if isinstance(e, dict) and e.get("reason")
    ]
    code = error.get("code")
    message = text_or_none(error.get("message")) or "no message"
    head = " ".join(str(x) for x in (code, ", ".join(reasons)) if x)
    return f"{head}: {message[:300]}" if head else message[:300]


def _note_channel(record: RawRecord, channels: dict[str, str | None]) -> None:
    """Remember the channels the file belongs to, with their name when the channel itself
    wrote something here (its reply, or its video)."""
    hints = record.hints or {}
    p = record.payload
    if _kind(p) == VIDEO:
        snippet = obj(p.get("snippet"))
        channel = text_or_none(snippet.get("channelId"))
        if channel:
            channels[channel] = text_or_none(snippet.get("channelTitle")) or channels.get(channel)
        return
    channel = text_or_none(hints.get("channel_id"))
    if channel is None:
        return
    channels.setdefault(channel, None)
    snippet = obj(obj(p).get("snippet"))
    if _author(snippet) == channel:
        channels[channel] = text_or_none(snippet.get("authorDisplayName")) or channels[channel]


def _author(snippet: dict[str, Any]) -> str | None:
    author = snippet.get("authorChannelId")
    if isinstance(author, dict):
        return text_or_none(author.get("value"))
    return text_or_none(author)


def _handle(snippet: dict[str, Any]) -> str | None:
    url = snippet.get("authorChannelUrl")
    if not isinstance(url, str):
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    if path.startswith("/@") and len(path) > 2:
        return path[2:].split("/", 1)[0]
    return None


def _comment_message(c: dict[str, Any], hints: dict[str, Any]) -> Message:
    ident = text_or_none(c.get("id"))
    if ident is None:
        raise Reject("a YouTube comment without id")
    what = f"comment {ident}"
    s = obj(c.get("snippet"))
    if not s:
        raise Reject(f"{what}: no snippet (was the response fetched with part=snippet?)")
    created = required_time(s.get("publishedAt"), "publishedAt", what)
    updated = utc_time(s.get("updatedAt"))
    video = text_or_none(s.get("videoId")) or text_or_none(hints.get("video_id"))
    parent = text_or_none(s.get("parentId"))
    if parent is None and "." in ident:  # reply ids are <thread id>.<reply id>
        parent = ident.split(".", 1)[0] or None
    if parent is not None:
        root = video
    else:
        parent = video
        root = video or ident
    if isinstance(s.get("textOriginal"), str):
        text = s["textOriginal"]
    elif isinstance(s.get("textDisplay"), str):
        text = html_to_text(s["textDisplay"])
    else:
        text = ""
    url = None
    if video:
        url = f"https://www.youtube.com/watch?v={quote(video, safe='')}&lc={quote(ident, safe='')}"
    return Message(
        platform=PLATFORM,
        id=ident,
        parent_id=parent,
        root_id=root,
        author_id=_author(s),
        author_handle=_handle(s),
        author_name=text_or_none(s.get("authorDisplayName")),
        created_at=created,
        edited_at=updated if updated is not None and updated > created else None,
        text=text or None,
        url=url,
        like_count=count(s.get("likeCount")),
        reply_count=count(hints.get("total_replies")),
        # "none" also means "not fetched by the channel's owner": unknown, not false.
        owner_liked=True if s.get("viewerRating") == "like" else None,
    )


def _video_message(v: dict[str, Any]) -> Message:
    ident = text_or_none(v.get("id"))
    if ident is None:
        raise Reject("a YouTube video without id")
    s = obj(v.get("snippet"))
    if not s:
        raise Reject(f"video {ident}: no snippet (was it fetched with part=snippet?)")
    stats = obj(v.get("statistics"))
    title = s["title"] if isinstance(s.get("title"), str) else ""
    description = s["description"] if isinstance(s.get("description"), str) else ""
    lang = text_or_none(s.get("defaultLanguage")) or text_or_none(s.get("defaultAudioLanguage"))
    return Message(
        platform=PLATFORM,
        id=ident,
        parent_id=None,
        root_id=ident,
        author_id=text_or_none(s.get("channelId")),
        author_name=text_or_none(s.get("channelTitle")),
        created_at=required_time(s.get("publishedAt"), "publishedAt", f"video {ident}"),
        text="\n\n".join(part for part in (title.strip(), description.strip()) if part) or None,
        lang=lang,
        url=f"https://www.youtube.com/watch?v={quote(ident, safe='')}",
        like_count=count(stats.get("likeCount")),
        reply_count=count(stats.get("commentCount")),
    )


SOURCES = (YoutubeFiles(),)

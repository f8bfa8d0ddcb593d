"""Instagram: saved Instagram Graph API responses (business and creator accounts): media
lists (`/{ig-user-id}/media`), single media with embedded `comments{...}`, comment pages
(`/{media-id}/comments`), replies (`/{comment-id}/replies`, or `replies{...}` embedded),
single comments and `?ids=` answers.

Instagram threads are flat: a comment's parent is its media, a reply's parent is its comment
(`parent_id`), the root is the media. Instagram replies cannot be replied to; should a file
show a reply pointing to a reply, it is attached to the comment above it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...errors import Reject
from ...schema import Message
from .. import ImportContext, Probe, RawRecord, Source
from .._graph import (
    BadLine,
    documents,
    error_reason,
    graph_time,
    is_error,
    is_unix_time,
    items_of,
    sniff_documents,
    without_tokens,
)
from .._jsondoc import count, describe, obj, text_or_none

PLATFORM = "instagram"
GRAPH_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)$")
DIGITS = re.compile(r"^\d{1,40}$")
MEDIA_TYPES = {"IMAGE", "VIDEO", "CAROUSEL_ALBUM", "REELS", "STORY"}
MEDIA_KEYS = {
    "media_type",
    "caption",
    "media_url",
    "permalink",
    "comments_count",
    "children",
    "shortcode",
    "thumbnail_url",
    "media_product_type",
    "is_comment_enabled",
    "owner",
}
MEDIA_EDGES = {"media", "top_media", "recent_media", "tags", "stories"}
HASHTAG_EDGES = {"top_media", "recent_media"}


def _is_media(item: dict[str, Any], edge: str | None) -> bool:
    if edge in MEDIA_EDGES:
        return True
    if edge in ("comments", "replies"):
        return False
    return bool(set(item) & MEDIA_KEYS)


def _without_nested(item: dict[str, Any], key: str) -> dict[str, Any]:
    """The object minus the comment objects it embeds (records of their own)."""
    edge = item.get(key)
    if isinstance(edge, dict) and isinstance(edge.get("data"), list) and edge["data"]:
        return {**item, key: {**edge, "data": f"[{len(edge['data'])} items read apart]"}}
    return item


class _Pending:
    __slots__ = ("hints", "is_media", "location", "payload")

    def __init__(self, location: str, payload: Any, hints: dict[str, Any], is_media: bool):
        self.location = location
        self.payload = payload
        self.hints = hints
        self.is_media = is_media


def _walk(
    item: Any,
    location: str,
    edge: tuple[str, str] | None,
    parent: tuple[str, bool] | None,
    media_id: str | None,
    out: list[_Pending],
) -> None:
    if not isinstance(item, dict):
        out.append(_Pending(location, without_tokens(item), {}, False))
        return
    edge_name = edge[1] if edge else None
    media = parent is None and _is_media(item, edge_name)
    ident = text_or_none(item.get("id"))
    hints: dict[str, Any] = {}
    where = f"{location} (id {ident[:120]})" if ident else location
    if media:
        if edge and edge_name == "media":
            hints["owner_id"] = edge[0]
        if edge and edge_name in HASHTAG_EDGES:
            hints["hashtag_search"] = True
        out.append(_Pending(where, without_tokens(_without_nested(item, "comments")), hints, True))
        comments = obj(item.get("comments")).get("data")
        if isinstance(comments, list) and ident:
            for i, child in enumerate(comments):
                _walk(child, f"{location}.comments.data[{i}]", None, (ident, False), ident, out)
        return
    if parent is not None:
        hints["nested_in"], hints["nested_in_comment"] = parent
    elif edge and edge_name in ("comments", "replies"):
        hints["edge_of"], hints["edge_is_comment"] = edge[0], edge_name == "replies"
    own_media = text_or_none(obj(item.get("media")).get("id"))
    if media_id or own_media:
        hints["media_id"] = media_id or own_media
    elif edge and edge_name == "comments":
        hints["media_id"] = edge[0]
    out.append(_Pending(where, without_tokens(_without_nested(item, "replies")), hints, False))
    replies = obj(item.get("replies")).get("data")
    if isinstance(replies, list) and ident:
        below = hints.get("media_id")
        for i, child in enumerate(replies):
            _walk(child, f"{location}.replies.data[{i}]", None, (ident, True), below, out)


def _direct_parent(c: dict[str, Any], hints: dict[str, Any]) -> tuple[str | None, bool]:
    parent = text_or_none(c.get("parent_id"))
    if parent is not None:
        return parent, True
    nested = text_or_none(hints.get("nested_in"))
    if nested is not None:
        return nested, bool(hints.get("nested_in_comment"))
    media = text_or_none(hints.get("media_id"))
    if media is not None:
        return media, False
    edge = text_or_none(hints.get("edge_of"))
    if edge is not None:
        return edge, bool(hints.get("edge_is_comment"))
    return None, False


def _resolve(pending: list[_Pending]) -> None:
    known: dict[str, tuple[str | None, bool, str | None]] = {}
    for p in pending:
        if p.is_media or not isinstance(p.payload, dict):
            continue
        ident = text_or_none(p.payload.get("id"))
        if ident is not None:
            parent, is_comment = _direct_parent(p.payload, p.hints)
            known.setdefault(ident, (parent, is_comment, p.hints.get("media_id")))
    for p in pending:
        if p.is_media or not isinstance(p.payload, dict):
            continue
        parent, is_comment = _direct_parent(p.payload, p.hints)
        media = text_or_none(p.hints.get("media_id"))
        seen: set[str] = set()
        while is_comment and parent in known and parent not in seen:
            seen.add(parent)
            up, up_is_comment, up_media = known[parent]
            media = media or up_media
            if not up_is_comment or up is None:
                if media is None and up is not None:
                    media = up
                break
            parent = up
        if parent is not None:
            p.hints["parent_id"] = parent
        if media is None and parent is not None and not is_comment:
            media = parent
        if media is not None:
            p.hints["root_id"] = media


def _author(item: dict[str, Any], fallback_id: Any = None) -> tuple[str | None, str | None]:
    """(author id, handle): the username (lowercase; Instagram usernames are unique and
    case-insensitive) is the id whenever the response has it, so that every response shape
    names a person the same way; else the numeric id of `from`, `user` or `owner`."""
    who = obj(item.get("from")) or obj(item.get("owner"))
    username = text_or_none(who.get("username")) or text_or_none(item.get("username"))
    if username is not None:
        return username.lower(), username
    numeric = (
        text_or_none(who.get("id"))
        or text_or_none(obj(item.get("user")).get("id"))
        or text_or_none(fallback_id)
    )
    return numeric, None


def _url(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith("https://") and len(value) < 2000:
        return value
    return None


def media_message(m: dict[str, Any], hints: dict[str, Any]) -> Message:
    ident = text_or_none(m.get("id"))
    if ident is None:
        raise Reject("a media without id")
    what = f"media {ident}"
    if m.get("timestamp") is None and hints.get("hashtag_search"):
        raise Reject(
            f"{what}: a hashtag search result without timestamp (hashtag searches return "
            "neither the time nor the author unless fields=timestamp is asked)"
        )
    author_id, handle = _author(m, hints.get("owner_id"))
    caption = m.get("caption")
    return Message(
        platform=PLATFORM,
        id=ident,
        parent_id=None,
        root_id=ident,
        author_id=author_id,
        author_handle=handle,
        created_at=graph_time(m.get("timestamp"), "timestamp", what),
        text=caption if isinstance(caption, str) and caption.strip() else None,
        url=_url(m.get("permalink")),
        like_count=count(m.get("like_count")),
        reply_count=count(m.get("comments_count")),
    )


def comment_message(c: dict[str, Any], hints: dict[str, Any]) -> Message:
    ident = text_or_none(c.get("id"))
    if ident is None:
        raise Reject("a comment without id")
    what = f"comment {ident}"
    created = graph_time(c.get("timestamp"), "timestamp", what)
    if "parent_id" in hints or "root_id" in hints:
        parent = text_or_none(hints.get("parent_id"))
        root = text_or_none(hints.get("root_id"))
    else:
        parent, is_comment = _direct_parent(c, hints)
        root = None if is_comment else parent
    author_id, handle = _author(c)
    text = c.get("text")
    return Message(
        platform=PLATFORM,
        id=ident,
        parent_id=parent,
        root_id=root,
        author_id=author_id,
        author_handle=handle,
        created_at=created,
        text=text if isinstance(text, str) and text.strip() else None,
        like_count=count(c.get("like_count")),
    )


def _looks_like_instagram(item: Any) -> bool:
    if not isinstance(item, dict) or "created_time" in item:
        return False
    ident = item.get("id")
    if not (isinstance(ident, str) and DIGITS.match(ident)):
        return False
    stamp = item.get("timestamp")
    if isinstance(stamp, str) and GRAPH_TIME.match(stamp):
        return True
    if is_unix_time(stamp) and isinstance(item.get("username"), str):
        return True  # fetched with date_format=U
    return item.get("media_type") in MEDIA_TYPES


class InstagramGraph(Source):
    name = "instagram"
    title = "Instagram Graph API responses"
    # 2: Unix times (date_format=U).
    mapper_version = 2
    platforms = (PLATFORM,)
    reads = (
        "Media lists (`/{ig-user-id}/media`) and single media, with embedded `comments{...}` "
        "and their `replies{...}`",
        "Comment pages (`/{media-id}/comments`), reply pages (`/{comment-id}/replies`), single "
        "comments, `?ids=` answers, bare lists of them; one response per line (JSON Lines) too",
    )
    quirks = (
        "Flat threads: a comment's parent is its media, a reply's parent is its comment "
        "(`parent_id`, nesting or the `/replies` edge), the root is the media.",
        "Comments only say which media they belong to when fetched with the `media` field, "
        "inside a media, or through the `/{media-id}/comments` edge named by the page's paging "
        "URL; otherwise they are stored without parent until another file tells.",
        "Authors: the username (lowercase) is the author id whenever the response carries it "
        "(`username`, `from.username`), else the numeric id of `from`/`user`/`owner`; media "
        "read from `/{ig-user-id}/media` without `username` get that account's numeric id. "
        "The username is the key because it is the one name every response shape gives: "
        "comments carry `username`, while `from` (with the numeric Instagram-scoped id) only "
        "exists since late 2021 and only when asked for, and media name their `owner` by id "
        "alone.",
        "So when someone changes their username, their messages before and after the change "
        "belong to two different authors (the old and the new name), and a person seen once "
        "with a username and once only by numeric id counts twice as well.",
        "The API does not say whether the account liked a comment: owner_liked stays empty.",
        "Hashtag searches (`top_media`, `recent_media`) return media without author and, "
        "unless asked, without timestamp: such media are rejected with that reason.",
        "Carousel `children` are parts of one media, not messages.",
        "Times are ISO 8601 (`+0000`) or, with `date_format=U`, Unix seconds; stored in UTC.",
    )

    def sniff(self, probe: Probe) -> bool:
        for doc in sniff_documents(probe):
            items, _ = items_of(doc)
            sample = [item for _, item in items[:5]]
            if sample and all(_looks_like_instagram(i) for i in sample):
                return True
        return False

    def read(self, path: Path, ctx: ImportContext) -> Iterator[RawRecord]:
        pending: list[_Pending] = []
        for prefix, doc in documents(path, ctx.display_name or path.name):
            where = prefix.rstrip(": ")
            if isinstance(doc, BadLine):
                pending.append(
                    _Pending(where, without_tokens(doc.text), {"bad": doc.reason}, False)
                )
                continue
            if is_error(doc):
                pending.append(
                    _Pending(where or "document", without_tokens(doc), {"error": True}, False)
                )
                continue
            items, edge = items_of(doc)
            for location, item in items:
                _walk(item, f"{prefix}{location}", edge, None, None, pending)
        _resolve(pending)
        for p in pending:
            if p.is_media and isinstance(p.payload, dict) and "owner_id" in p.hints:
                author_id, handle = _author(p.payload, p.hints["owner_id"])
                if author_id is not None:
                    ctx.suggested_accounts.add((PLATFORM, author_id, handle))
            hints = dict(p.hints)
            hints["kind"] = "media" if p.is_media else "comment"
            yield RawRecord(p.location, p.payload, hints)

    def to_message(self, record: RawRecord, ctx: ImportContext) -> Message:
        hints = record.hints or {}
        p = record.payload
        if "bad" in hints:
            raise Reject(str(hints["bad"]))
        if hints.get("error"):
            raise Reject(error_reason(obj(p)))
        if not isinstance(p, dict):
            raise Reject(f"not an Instagram media or comment: {describe(p)}")
        if hints.get("kind") == "media":
            return media_message(p, hints)
        return comment_message(p, hints)


SOURCES = (InstagramGraph(),)

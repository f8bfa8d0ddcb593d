"""Bluesky: saved AT Protocol responses (`app.bsky.feed.getPostThread`, `getAuthorFeed`,
`getTimeline`, `searchPosts`, `com.atproto.repo.getRecord`).

Every post record names its parent and its thread root (`record.reply.parent.uri`,
`record.reply.root.uri`), so each record maps on its own: a post's id is its `at://` URI,
its author the account's DID (stable; the handle can change)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...errors import Reject
from ...schema import Message
from .. import ImportContext, Probe, RawRecord, Source
from .._jsondoc import BadLine, count, describe, documents, obj, text_or_none, utc_time

PLATFORM = "bluesky"
DEFS = "app.bsky.feed.defs#"
POST_TYPE = "app.bsky.feed.post"
INVALID_HANDLE = "handle.invalid"


def _at_uri(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("at://")


def is_post_view(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and _at_uri(value.get("uri"))
        and isinstance(value.get("author"), dict)
        and "record" in value
    )


def is_record(value: Any) -> bool:
    """`com.atproto.repo.getRecord` (or a stored record): `{uri, cid, value: {$type, ...}}`."""
    return (
        isinstance(value, dict)
        and _at_uri(value.get("uri"))
        and isinstance(value.get("value"), dict)
        and str(value["value"].get("$type", "")).startswith("app.bsky.")
    )


def is_receipt(value: Any) -> bool:
    """`com.atproto.repo.createRecord`'s answer: the new record's address, no content."""
    return (
        isinstance(value, dict)
        and _at_uri(value.get("uri"))
        and "cid" in value
        and "value" not in value
        and ("commit" in value or "validationStatus" in value)
    )


def is_feed_item(value: Any) -> bool:
    return isinstance(value, dict) and is_post_view(value.get("post"))


def is_node(value: Any) -> bool:
    """A thread node or a reply reference that is not a post (not found, blocked)."""
    return isinstance(value, dict) and str(value.get("$type", "")).startswith(DEFS)


def is_xrpc_error(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("error"), str)
        and isinstance(value.get("message"), str)
        and set(value) <= {"error", "message"}
    )


def _recognised(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and (is_post_view(value[0]) or is_feed_item(value[0]))
    if not isinstance(value, dict):
        return False
    thread = value.get("thread")
    if isinstance(thread, dict):
        return str(thread.get("$type", "")).startswith(DEFS) or is_post_view(thread.get("post"))
    for key, check in (("feed", is_feed_item), ("posts", is_post_view)):
        items = value.get(key)
        if isinstance(items, list) and items and check(items[0]):
            return True
    return is_record(value) or is_receipt(value) or is_post_view(value) or is_xrpc_error(value)


class BlueskyFiles(Source):
    name = "bluesky"
    title = "Bluesky API responses"
    platforms = (PLATFORM,)
    reads = (
        "`app.bsky.feed.getPostThread`: the post, its `parent` chain and nested `replies`",
        "`app.bsky.feed.getAuthorFeed` and `getTimeline`: feed items with their `reply` "
        "parent and root posts",
        "`app.bsky.feed.searchPosts`: `posts`",
        "`com.atproto.repo.getRecord`: one post record",
        "JSON arrays of post views or feed items, and JSON Lines of any of these",
    )
    quirks = (
        "Ids are `at://` URIs; authors are DIDs (stable), with the handle and display name "
        "beside them (an `handle.invalid` handle is left empty).",
        "The time is the post's own `createdAt` (set by the writer's app, possibly off); "
        "`indexedAt` is used only when `createdAt` is missing or unreadable.",
        "Deleted (`notFoundPost`) and blocked (`blockedPost`) posts are skipped rejects naming "
        "the post; replies to them keep their parent and root ids.",
        "Reposts (`reasonRepost` feed items) are skipped rejects: a share, not something the "
        "reposter wrote.",
        "The parent and root posts a feed item carries are imported too (repeated ones count "
        "as duplicates).",
        "A raw record (`getRecord`) has no author view: the author is the DID in its URI, "
        "without handle or counts. A `createRecord` answer holds no content: skipped.",
        "`share_count` is the repost count (quotes are not counted); an author labelled `bot` "
        "is a bot; Bluesky posts cannot be edited.",
    )

    def sniff(self, probe: Probe) -> bool:
        whole = probe.json
        if whole is not None:
            return _recognised(whole)
        if probe.json_lines:
            return _recognised(probe.first_json_line)
        return False

    def read(self, path: Path, ctx: ImportContext) -> Iterator[RawRecord]:
        for prefix, doc in documents(path, ctx.display_name or path.name):
            if isinstance(doc, BadLine):
                yield RawRecord(prefix.rstrip(": "), doc.text, {"bad": doc.reason})
            elif isinstance(doc, dict) and isinstance(doc.get("thread"), dict):
                yield from _thread_records(doc["thread"], f"{prefix}thread")
            elif isinstance(doc, dict) and isinstance(doc.get("feed"), list):
                for i, item in enumerate(doc["feed"]):
                    yield from _feed_records(item, f"{prefix}feed[{i}]")
            elif isinstance(doc, dict) and isinstance(doc.get("posts"), list):
                for i, post in enumerate(doc["posts"]):
                    yield _record(f"{prefix}posts[{i}]", post)
            elif isinstance(doc, list):
                for i, item in enumerate(doc):
                    if is_feed_item(item):
                        yield from _feed_records(item, f"{prefix}item {i + 1}")
                    else:
                        yield _record(f"{prefix}item {i + 1}", item)
            else:
                yield _record(prefix.rstrip(": ") or "document", doc)

    def to_message(self, record: RawRecord, ctx: ImportContext) -> Message:
        hints = record.hints or {}
        p = record.payload
        if "bad" in hints:
            raise Reject(str(hints["bad"]))
        if is_feed_item(p):
            reason = obj(p.get("reason"))
            kind = str(reason.get("$type", ""))
            if kind.endswith("#reasonRepost"):
                by = obj(reason.get("by"))
                who = text_or_none(by.get("handle")) or text_or_none(by.get("did")) or "someone"
                raise Reject(
                    f"repost by {who} of {p['post']['uri']}: a share, not a message (the post "
                    "is kept in the raw record)",
                    "skipped",
                )
            return _post_message(p["post"])
        if is_post_view(p):
            return _post_message(p)
        if is_record(p):
            return _record_message(p)
        if is_node(p):
            raise _node_reject(p)
        if is_receipt(p):
            raise Reject(
                f"createRecord answer for {p['uri']}: the post's address only, no content",
                "skipped",
            )
        if is_xrpc_error(p):
            raise Reject(
                f"a Bluesky API error response: {p['error']}: {p['message']}"[:300], "skipped"
            )
        raise Reject(f"not a Bluesky post: {describe(p)}" + _keys(p))


def _keys(value: Any) -> str:
    if isinstance(value, dict):
        return " with keys " + ", ".join(sorted(str(k) for k in value)[:8])
    return ""


def _record(location: str, payload: Any) -> RawRecord:
    uri = payload.get("uri") if isinstance(payload, dict) else None
    if isinstance(payload, dict) and is_post_view(payload.get("post")):
        uri = payload["post"]["uri"]
    named = f"{location} ({uri[:200]})" if isinstance(uri, str) and uri else location
    return RawRecord(named, payload)


def _thread_records(thread: dict[str, Any], location: str) -> Iterator[RawRecord]:
    """The nodes of a getPostThread tree: ancestors through `parent`, descendants through
    `replies`, walked with a stack (threads can be deeper than Python's recursion limit)."""
    stack: list[tuple[Any, str, bool, bool]] = [(thread, location, True, True)]
    while stack:
        node, where, up, down = stack.pop()
        if isinstance(node, dict) and is_post_view(node.get("post")):
            yield _record(f"{where}.post", node["post"])
            replies = node.get("replies") if down else None
            if isinstance(replies, list):
                for i in reversed(range(len(replies))):
                    stack.append((replies[i], f"{where}.replies[{i}]", False, True))
            if up and "parent" in node:
                stack.append((node["parent"], f"{where}.parent", True, False))
        else:
            yield _record(where, node)


def _feed_records(item: Any, location: str) -> Iterator[RawRecord]:
    if not is_feed_item(item):
        yield _record(location, item)
        return
    reason = str(obj(item.get("reason")).get("$type", ""))
    if reason.endswith("#reasonRepost"):
        yield _record(location, item)
        return
    yield _record(f"{location}.post", item["post"])
    reply = obj(item.get("reply"))
    for key in ("root", "parent"):
        if key in reply:
            yield _record(f"{location}.reply.{key}", reply[key])


def _node_reject(node: dict[str, Any]) -> Reject:
    kind = str(node.get("$type", ""))
    uri = text_or_none(node.get("uri")) or "a post"
    if kind.endswith("#notFoundPost") or node.get("notFound") is True:
        return Reject(f"{uri} was not found (deleted, or never visible)", "skipped")
    if kind.endswith("#blockedPost") or node.get("blocked") is True:
        return Reject(f"{uri} is blocked (by or for the account that fetched it)", "skipped")
    return Reject(f"{uri}: a {kind[:80]} thread node, not a post", "skipped")


def _did_of(uri: str) -> str | None:
    authority = uri.removeprefix("at://").split("/", 1)[0]
    return authority if authority.startswith("did:") else None


def _rkey(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _reply_refs(record: dict[str, Any]) -> tuple[str | None, str | None]:
    reply = obj(record.get("reply"))
    parent = obj(reply.get("parent")).get("uri")
    root = obj(reply.get("root")).get("uri")
    return (parent if _at_uri(parent) else None), (root if _at_uri(root) else None)


def _text_and_time(uri: str, record: Any, indexed: Any) -> tuple[dict[str, Any], Any]:
    rec = obj(record)
    if rec.get("$type", POST_TYPE) != POST_TYPE:
        raise Reject(f"{uri}: a {str(rec.get('$type'))[:80]} record, not a post", "skipped")
    created = utc_time(rec.get("createdAt")) or utc_time(indexed)
    if created is None:
        shown = rec.get("createdAt", indexed)
        raise Reject(
            f"{uri}: createdAt {str(shown)[:60]!r} is not an ISO 8601 time"
            if shown is not None
            else f"{uri}: no createdAt"
        )
    return rec, created


def _langs(rec: dict[str, Any]) -> str | None:
    langs = rec.get("langs")
    if isinstance(langs, list) and len(langs) == 1:
        return text_or_none(langs[0])
    return None


def _post_message(post: dict[str, Any]) -> Message:
    uri: str = post["uri"]
    rec, created = _text_and_time(uri, post.get("record"), post.get("indexedAt"))
    parent, root = _reply_refs(rec)
    author = obj(post.get("author"))
    did = text_or_none(author.get("did")) or _did_of(uri)
    handle = text_or_none(author.get("handle"))
    labels = author.get("labels")
    bot = (
        True
        if isinstance(labels, list) and any(obj(label).get("val") == "bot" for label in labels)
        else None
    )
    return Message(
        platform=PLATFORM,
        id=uri,
        parent_id=parent,
        root_id=root if parent else uri,
        author_id=did,
        author_handle=None if handle == INVALID_HANDLE else handle,
        author_name=text_or_none(author.get("displayName")),
        author_is_bot=bot,
        created_at=created,
        text=rec.get("text") if isinstance(rec.get("text"), str) and rec["text"] else None,
        lang=_langs(rec),
        url=f"https://bsky.app/profile/{did}/post/{_rkey(uri)}" if did else None,
        like_count=count(post.get("likeCount")),
        reply_count=count(post.get("replyCount")),
        share_count=count(post.get("repostCount")),
    )


def _record_message(stored: dict[str, Any]) -> Message:
    uri: str = stored["uri"]
    rec, created = _text_and_time(uri, stored.get("value"), None)
    parent, root = _reply_refs(rec)
    did = _did_of(uri)
    return Message(
        platform=PLATFORM,
        id=uri,
        parent_id=parent,
        root_id=root if parent else uri,
        author_id=did,
        created_at=created,
        text=rec.get("text") if isinstance(rec.get("text"), str) and rec["text"] else None,
        lang=_langs(rec),
        url=f"https://bsky.app/profile/{did}/post/{_rkey(uri)}" if did else None,
    )


SOURCES = (BlueskyFiles(),)

"""Facebook and Instagram "Download your information" archives (JSON format).

Read: Facebook `comments.json` (`comments_v2`, `comments`, `group_comments_v2`) and posts
(`your_posts_N.json`, `group_posts_v2`); Instagram comments (`post_comments_N.json`,
`comments_media_comments`/`comments_reels_comments` with `string_map_data`, and the older
`media_comments` rows) and posts (`posts_N.json`).

These archives write UTF-8 text as if each byte were a Latin-1 character (`é` arrives as
`\\u00c3\\u00a9`, shown "Ã©"): each string is repaired by a Latin-1 round trip, kept as it is
when the round trip is not possible (text already correct, or not such mojibake).

What archives do not hold, lien does not invent, but says: there are no message ids (an id is
derived from what the entry says, so a later archive gives the same ids), comments do not name
the post they answer (stored as replies to an unknown parent, see `UNKNOWN_PARENT`), and people
are named, not identified."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...errors import Reject, SourceError
from ...schema import Message
from .. import ImportContext, Probe, RawRecord, Source
from .._jsondoc import describe, documents, obj, utc_time

FB_COMMENT_KEYS = ("comments_v2", "group_comments_v2", "comments")
FB_POST_KEYS = ("group_posts_v2", "status_updates_v2")
IG_COMMENT_KEYS = ("comments_media_comments", "comments_reels_comments", "comments_story_comments")
IG_OLD_COMMENT_KEYS = ("media_comments", "live_comments", "story_comments")
# A comment's parent: the archive does not say which post it answers, so the message is kept
# as a reply to a parent that is not in the workspace (an orphan), never as a new post.
UNKNOWN_PARENT = "dyi-unknown-parent:"


def repair(value: Any) -> Any:
    """Undo the archives' double encoding of one string (latin-1 round trip), safely."""
    if not isinstance(value, str) or value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _text(value: Any) -> str | None:
    fixed = repair(value)
    return fixed if isinstance(fixed, str) and fixed.strip() else None


def _unix(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not 0 < value < 32503680000:  # before year 3000
        return None
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)


def _derived_id(kind: str, *parts: Any) -> str:
    joined = "\x1f".join("" if p is None else str(p) for p in (kind, *parts))
    return f"dyi-{hashlib.sha256(joined.encode('utf-8')).hexdigest()[:24]}"


def _first(items: Any) -> Any:
    return items[0] if isinstance(items, list) and items else None


# -- recognising a file --------------------------------------------------------------------


def _is_fb_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("timestamp"), int)
        and (isinstance(entry.get("data"), list) or isinstance(entry.get("title"), str))
        and "media" not in entry
        and "id" not in entry
    )


def _is_ig_entry(entry: Any) -> bool:
    return isinstance(entry, dict) and "Comment" in obj(entry.get("string_map_data"))


def _is_ig_post(entry: Any) -> bool:
    media = _first(entry.get("media")) if isinstance(entry, dict) else None
    return isinstance(media, dict) and isinstance(media.get("creation_timestamp"), int)


def _data(entry: dict[str, Any]) -> list[Any]:
    """An entry's `data` list; anything else there (a damaged or edited file) holds nothing."""
    data = entry.get("data")
    return data if isinstance(data, list) else []


def _has_comment(entry: dict[str, Any]) -> bool:
    return any(isinstance(d, dict) and "comment" in d for d in _data(entry))


def kind_of(doc: Any) -> tuple[str, list[tuple[str, Any]]] | None:
    """(kind, [(location, entry)]) of an archive file, or None when it is not one."""

    def located(key: str, entries: list[Any]) -> list[tuple[str, Any]]:
        return [(f"{key}[{i}]" if key else f"entry {i + 1}", e) for i, e in enumerate(entries)]

    if isinstance(doc, dict):
        for key in FB_COMMENT_KEYS:
            entries = doc.get(key)
            if isinstance(entries, list) and _is_fb_entry(_first(entries)):
                return "fb_comment", located(key, entries)
        for key in FB_POST_KEYS:
            entries = doc.get(key)
            if isinstance(entries, list) and _is_fb_entry(_first(entries)):
                return "fb_post", located(key, entries)
        for key in IG_COMMENT_KEYS:
            entries = doc.get(key)
            if isinstance(entries, list) and _is_ig_entry(_first(entries)):
                return "ig_comment", located(key, entries)
        rows: list[tuple[str, Any]] = []
        recognised = False
        for key in IG_OLD_COMMENT_KEYS:  # one file holds all three lists
            entries = doc.get(key)
            if not isinstance(entries, list):
                continue
            row = _first(entries)
            if isinstance(row, list) and len(row) >= 2 and utc_time(row[0]) is not None:
                recognised = True
            rows += located(key, entries)
        return ("ig_comment_row", rows) if recognised else None
    if isinstance(doc, list):
        first = _first(doc)
        if _is_ig_entry(first):
            return "ig_comment", located("", doc)
        if _is_ig_post(first):
            return "ig_post", located("", doc)
        if _is_fb_entry(first):
            return ("fb_comment" if _has_comment(first) else "fb_post"), located("", doc)
    return None


# -- mapping -------------------------------------------------------------------------------


def _fb_comment(entry: dict[str, Any], index: int) -> Message:
    comments = [d["comment"] for d in _data(entry) if isinstance(d, dict)
                and isinstance(d.get("comment"), dict)]  # fmt: skip
    if not comments:
        raise Reject("an archive entry without a comment in it", "skipped")
    if not 0 <= index < len(comments):
        raise Reject(f"no comment number {index + 1} in this entry")
    c = comments[index]
    created = _unix(c.get("timestamp")) or _unix(entry.get("timestamp"))
    if created is None:
        raise Reject("a comment without a readable timestamp (unix seconds)")
    author = _text(c.get("author"))
    text = _text(c.get("comment"))
    ident = _derived_id("fb-comment", c.get("timestamp") or entry.get("timestamp"), author, text)
    return Message(
        platform="facebook",
        id=ident,
        parent_id=UNKNOWN_PARENT + ident,
        root_id=None,
        author_id=author,
        author_name=author,
        created_at=created,
        text=text,
    )


def _fb_post(entry: dict[str, Any]) -> Message:
    created = _unix(entry.get("timestamp"))
    if created is None:
        raise Reject("a post without a readable timestamp (unix seconds)")
    data = [d for d in _data(entry) if isinstance(d, dict)]
    text = next((_text(d["post"]) for d in data if "post" in d), None)
    updated = next((_unix(d["update_timestamp"]) for d in data if "update_timestamp" in d), None)
    if text is None and not entry.get("attachments"):
        title = _text(entry.get("title")) or "no title"
        raise Reject(f"an activity without text or attachment ({title[:80]})", "skipped")
    ident = _derived_id("fb-post", entry.get("timestamp"), text, _text(entry.get("title")))
    return Message(
        platform="facebook",
        id=ident,
        parent_id=None,
        root_id=ident,
        created_at=created,
        edited_at=updated if updated is not None and updated > created else None,
        text=text,
    )


def _ig_comment(entry: dict[str, Any]) -> Message:
    fields = obj(entry.get("string_map_data"))
    text = _text(obj(fields.get("Comment")).get("value"))
    stamp = obj(fields.get("Time")).get("timestamp")
    created = _unix(stamp)
    if created is None:
        raise Reject("a comment without a readable Time timestamp (unix seconds)")
    owner = _text(obj(fields.get("Media Owner")).get("value"))
    ident = _derived_id("ig-comment", stamp, owner, text)
    return Message(
        platform="instagram",
        id=ident,
        parent_id=UNKNOWN_PARENT + ident,
        created_at=created,
        text=text,
    )


def _ig_comment_row(row: Any) -> Message:
    if not isinstance(row, list) or len(row) < 2:
        raise Reject(f"not a [time, comment, media owner] row: {describe(row)}")
    created = utc_time(row[0])
    if created is None:
        raise Reject(f"a comment row whose time {str(row[0])[:40]!r} is not ISO 8601")
    text = _text(row[1])
    owner = _text(row[2]) if len(row) > 2 else None
    ident = _derived_id("ig-comment", int(created.replace(tzinfo=UTC).timestamp()), owner, text)
    return Message(
        platform="instagram",
        id=ident,
        parent_id=UNKNOWN_PARENT + ident,
        created_at=created,
        text=text,
    )


def _ig_post(entry: dict[str, Any]) -> Message:
    media = obj(_first(entry.get("media")))
    stamp = entry.get("creation_timestamp", media.get("creation_timestamp"))
    created = _unix(stamp)
    if created is None:
        raise Reject("a post without a readable creation_timestamp (unix seconds)")
    text = _text(entry.get("title")) or _text(media.get("title"))
    ident = _derived_id("ig-post", stamp, text, media.get("uri"))
    return Message(
        platform="instagram", id=ident, parent_id=None, root_id=ident, created_at=created, text=text
    )


class MetaArchive(Source):
    name = "meta_archive"
    title = 'Facebook and Instagram "Download your information" archives (JSON)'
    platforms = ("facebook", "instagram")
    reads = (
        "Facebook: `comments.json` (`comments_v2`, `group_comments_v2`) and posts "
        "(`your_posts_N.json`, `group_posts_v2`)",
        "Instagram: comments (`post_comments_N.json`, `comments_media_comments`, "
        "`comments_reels_comments`, older `media_comments` rows) and posts (`posts_N.json`)",
    )
    quirks = (
        "Text double-encoded by the archive (`Ã©` for `é`) is repaired string by string "
        "(Latin-1 round trip); text that is already correct is kept as it is.",
        "Archives hold no message ids: the id is derived from the entry (kind, time, author, "
        "text), so a later archive of the same account gives the same ids; two identical "
        "comments in the same second count once. Ids never match the Graph API's.",
        "Because the id is derived from the content, a comment edited between two archives "
        "comes back from the later one as a new message: both versions are kept, the old one "
        "is not updated (the archives give no edit time to tell them apart).",
        "Comments do not name the post they answer: each is a reply to an unknown parent "
        f"(`{UNKNOWN_PARENT}<id>`), i.e. an orphan in the metrics, never a new post.",
        "Facebook names people but gives no account id: the author id is the name as "
        "written. Instagram comment files do not name their author at all (the archive's "
        "owner): authors stay empty.",
        "Posts' `update_timestamp` later than the post is the edit time. Activities without "
        'text or attachment ("X saved a seller") are skipped with that reason.',
    )

    def sniff(self, probe: Probe) -> bool:
        return probe.suffix == ".json" and kind_of(probe.json) is not None

    def read(self, path: Path, ctx: ImportContext) -> Iterator[RawRecord]:
        display = ctx.display_name or path.name
        docs = list(documents(path, display))
        found = kind_of(docs[0][1]) if len(docs) == 1 else None
        if found is None:
            raise SourceError(
                f"{display}: not a Facebook or Instagram archive file lien reads "
                "(comments or posts JSON from “Download your information”)"
            )
        kind, entries = found
        for where, entry in entries:
            if kind == "fb_comment" and isinstance(entry, dict):
                inner = [d for d in _data(entry) if isinstance(d, dict)
                         and isinstance(d.get("comment"), dict)]  # fmt: skip
                if len(inner) > 1:
                    for j in range(len(inner)):
                        yield RawRecord(f"{where}.data[{j}]", entry, {"kind": kind, "entry": j})
                    continue
            yield RawRecord(where, entry, {"kind": kind})

    def to_message(self, record: RawRecord, ctx: ImportContext) -> Message:
        hints = record.hints or {}
        kind = hints.get("kind")
        p = record.payload
        if kind == "ig_comment_row":
            return _ig_comment_row(p)
        if not isinstance(p, dict):
            raise Reject(f"not an archive entry: {describe(p)}")
        if kind == "fb_comment":
            index = hints.get("entry", 0)
            return _fb_comment(p, index if isinstance(index, int) else 0)
        if kind == "fb_post":
            return _fb_post(p)
        if kind == "ig_comment":
            return _ig_comment(p)
        if kind == "ig_post":
            return _ig_post(p)
        raise Reject(f"unknown archive entry kind {str(kind)[:40]!r}")


SOURCES = (MetaArchive(),)

"""Mastodon: saved API responses (Status arrays, single Statuses, `/statuses/:id/context`) and
an account archive's `outbox.json` (ActivityPub).

Identity rules, chosen so that files fetched at different times from the same instance merge:

- A status's id is its id as served by the instance the file came from (Mastodon ids are
  local to each instance; the same remote status has another id elsewhere), and its parent is
  `in_reply_to_id`, in that same id space. Import one workspace's API files from one instance
  (the owned account's own instance).
- In `outbox.json` (no serving instance), a status URI of the archive owner's instance in
  Mastodon's form `https://HOST/users/NAME/statuses/ID` gives `ID`, which is the id that
  instance's API serves; any other URI (a remote parent) is kept whole as the id.
- An author is `username@domain`, lowercased (Mastodon matches names case-insensitively):
  `acct` is `username@domain` for remote accounts and a bare `username` for the serving
  instance's own, whose domain is taken from the account URL. Account ids are not used: they
  are local to each instance.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
from .._threads import roots_within

PLATFORM = "mastodon"
# ActivityPub object types that carry a post's text.
AP_POSTS = {"Note", "Question", "Article", "Page"}
STATUS_URI = re.compile(r"^https?://([^/]+)/users/([^/]+)/statuses/([^/?#]+)/?$")
ACTOR_URI = re.compile(r"^https?://([^/]+)/users/([^/?#]+)/?$")


def is_status(value: Any) -> bool:
    """A Mastodon Status entity: `account.acct` is Mastodon's own field name."""
    return (
        isinstance(value, dict)
        and "id" in value
        and "created_at" in value
        and "visibility" in value
        and isinstance(value.get("account"), dict)
        and "acct" in value["account"]
    )


def is_context(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("ancestors"), list)
        and isinstance(value.get("descendants"), list)
        and set(value) <= {"ancestors", "descendants"}
    )


def is_error(value: Any) -> bool:
    """Mastodon's error entity: `{"error": "...", "error_description"?: "..."}`."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("error"), str)
        and set(value) <= {"error", "error_description"}
    )


def is_outbox(value: Any) -> bool:
    if not (isinstance(value, dict) and isinstance(value.get("orderedItems"), list)):
        return False
    if value.get("type") not in ("OrderedCollection", "OrderedCollectionPage"):
        return False
    items = [i for i in value["orderedItems"][:20] if isinstance(i, dict)]
    return any(i.get("type") in ("Create", "Announce") and "actor" in i for i in items) or (
        not value["orderedItems"] and "outbox" in str(value.get("id", ""))
    )


def _recognised(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and is_status(value[0])
    return is_status(value) or is_context(value) or is_outbox(value) or is_error(value)


def _host(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host or None


def account_identity(account: dict[str, Any]) -> tuple[str | None, str | None]:
    """(author_id, author_handle) of a Mastodon Account entity; see the module docstring."""
    acct = text_or_none(account.get("acct")) or text_or_none(account.get("username"))
    if acct is None:
        return None, None
    acct = acct.strip().lstrip("@")
    if "@" in acct:
        handle = acct
    else:
        domain = _host(account.get("url")) or _host(account.get("uri"))
        handle = f"{acct}@{domain}" if domain else acct
    return handle.lower(), handle


def ap_status_id(uri: str, home_host: str | None) -> str:
    """An ActivityPub status URI as a workspace id (see the module docstring)."""
    m = STATUS_URI.match(uri)
    if m and home_host is not None and m.group(1).lower() == home_host.lower():
        return m.group(3)
    return uri


def ap_actor_identity(actor: str) -> tuple[str, str]:
    m = ACTOR_URI.match(actor)
    if m:
        handle = f"{m.group(2)}@{m.group(1)}"
        return handle.lower(), handle
    return actor, actor


class MastodonFiles(Source):
    name = "mastodon"
    title = "Mastodon API responses and account archives"
    platforms = (PLATFORM,)
    reads = (
        "A JSON array of Status entities (account statuses, timelines, search results)",
        "One Status (`GET /api/v1/statuses/:id`)",
        "`GET /api/v1/statuses/:id/context` responses (`ancestors`, `descendants`)",
        "`outbox.json` of an account archive (ActivityPub `Create` of `Note`)",
        "JSON Lines holding any of these, one response per line",
    )
    quirks = (
        "Ids are those of the instance that served the file (Mastodon ids are local to each "
        "instance): import a workspace's API files from one instance, ideally the owned "
        "account's own.",
        "Authors are `username@domain` (lowercased), never the instance-local account id; "
        "`account.bot` marks bots.",
        "HTML content becomes plain text: paragraphs and line breaks kept, links and mentions "
        "as their visible text; a content warning (`spoiler_text`) comes first, on its own "
        "paragraph.",
        "Boosts (reblogs, ActivityPub `Announce`) are kept as skipped rejects: a share is not "
        "something the booster wrote; the boosted status stays in the raw record.",
        "A context response does not contain the status it was asked for: its direct replies "
        "point to a missing parent. Their root is the top ancestor, or, when there are no "
        "ancestors, that missing status.",
        "In outbox.json a status of the owner's instance gets the id that instance's API "
        "serves (the last part of its URI); a remote parent keeps its full URI as id. The "
        "outbox has no counts and no bot flag.",
        "`favourited` says what the token's account did, not the owned account: owner_liked "
        "stays empty.",
        'API error bodies (`{"error": ...}`) become one skipped reject.',
    )

    def sniff(self, probe: Probe) -> bool:
        whole = probe.json
        if whole is not None:
            return _recognised(whole)
        if probe.json_lines:
            return _recognised(probe.first_json_line)
        return False

    def read(self, path: Path, ctx: ImportContext) -> Iterator[RawRecord]:
        entries: list[tuple[str, Any, dict[str, Any]]] = []
        contexts: list[list[int]] = []  # entry indexes of each context response
        for prefix, doc in documents(path, ctx.display_name or path.name):
            if isinstance(doc, BadLine):
                entries.append((prefix.rstrip(": "), doc.text, {"bad": doc.reason}))
            elif isinstance(doc, list):
                for i, item in enumerate(doc):
                    entries.append((f"{prefix}item {i + 1}", item, {}))
            elif is_context(doc):
                members = []
                for key in ("ancestors", "descendants"):
                    for i, item in enumerate(doc[key]):
                        members.append(len(entries))
                        entries.append((f"{prefix}{key}[{i}]", item, {}))
                contexts.append(members)
            elif is_outbox(doc):
                for i, item in enumerate(doc["orderedItems"]):
                    entries.append((f"{prefix}orderedItems[{i}]", item, {"activity": True}))
            else:
                entries.append((prefix.rstrip(": ") or "document", doc, {}))
        self._add_roots(entries, contexts)
        for location, payload, hints in entries:
            yield RawRecord(_named(location, payload), payload, hints or None)

    @staticmethod
    def _add_roots(
        entries: list[tuple[str, Any, dict[str, Any]]], contexts: list[list[int]]
    ) -> None:
        """Roots from the parent links inside the file; context responses add what they
        imply about the status they were asked for (see quirks)."""
        parents: dict[str, str | None] = {}
        keys: list[str | None] = []
        for _location, payload, hints in entries:
            link = _parent_link(payload, hints)
            keys.append(link[0] if link else None)
            if link and link[0] not in parents:
                parents[link[0]] = link[1]
        roots, exits = roots_within(parents)
        for members in contexts:
            ids = [keys[i] for i in members if keys[i] is not None]
            tops = {roots[i] for i in ids if i in roots}
            missing = {exits[i] for i in ids if i in exits}
            if len(missing) != 1 or len(tops) > 1:
                continue
            (asked,) = missing
            # The asked-for status's root: the top ancestor, or itself without ancestors.
            top = next(iter(tops)) if tops else asked
            for i in members:
                key = keys[i]
                if key is not None and key not in roots and exits.get(key) == asked:
                    entries[i][2]["root"] = top
        for index, (_location, _payload, hints) in enumerate(entries):
            key = keys[index]
            if key is not None and key in roots and "root" not in hints:
                hints["root"] = roots[key]

    def to_message(self, record: RawRecord, ctx: ImportContext) -> Message:
        hints = record.hints or {}
        payload = record.payload
        if "bad" in hints:
            raise Reject(str(hints["bad"]))
        if hints.get("activity"):
            return _activity_message(payload, hints)
        if is_error(payload):
            raise Reject(f"a Mastodon API error response: {payload['error'][:200]}", "skipped")
        if not isinstance(payload, dict):
            raise Reject(f"not a Mastodon status: {describe(payload)}")
        return _status_message(payload, hints)


def _named(location: str, payload: Any) -> str:
    if isinstance(payload, dict):
        ident = payload.get("id")
        if isinstance(ident, str | int) and not isinstance(ident, bool):
            return f"{location} (id {str(ident)[:120]})"
    return location


def _parent_link(payload: Any, hints: dict[str, Any]) -> tuple[str, str | None] | None:
    """(id, parent id) of a record, in workspace ids, or None when it is not a message."""
    if not isinstance(payload, dict):
        return None
    if hints.get("activity"):
        note = _activity_note(payload)
        if note is None:
            return None
        home = _host(payload.get("actor")) or _host(note.get("attributedTo"))
        ident = text_or_none(note.get("id"))
        if ident is None:
            return None
        reply_to = _uri(note.get("inReplyTo"))
        return ap_status_id(ident, home), ap_status_id(reply_to, home) if reply_to else None
    if not is_status(payload) or payload.get("reblog"):
        return None
    ident = text_or_none(payload.get("id"))
    return (ident, text_or_none(payload.get("in_reply_to_id"))) if ident else None


def _status_message(s: dict[str, Any], hints: dict[str, Any]) -> Message:
    ident = text_or_none(s.get("id"))
    if ident is None:
        raise Reject("not a Mastodon status: no id")
    what = f"status {ident}"
    account = obj(s.get("account"))
    author_id, handle = account_identity(account)
    if isinstance(s.get("reblog"), dict):
        original = text_or_none(s["reblog"].get("id")) or "?"
        raise Reject(
            f"{what} is a boost by {handle or 'an unknown account'} of status {original}: a "
            "share, not a message (the boosted status is kept in the raw record)",
            "skipped",
        )
    if not account and "content" not in s and "text" not in s:
        raise Reject(f"{what}: not a Mastodon status (no account, no content)")
    created = required_time(s.get("created_at"), "created_at", what)
    parent = text_or_none(s.get("in_reply_to_id"))
    if isinstance(s.get("content"), str):
        body = html_to_text(s["content"])
    elif isinstance(s.get("text"), str):  # the plain source, as a DELETE response returns
        body = s["text"]
    else:
        body = ""
    text = _with_warning(s.get("spoiler_text"), body)
    bot = account.get("bot")
    return Message(
        platform=PLATFORM,
        id=ident,
        parent_id=parent,
        root_id=ident if parent is None else text_or_none(hints.get("root")),
        author_id=author_id,
        author_handle=handle,
        author_name=text_or_none(account.get("display_name")),
        author_is_bot=bot if isinstance(bot, bool) else None,
        created_at=created,
        edited_at=utc_time(s.get("edited_at")),
        text=text,
        lang=text_or_none(s.get("language")),
        url=text_or_none(s.get("url")) or text_or_none(s.get("uri")),
        like_count=count(s.get("favourites_count")),
        reply_count=count(s.get("replies_count")),
        share_count=count(s.get("reblogs_count")),
    )


def _with_warning(warning: Any, body: str) -> str | None:
    """The content warning (if any) as the first paragraph, then the body."""
    first = warning.strip() if isinstance(warning, str) else ""
    return "\n\n".join(part for part in (first, body) if part) or None


def _uri(value: Any) -> str | None:
    """An ActivityPub reference: a URI string, or an object with an `id`."""
    if isinstance(value, dict):
        value = value.get("id")
    return text_or_none(value)


def _activity_note(activity: Any) -> dict[str, Any] | None:
    if not isinstance(activity, dict) or activity.get("type") != "Create":
        return None
    note = activity.get("object")
    if isinstance(note, dict) and note.get("type") in AP_POSTS:
        return note
    return None


def _activity_message(activity: Any, hints: dict[str, Any]) -> Message:
    if not isinstance(activity, dict):
        raise Reject(f"not an ActivityPub activity: {describe(activity)}")
    kind = activity.get("type")
    label = text_or_none(activity.get("id")) or "activity"
    if kind == "Announce":
        raise Reject(
            f"{label} is a boost of {_uri(activity.get('object')) or '?'}: a share, not a message",
            "skipped",
        )
    note = _activity_note(activity)
    if note is None and kind == "Create" and isinstance(activity.get("object"), str):
        raise Reject(
            f"{label}: the created status is only named by its URI; its content is not in the file",
            "skipped",
        )
    if note is None:
        inner = obj(activity.get("object")).get("type")
        shown = f"{kind} of {inner}" if inner else str(kind)
        raise Reject(f"{label}: an ActivityPub {shown[:80]}, not a post", "skipped")
    actor = _uri(activity.get("actor")) or _uri(note.get("attributedTo"))
    home = _host(actor)
    uri = text_or_none(note.get("id"))
    if uri is None:
        raise Reject(f"{label}: the Note has no id")
    ident = ap_status_id(uri, home)
    what = f"status {ident}"
    reply_to = _uri(note.get("inReplyTo"))
    parent = ap_status_id(reply_to, home) if reply_to else None
    author_id, handle = ap_actor_identity(actor) if actor else (None, None)
    created = required_time(note.get("published") or activity.get("published"), "published", what)
    content = note.get("content")
    languages = obj(note.get("contentMap"))
    if not isinstance(content, str) and languages:
        content = next((v for v in languages.values() if isinstance(v, str)), None)
    body = html_to_text(content) if isinstance(content, str) else ""
    text = _with_warning(note.get("summary"), body)
    url = note.get("url")
    return Message(
        platform=PLATFORM,
        id=ident,
        parent_id=parent,
        root_id=ident if parent is None else text_or_none(hints.get("root")),
        author_id=author_id,
        author_handle=handle,
        created_at=created,
        edited_at=utc_time(note.get("updated")),
        text=text,
        lang=next(iter(languages)) if len(languages) == 1 else None,
        url=text_or_none(_uri(url) if not isinstance(url, list) else None) or uri,
    )


SOURCES = (MastodonFiles(),)

"""What the Facebook and Instagram fetchers share: the Graph API (cursor paging, error codes
turned into advice, tokens kept out of everything stored) and the run that reads an account's
posts, then every comment of each.

A run goes through phases, each saving its progress in the checkpoint of every page it
yields (see `_fetchrun`):

1. `refresh`: the comments of the threads active during the last `--refresh-days` days are
   read again from their start (new comments, changed like counts);
2. `posts`: the account's posts newer than the newest one of the previous run (`since`),
   newest first by `after` cursor; after each page of posts, the comments of each new post;
3. `done`: the last page of the run carries it, so the next run starts a new refresh.

Every queued read (`todo`) is `{"id", "edge", "post", "after"}`: the object whose edge is read,
the thread's root post, and the cursor to go on from after a crash. The platform's part (which
edges, which fields, how a response becomes records) is a `GraphPlatform`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from ..errors import LienError
from ..fetching import FetchRequest, Page
from . import RawRecord
from ._fetchrun import DONE, later, mark_last, snapshot, utcnow, within
from ._http import HttpClient, HttpError, redact_payload
from ._jsondoc import obj, text_or_none, utc_time

GRAPH_URL = "https://graph.facebook.com/v21.0"
TOKEN_ENV = "LIEN_META_TOKEN"
# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling).
TOKEN_INVALID = 190
TRANSIENT = frozenset({1, 2})
RATE_LIMITED = frozenset({4, 17, 32, 613, 80001, 80002, 80005, 80006, 80008})
OBJECT_MISSING = (100, 33)  # code, subcode: no such object, or not visible to this token
PERMISSIONS: dict[str, str] = {
    "pages_read_engagement": "read the Page's posts, comments and their counts",
    "pages_read_user_content": "read what visitors write on the Page (comments, visitor "
    "posts) with their authors",
    "pages_show_list": "list the Pages the user manages (to get a Page token)",
    "instagram_basic": "read the Instagram account's profile and media",
    "instagram_manage_comments": "read the comments and replies on the account's media, "
    "with their usernames",
}
HOW_TO_TOKEN = (
    "In the Graph API Explorer (or your app's login), choose your app, ask for the "
    "permissions {perms}, generate a user token, then take the Page access token of your Page "
    "(`/me/accounts`) and set it in LIEN_META_TOKEN; a Page token made from a long-lived "
    "user token does not expire."
)
FACEBOOK_PERMISSIONS = ("pages_show_list", "pages_read_engagement", "pages_read_user_content")
INSTAGRAM_PERMISSIONS = (
    "pages_show_list",
    "pages_read_engagement",
    "instagram_basic",
    "instagram_manage_comments",
)
NUMERIC = re.compile(r"^\d{1,40}$")


def graph_error(body: Any) -> tuple[int | None, int | None, str]:
    """(code, subcode, message) of a Graph API error body."""
    err = obj(obj(body).get("error"))
    code, sub = err.get("code"), err.get("error_subcode")
    message = err.get("message")
    return (
        code if isinstance(code, int) and not isinstance(code, bool) else None,
        sub if isinstance(sub, int) and not isinstance(sub, bool) else None,
        message.splitlines()[0][:300] if isinstance(message, str) and message else "",
    )


def explainer(needed: tuple[str, ...]) -> Callable[[int, Any], str | None]:
    """The `explain` hook of HttpClient: what a Graph error means and what to do, for a
    platform whose token needs the permissions `needed`."""
    how = HOW_TO_TOKEN.format(perms=", ".join(needed))

    def explain(status: int, body: Any) -> str | None:
        code, sub, message = graph_error(body)
        said = f" (Graph API: {message})" if message else ""
        if code == TOKEN_INVALID or (code == 102 and sub is None):
            return f"The access token in LIEN_META_TOKEN has expired or is invalid{said}. {how}"
        if code == 10 or (code is not None and 200 <= code < 300):
            named = [p for p in PERMISSIONS if p in message]
            if named:
                missing = "; ".join(f"{p} (to {PERMISSIONS[p]})" for p in named)
                return f"The token lacks a permission: {missing}{said}. {how}"
            return f"The token lacks a permission{said}. {how}"
        if (code, sub) == OBJECT_MISSING or code == 803:
            return (
                f"No such object, or this token cannot see it{said}: check the id, and that "
                "the token is the Page's own access token."
            )
        if code in RATE_LIMITED:
            return (
                f"The Graph API rate limit is reached{said}: run the command again in an hour; "
                "it resumes where it stopped."
            )
        if status in (401, 403):
            return f"Access refused{said}. {how}"
        return None

    return explain


def is_gone(error: HttpError) -> bool:
    """An object deleted (or hidden) since it was listed: kept as a reject, the fetch goes on."""
    code, sub, _ = graph_error(error.body)
    return error.status in (404, 410) or (code, sub) == OBJECT_MISSING


class GraphClient:
    """GETs on the Graph API: token in the Authorization header, answers without secrets,
    Graph's own rate-limit and transient codes (sent with HTTP 400/403) retried."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        attempt = 0
        while True:
            try:
                body = self.http.get_json(path, params)
            except HttpError as e:
                code, _, _ = graph_error(e.body)
                retry = code in RATE_LIMITED or code in TRANSIENT
                if not retry or attempt >= self.http.max_retries:
                    raise
                self.http.sleep(self.http.backoff * (2**attempt))
                attempt += 1
                continue
            return redact_payload(body, self.http.secrets)

    def page(self, path: str, params: dict[str, Any], after: str | None) -> tuple[Any, str | None]:
        """One page of an edge and the cursor of the next (None on the last page)."""
        doc = self.get(path, {**params, "after": after})
        if not (isinstance(doc, dict) and isinstance(doc.get("data"), list)):
            raise HttpError(f"{path}: the Graph API did not answer a list (`data`)")
        paging = obj(doc.get("paging"))
        cursor = text_or_none(obj(paging.get("cursors")).get("after"))
        if not paging.get("next") or cursor is None or cursor == after:
            return doc, None  # no next page (or an API repeating its cursor)
        return doc, cursor


def unix(at: datetime) -> int:
    return int(at.replace(tzinfo=UTC).timestamp())


class GraphPlatform:
    """What one platform reads: the account's posts edge, the comment edges, and how a
    response becomes the records its file reader makes."""

    name: str
    time_key: str  # "created_time" (Facebook) or "timestamp" (Instagram)
    posts_edge: str  # "feed", "media"
    posts_fields: str
    comment_fields: str
    page_size: int = 100

    def post_records(self, doc: Any, label: str, account: str) -> list[RawRecord]:
        raise NotImplementedError

    def comment_records(self, doc: Any, label: str, item: dict[str, Any]) -> list[RawRecord]:
        raise NotImplementedError

    def comments_params(self, item: dict[str, Any]) -> dict[str, Any]:
        return {"fields": self.comment_fields, "limit": self.page_size}

    def more(self, doc: Any, item: dict[str, Any]) -> list[dict[str, Any]]:
        """Further reads a comments page asks for (Instagram replies beyond those embedded)."""
        return []

    def error_record(self, label: str, error: HttpError) -> RawRecord:
        body = error.body if isinstance(error.body, dict) and "error" in error.body else None
        payload = body or {"error": {"message": f"HTTP {error.status}", "type": "HttpError"}}
        return RawRecord(f"{label} (HTTP {error.status})", payload, {"error": True})


class GraphRun:
    """One fetch of one account; `st` is the checkpoint, copied into every page."""

    def __init__(
        self,
        platform: GraphPlatform,
        client: GraphClient,
        request: FetchRequest,
        state: dict[str, Any],
        account: str,
        now: datetime | None = None,
    ) -> None:
        self.p = platform
        self.client = client
        self.request = request
        self.account = account
        self.now = now or utcnow()
        self.st = snapshot(state)
        self.read_now: set[tuple[str, str]] = set()  # (id, edge) read in this run

    def run(self) -> Iterator[Page]:
        label = f"{self.p.name} {self.account}"
        return mark_last(self._pages(), self.st, self._finish, label)

    def _finish(self, state: dict[str, Any]) -> dict[str, Any]:
        # The last page was yielded before its run finished: what the run's end settles
        # (the newest post, where the next run's listing stops) is written here.
        state["phase"] = DONE
        state["todo"] = []
        listing = state.pop("listing", None) or {}
        state["since"] = later(state.get("since"), listing.get("newest"))
        if state["since"] is None:
            del state["since"]
        return state

    def _page(self, records: list[RawRecord], label: str) -> Page:
        return Page(records, f"{self.p.name} {self.account} {label}", snapshot(self.st))

    def _pages(self) -> Iterator[Page]:
        st = self.st
        if st.get("phase", DONE) == DONE:
            days = self.request.refresh_days
            threads = {k: v for k, v in st.get("threads", {}).items() if within(v, days, self.now)}
            st["threads"] = threads
            st["todo"] = [
                {"id": k, "edge": "comments", "post": k, "after": None} for k in sorted(threads)
            ]
            st["phase"] = "refresh"
        if st["phase"] == "refresh":
            yield from self._comments()
            st["phase"] = "posts"
        if st["phase"] == "posts":
            yield from self._comments()  # left by an interrupted run
            yield from self._posts()

    # -- the account's posts ---------------------------------------------------------------

    def _floor(self) -> tuple[datetime | None, bool]:
        """The time posts must be newer than, and whether it is strict (a previous run's
        newest post, already stored) or not (--since)."""
        since = utc_time(self.st.get("since"))
        if since is not None:
            return since, True
        return self.request.since, False

    def _wanted(self, post: Any, floor: datetime | None, strict: bool) -> bool | None:
        """Whether a post is new; None when it is older than the floor (the listing, newest
        first, has reached what is already stored)."""
        if not isinstance(post, dict):
            return True  # kept: the source rejects it with its reason
        at = utc_time(post.get(self.p.time_key))
        if floor is None or at is None:
            return True
        if at > floor or (at == floor and not strict):
            return True
        return None

    def _posts(self) -> Iterator[Page]:
        st = self.st
        listing: dict[str, Any] = st.setdefault("listing", {"after": None, "end": False})
        floor, strict = self._floor()
        path = f"/{self.account}/{self.p.posts_edge}"
        params: dict[str, Any] = {"fields": self.p.posts_fields, "limit": self.p.page_size}
        if floor is not None:
            params["since"] = unix(floor)
        n = listing.get("n", 0)
        while not listing.get("end"):
            doc, cursor = self.client.page(path, params, listing.get("after"))
            n += 1
            data = doc["data"]
            verdicts = [self._wanted(post, floor, strict) for post in data]
            kept = [post for post, ok in zip(data, verdicts, strict=True) if ok]
            listing["n"] = n
            listing["after"] = cursor
            listing["end"] = cursor is None or None in verdicts or not data
            for post in kept:
                ident = text_or_none(obj(post).get("id"))
                if ident is None:
                    continue
                at = text_or_none(obj(post).get(self.p.time_key))
                listing["newest"] = later(listing.get("newest"), at)
                st.setdefault("threads", {})[ident] = later(st["threads"].get(ident), at)
                self._queue({"id": ident, "edge": "comments", "post": ident, "after": None})
            body = {**doc, "data": kept}
            records = self.p.post_records(body, f"{self.p.posts_edge} p{n}", self.account)
            yield self._page(records, f"{self.p.posts_edge} p{n}")
            yield from self._comments()
        st["since"] = later(st.get("since"), listing.get("newest"))
        st.pop("listing", None)

    # -- comments ------------------------------------------------------------------------

    def _queue(self, item: dict[str, Any]) -> None:
        key = (str(item["id"]), str(item["edge"]))
        todo: list[dict[str, Any]] = self.st.setdefault("todo", [])
        if key in self.read_now or any((t["id"], t["edge"]) == key for t in todo):
            return
        todo.append(item)

    def _comments(self) -> Iterator[Page]:
        todo: list[dict[str, Any]] = self.st.setdefault("todo", [])
        while todo:
            item = todo[0]
            ident, edge, post = str(item["id"]), str(item["edge"]), str(item["post"])
            self.read_now.add((ident, edge))
            path = f"/{ident}/{edge}"
            n = item.get("n", 0) + 1
            label = f"{edge} of {ident} p{n}"
            try:
                doc, cursor = self.client.page(path, self.p.comments_params(item), item["after"])
            except HttpError as e:
                if not is_gone(e):
                    raise  # the checkpoint keeps the item for the resume
                todo.pop(0)
                self.st.get("threads", {}).pop(post, None)
                yield self._page([self.p.error_record(f"{label}: deleted or hidden", e)], label)
                continue
            for c in doc["data"]:
                at = text_or_none(obj(c).get(self.p.time_key))
                threads = self.st.setdefault("threads", {})
                if post in threads:
                    threads[post] = later(threads[post], at)
                for extra in self.p.more(c, item):
                    self._queue(extra)
            if cursor is None:
                todo.pop(0)
            else:
                item["after"], item["n"] = cursor, n
            yield self._page(self.p.comment_records(doc, label, item), label)


def require_id(platform: str, what: str, target: str) -> str:
    text = target.strip()
    if not NUMERIC.match(text):
        raise LienError(
            f"{platform}: {target!r} is not {what}; give the numeric id (see `lien fetch "
            f"{platform} --help`)"
        )
    return text

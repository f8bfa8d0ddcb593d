"""`lien fetch bluesky handle.bsky.social`: an account's posts and the whole thread of each,
from Bluesky's public AppView (no login).

What is read, in this order, each response stored as a page with its checkpoint:

1. `refresh`: `app.bsky.feed.getPostThread` of the threads the account posted in during the
   last `--refresh-days` days (replies may have arrived since the last fetch);
2. `posts`: `app.bsky.feed.getAuthorFeed` (`posts_with_replies`), newest first by `cursor`,
   down to the newest post of the previous fetch, then the thread of each new post from its
   root (a post names its root, so one request covers a whole thread). A node that reports
   more replies than the answer holds (the depth limit was reached) is read again on its own;
3. `mentions`: `app.bsky.feed.searchPosts?mentions=` for posts by others that start a thread
   naming the account, and their threads. Bluesky often refuses search without a login (HTTP
   403): the refusal is kept once as a skipped reject and the fetch goes on.

Records are the API's post views and thread nodes as the file reader makes them, so
`lien reparse` maps them exactly like an imported file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from ...errors import LienError
from ...fetching import ApiFetcher, FetchRequest, Page
from .. import RawRecord
from .._fetchrun import (
    DONE,
    error_record,
    http_settings,
    is_gone,
    later,
    mark_last,
    snapshot,
    utcnow,
    within,
)
from .._http import AuthError, HttpClient, HttpError
from .._jsondoc import obj, text_or_none, utc_time
from . import _feed_records, _record, _thread_records, is_feed_item, is_post_view

FEED_PAGE = 100  # getAuthorFeed's maximum
SEARCH_PAGE = 100
THREAD_DEPTH = 1000  # getPostThread's maximum depth
HANDLE = re.compile(r"^@?([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$")
PROFILE_URL = re.compile(r"^https?://bsky\.app/profile/([^/?#]+)/?$")
DID = re.compile(r"^did:[a-z]+:[A-Za-z0-9._:%-]+$")


def parse_actor(target: str) -> str:
    """A DID or a handle (lowercased) from a handle, `@handle`, DID or profile URL."""
    text = target.strip()
    url = PROFILE_URL.match(text)
    if url:
        text = url.group(1)
    if DID.match(text):
        return text
    m = HANDLE.match(text)
    if m is None:
        raise LienError(
            f"bluesky: {target!r} is not an account; write its handle like "
            "office.bsky.social (or its DID, or https://bsky.app/profile/office.bsky.social)"
        )
    return m.group(1).lower()


def _xrpc_error(body: dict[str, Any], status: int | None) -> dict[str, str]:
    error, message = body.get("error"), body.get("message")
    return {
        "error": error if isinstance(error, str) and error else f"HTTP {status}",
        "message": message if isinstance(message, str) else "no detail given",
    }


def _time(post: Mapping[str, Any]) -> str | None:
    """When a post entered the feed: the earlier of its own time and its indexing time (the
    order of author feeds)."""
    created = text_or_none(obj(post.get("record")).get("createdAt"))
    indexed = text_or_none(post.get("indexedAt"))
    a, b = utc_time(created), utc_time(indexed)
    if a is None or b is None:
        return indexed or created
    return created if a <= b else indexed


def _item_time(item: Mapping[str, Any]) -> str | None:
    reason = obj(item.get("reason"))
    return text_or_none(reason.get("indexedAt")) or _time(obj(item.get("post")))


class BlueskyFetcher(ApiFetcher):
    platform = "bluesky"
    title = "Bluesky"
    source_name = "bluesky"
    default_base_url = "https://public.api.bsky.app/xrpc"
    target_metavar = "HANDLE"
    target_help = "The account's handle, like office.bsky.social (or its DID)."
    access = (
        "Nothing: lien reads Bluesky's public API (https://public.api.bsky.app), "
        "no account or password.",
        "Posts visible only to logged-in users (an author's choice) are not in the public "
        "API and are not fetched.",
        "Mentions of the account by others come from Bluesky's post search, which Bluesky "
        "often closes to requests without a login: then they are not fetched (the refusal is "
        "listed once by `lien info`). Replies to the account's posts are always fetched.",
        "--base-url can point at another AppView (its address ends in /xrpc).",
    )
    access_fr = (
        "Rien : lien lit l'API publique de Bluesky (https://public.api.bsky.app), sans "
        "compte ni mot de passe.",
        "Les messages réservés aux utilisateurs connectés (un choix de leur auteur) ne sont "
        "pas dans l'API publique et ne sont pas récupérés.",
        "Les mentions du compte par d'autres viennent de la recherche de Bluesky, souvent "
        "fermée aux requêtes sans connexion : elles ne sont alors pas récupérées (le refus est "
        "listé une fois par `lien info`). Les réponses aux messages du compte sont toujours "
        "récupérées.",
        "--base-url peut désigner une autre AppView (son adresse finit par /xrpc).",
    )

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        http: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(base_url=base_url, token=token)
        self.http_options = http_settings(http)
        self.now = now  # naive UTC; None: the clock

    def account_key(self, request: FetchRequest) -> str:
        return parse_actor(request.target)

    def _client(self) -> HttpClient:
        assert self.base_url is not None
        return self.client(self.base_url, **self.http_options)

    def _profile(self, http: HttpClient, actor: str) -> dict[str, Any]:
        try:
            found = http.get_json("app.bsky.actor.getProfile", {"actor": actor})
        except HttpError as e:
            if e.status == 400 and not isinstance(e, AuthError):
                raise LienError(
                    f"bluesky: no account {actor} ({_xrpc_error(obj(e.body), e.status)['message']}); "
                    "check the handle"
                ) from None
            raise
        if not isinstance(found, dict) or not isinstance(found.get("did"), str):
            raise LienError(f"bluesky: the API did not answer a profile for {actor}")
        return found

    @classmethod
    def needs_resolving(cls, account: str) -> bool:
        return DID.match(account.strip()) is None

    def resolve_account(self, account: str) -> tuple[str, str | None]:
        """The DID, the author id the Bluesky source gives (handles can change)."""
        found = self._profile(self._client(), parse_actor(account))
        return found["did"], text_or_none(found.get("displayName"))

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        http = self._client()
        profile = self._profile(http, parse_actor(request.target))
        run = _Run(self, http, request, state, profile)
        return mark_last(run.pages(), state, run.finish, f"bluesky {run.shown}")


class _Run:
    """One fetch of one account; `st` is the checkpoint, copied into every page."""

    def __init__(
        self,
        fetcher: BlueskyFetcher,
        http: HttpClient,
        request: FetchRequest,
        state: dict[str, Any],
        profile: dict[str, Any],
    ) -> None:
        self.http = http
        self.request = request
        self.now = fetcher.now or utcnow()
        self.did: str = profile["did"]
        self.handle = text_or_none(profile.get("handle")) or self.did
        self.shown = self.handle
        self.st = snapshot(state)
        self.st["did"] = self.did
        self.fetched: set[str] = set()  # thread nodes read on their own in this run

    def finish(self, state: dict[str, Any]) -> dict[str, Any]:
        state["newest"] = later(state.get("newest"), state.pop("run_newest", None))
        state.pop("cursor", None)
        state["phase"] = DONE
        state["todo"] = []
        return state

    def pages(self) -> Iterator[Page]:
        st = self.st
        if st.get("phase", DONE) == DONE:
            days = self.request.refresh_days
            threads = {k: v for k, v in st.get("threads", {}).items() if within(v, days, self.now)}
            st["threads"] = threads
            st["todo"] = [{"uri": k, "at": v} for k, v in sorted(threads.items())]
            st["phase"] = "refresh"
        if st["phase"] == "refresh":
            yield from self._threads()
            st["phase"] = "posts"
        if st["phase"] == "posts":
            yield from self._threads()
            yield from self._feed()
            st["newest"] = later(st.get("newest"), st.pop("run_newest", None))
            st.pop("cursor", None)
            st["phase"] = "mentions"
        if st["phase"] == "mentions":
            yield from self._threads()
            yield from self._mentions()

    def _page(self, records: list[RawRecord], label: str) -> Page:
        return Page(records, f"bluesky {self.shown} {label}", snapshot(self.st))

    def _queue(self, item: dict[str, Any], first: bool = False) -> None:
        todo: list[dict[str, Any]] = self.st.setdefault("todo", [])
        if item["uri"] in self.fetched or any(t["uri"] == item["uri"] for t in todo):
            return
        if first:
            todo.insert(0, item)
        else:
            todo.append(item)

    def _remember(self, thread: str, at: str | None) -> None:
        threads: dict[str, str | None] = self.st.setdefault("threads", {})
        threads[thread] = later(threads.get(thread), at)

    def _new_enough(self, when: str | None) -> bool:
        at = utc_time(when)
        if at is None:
            return True
        stop = utc_time(self.st.get("newest"))
        since = self.request.since
        return (stop is None or at > stop) and (since is None or at >= since)

    # -- the author feed -----------------------------------------------------------------

    def _feed(self) -> Iterator[Page]:
        st = self.st
        while True:
            cursor = st.get("cursor")
            params = {
                "actor": self.did,
                "filter": "posts_with_replies",
                "limit": FEED_PAGE,
                "cursor": cursor,
            }
            body = self.http.get_json("app.bsky.feed.getAuthorFeed", params)
            feed = body.get("feed") if isinstance(body, dict) else None
            if not isinstance(feed, list):
                raise HttpError("getAuthorFeed: the API did not answer a feed")
            items = [i for i in feed if self._new_enough(_item_time(obj(i)))]
            # An answer repeating its cursor would page forever: treat it as the end.
            repeated = body.get("cursor") == cursor
            ended = len(items) < len(feed) or not feed or not body.get("cursor") or repeated
            st["cursor"] = None if ended else body["cursor"]
            records: list[RawRecord] = []
            where = f"feed {cursor or 'start'}"
            for n, item in enumerate(items):
                records.extend(_feed_records(item, f"{where} [{n}]"))
                st["run_newest"] = later(st.get("run_newest"), _item_time(obj(item)))
                self._plan(item)
            if ended:
                st["newest"] = later(st.get("newest"), st.pop("run_newest", None))
                st["phase"] = "mentions"
            if feed:
                yield self._page(records, where)
            yield from self._threads()
            if ended:
                return

    def _plan(self, item: Any) -> None:
        if not is_feed_item(item) or str(obj(item.get("reason")).get("$type", "")).endswith(
            "#reasonRepost"
        ):
            return
        post = item["post"]
        if obj(post.get("author")).get("did") != self.did:
            return
        at = _time(post)
        root = obj(obj(obj(post.get("record")).get("reply")).get("root")).get("uri")
        if isinstance(root, str) and root.startswith("at://"):
            self._queue({"uri": root, "at": at, "via": post["uri"]})
        else:
            self._queue({"uri": post["uri"], "at": at})

    # -- threads -------------------------------------------------------------------------

    def _threads(self) -> Iterator[Page]:
        todo: list[dict[str, Any]] = self.st.setdefault("todo", [])
        while todo:
            item = todo.pop(0)
            uri = item["uri"]
            self.fetched.add(uri)
            params: dict[str, Any] = {"uri": uri, "depth": THREAD_DEPTH}
            if not item.get("up"):
                params["parentHeight"] = 0  # the thread's top, or a branch already stored
            label = f"thread {uri}"
            try:
                body = self.http.get_json("app.bsky.feed.getPostThread", params)
            except HttpError as e:
                if not is_gone(e):
                    todo.insert(0, item)
                    raise
                self.st.get("threads", {}).pop(uri, None)
                if item.get("via"):
                    # The thread's top is gone: read the account's post with its parents.
                    self._queue({"uri": item["via"], "at": item.get("at"), "up": True}, True)
                record = error_record(f"{label}: deleted or hidden", e, _xrpc_error)
                yield self._page([record], label)
                continue
            thread = body.get("thread") if isinstance(body, dict) else None
            if not isinstance(thread, dict):
                raise HttpError(f"getPostThread {uri}: the API did not answer a thread")
            if not item.get("branch"):
                self._remember(uri, item.get("at"))
            self._queue_cut_branches(thread, uri)
            yield self._page(list(_thread_records(thread, label)), label)

    def _queue_cut_branches(self, thread: dict[str, Any], asked: str) -> None:
        """Nodes whose reply count is above the replies the answer holds (the depth limit
        was reached there): read again from that node."""
        stack = [thread]
        while stack:
            node = stack.pop()
            if not is_post_view(node.get("post")):
                continue
            replies = [r for r in node.get("replies") or [] if isinstance(r, dict)]
            said = node["post"].get("replyCount")
            uri = node["post"]["uri"]
            if isinstance(said, int) and said > len(replies) and uri != asked:
                self._queue({"uri": uri, "at": None, "branch": True})
            stack.extend(replies)

    # -- mentions ------------------------------------------------------------------------

    def _mentions(self) -> Iterator[Page]:
        st = self.st
        params = {
            "q": self.handle,
            "mentions": self.did,
            "sort": "latest",
            "limit": SEARCH_PAGE,
            "since": st.get("mentions_since")
            or (self.request.since.isoformat() + "Z" if self.request.since else None),
        }
        label = f"mentions of {self.handle}"
        try:
            body = self.http.get_json("app.bsky.feed.searchPosts", params)
        except AuthError as e:
            # Bluesky closes public search at times; say so once, then keep trying quietly.
            if not st.get("mentions_refused"):
                st["mentions_refused"] = True
                note = f"{label}: Bluesky refused its public search, mentions were not fetched"
                yield self._page([error_record(note, e, _xrpc_error)], label)
            return
        st.pop("mentions_refused", None)
        posts = body.get("posts") if isinstance(body, dict) else None
        if not isinstance(posts, list):
            raise HttpError("searchPosts: the API did not answer posts")
        starts = [
            p
            for p in posts
            if is_post_view(p)
            and obj(p.get("author")).get("did") != self.did
            and "reply" not in obj(p.get("record"))
            and (
                self.request.since is None or (utc_time(_time(p)) or self.now) >= self.request.since
            )
        ]
        for p in starts:
            st["mentions_since"] = later(st.get("mentions_since"), _time(p))
            self._queue({"uri": p["uri"], "at": _time(p)})
        records = [_record(f"{label} posts[{n}]", p) for n, p in enumerate(starts)]
        if records:
            yield self._page(records, label)
        yield from self._threads()


FETCHER = BlueskyFetcher

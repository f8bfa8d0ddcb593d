"""`lien fetch mastodon @account@instance`: an account's statuses and the whole thread of
each, from the instance's public API.

What is read, in this order, each response stored as a page with its checkpoint:

1. `refresh`: `/api/v1/statuses/:id/context` of the threads the account posted in during the
   last `--refresh-days` days (replies may have arrived since the last fetch);
2. `posts`: `/api/v1/accounts/:id/statuses`, oldest first from the last status stored
   (`min_id`, following the `Link` header's `prev` address), then the context of each new
   thread: a post's own context, and for a reply in someone else's thread the context of that
   thread's top status;
3. `mentions` (only with a token of the account itself): notifications of type `mention`
   whose status starts a thread, and that thread's context.

Only public and unlisted statuses are kept (a token also sees followers-only posts and direct
messages). Records are the API's Status entities, with the hints the file reader gives (the thread root
inside one response), so `lien reparse` maps them exactly like an imported file.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
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
from .._http import HttpClient, HttpError, Response
from .._jsondoc import text_or_none, utc_time
from . import MastodonFiles, _named, account_identity, is_status

PAGE_SIZE = 40  # the API's maximum for account statuses and notifications
# Unauthenticated context answers stop at 60 descendants (Mastodon's documented limit):
# a reply whose own replies are missing from such an answer gets its own context read.
CONTEXT_DESCENDANTS_CAP = 60
HANDLE = re.compile(r"^@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,}|localhost)$")
PROFILE_URL = re.compile(r"^https?://([^/]+)/@([A-Za-z0-9_.-]+)/?$")
STORED_FORM = re.compile(r"^[a-z0-9_.-]+@[a-z0-9.-]+$")
LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([a-z]+)"?')


def parse_account(target: str) -> tuple[str, str]:
    """(username, instance), lowercased, of `@name@instance`, `name@instance` or a profile URL."""
    text = target.strip()
    m = HANDLE.match(text) or PROFILE_URL.match(text)
    if m is None:
        raise LienError(
            f"mastodon: {target!r} is not an account address; write it like "
            "@office@mastodon.social (or give its profile URL https://mastodon.social/@office)"
        )
    # Mastodon matches account names case-insensitively.
    if text.startswith("http"):
        return m.group(2).lower(), m.group(1).lower()
    return m.group(1).lower(), m.group(2).lower()


def link_cursor(response: Response, rel: str, param: str) -> str | None:
    """A paging parameter of the `Link` header's `rel` address."""
    header = next((v for k, v in response.headers.items() if k.lower() == "link"), "")
    for url, found in LINK.findall(header):
        if found == rel:
            values = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get(param)
            if values:
                return values[0]
    return None


def snowflake_floor(day: datetime) -> str:
    """The smallest Mastodon status id created at or after `day` (naive UTC): ids are the
    creation time in milliseconds shifted left by 16 bits."""
    millis = int(day.replace(tzinfo=UTC).timestamp() * 1000)
    return str(max(0, millis) << 16)


def _id_key(ident: str) -> tuple[int, str]:
    # Mastodon ids are decimal strings; other servers' ids (Pleroma's) sort as strings of one
    # length: ordering by (length, text) works for both.
    return (len(ident), ident)


def _mastodon_error(body: dict[str, Any], status: int | None) -> dict[str, Any]:
    error = body.get("error")
    out = {"error": error if isinstance(error, str) and error else f"HTTP {status}"}
    if isinstance(body.get("error_description"), str):
        out["error_description"] = body["error_description"]
    return out


class MastodonFetcher(ApiFetcher):
    platform = "mastodon"
    title = "Mastodon"
    source_name = "mastodon"
    default_base_url = None  # https://<instance> of the account
    target_metavar = "@ACCOUNT@INSTANCE"
    target_help = "The account, like @office@mastodon.social."
    token_env = "LIEN_MASTODON_TOKEN"
    token_required = False
    access = (
        "Nothing for public accounts: lien reads the instance's public API "
        "(account statuses and the context of each).",
        "An instance that closes its public API (or limits thread answers to 60 replies) "
        "needs a token: in Mastodon, Preferences > Development > New application, scope "
        "`read`, then set LIEN_MASTODON_TOKEN to its access token.",
        "Mentions of the account that start a thread need the account's OWN token (they "
        "come from its notifications); without it they are not fetched, because Mastodon's "
        "search of other people's posts needs a login and finds only opted-in posts.",
        "Fetch from the account's own instance: status ids are local to each instance.",
    )
    access_fr = (
        "Rien pour un compte public : lien lit l'API publique de l'instance (publications "
        "du compte et contexte de chacune).",
        "Une instance qui ferme son API publique (ou limite les fils à 60 réponses) demande "
        "un jeton : dans Mastodon, Préférences > Développement > Nouvelle application, "
        "portée `read`, puis mettre son jeton d'accès dans LIEN_MASTODON_TOKEN.",
        "Les mentions du compte qui ouvrent une discussion demandent le jeton du compte "
        "LUI-MÊME (elles viennent de ses notifications) ; sans lui elles ne sont pas "
        "récupérées, car la recherche Mastodon dans les messages des autres demande une "
        "connexion et ne trouve que les messages qui l'acceptent.",
        "Récupérer depuis l'instance du compte : les identifiants de messages sont propres "
        "à chaque instance.",
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

    # -- the account -----------------------------------------------------------------------

    def account_key(self, request: FetchRequest) -> str:
        user, instance = parse_account(request.target)
        return f"{user}@{instance}".lower()

    def _client(self, instance: str) -> HttpClient:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.client(
            self.base_url or f"https://{instance}",
            headers=headers,
            explain=_explain,
            **self.http_options,
        )

    def _lookup(self, http: HttpClient, user: str, instance: str) -> dict[str, Any]:
        try:
            found = http.get_json("/api/v1/accounts/lookup", {"acct": user})
        except HttpError as e:
            if e.status == 404:
                raise LienError(
                    f"mastodon: no account @{user} on {instance}; check the address (the "
                    "account must be on this instance, not a copy seen from another one)"
                ) from None
            raise
        if not isinstance(found, dict) or "id" not in found:
            raise LienError(f"mastodon: {instance} did not answer an account for @{user}")
        return found

    @classmethod
    def needs_resolving(cls, account: str) -> bool:
        return STORED_FORM.match(account) is None

    def resolve_account(self, account: str) -> tuple[str, str | None]:
        """`username@domain` (lowercased), the form the Mastodon source gives authors."""
        user, instance = parse_account(account)
        found = self._lookup(self._client(instance), user, instance)
        author_id, _handle = account_identity(found)
        if author_id is None:
            raise LienError(f"mastodon: {instance} answered an account without a name")
        return author_id, text_or_none(found.get("display_name"))

    # -- the run ---------------------------------------------------------------------------

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        user, instance = parse_account(request.target)
        http = self._client(instance)
        account = self._lookup(http, user, instance)
        run = _Run(self, http, request, state, str(account["id"]), f"@{user}@{instance}")
        return mark_last(run.pages(), state, run.finish, f"mastodon @{user}@{instance}")


def _explain(status: int, body: Any) -> str | None:
    if status == 401:
        return (
            "This instance wants a token for its API: set LIEN_MASTODON_TOKEN (see `lien "
            "fetch mastodon --help`), or check that the one set is still valid."
        )
    if status == 403:
        return "The token lacks the `read` scope, or the account is not visible to it."
    return None


class _Run:
    """One fetch of one account; `st` is the checkpoint, copied into every page."""

    def __init__(
        self,
        fetcher: MastodonFetcher,
        http: HttpClient,
        request: FetchRequest,
        state: dict[str, Any],
        account_id: str,
        shown: str,
    ) -> None:
        self.http = http
        self.request = request
        self.fetcher = fetcher
        self.shown = shown
        self.now = fetcher.now or utcnow()
        self.st = snapshot(state)
        self.st["account_id"] = account_id
        self.fetched: set[str] = set()  # statuses whose context was read in this run
        self.thread_of: dict[str, str] = {}  # status id → the thread it was read in

    def finish(self, state: dict[str, Any]) -> dict[str, Any]:
        state["phase"] = DONE
        state["todo"] = []
        return state

    def pages(self) -> Iterator[Page]:
        st = self.st
        if st.get("phase", DONE) == DONE:
            # A new run: first re-read the recent threads, which may have grown.
            days = self.request.refresh_days
            threads = {k: v for k, v in st.get("threads", {}).items() if within(v, days, self.now)}
            st["threads"] = threads
            st["todo"] = [{"id": k, "at": v} for k, v in sorted(threads.items())]
            st["phase"] = "refresh"
        if st["phase"] == "refresh":
            yield from self._contexts()
            st["phase"] = "posts"
        if st["phase"] == "posts":
            yield from self._contexts()  # left by an interrupted run
            yield from self._statuses()
            st["phase"] = "mentions"
        if st["phase"] == "mentions":
            yield from self._contexts()
            if self._own_token():
                yield from self._mentions()

    def _page(self, records: list[Any], label: str) -> Page:
        return Page(records, f"mastodon {self.shown} {label}", snapshot(self.st))

    # -- statuses ------------------------------------------------------------------------

    def _first_cursor(self) -> str:
        since = self.request.since
        return snowflake_floor(since) if since is not None else "0"

    def _statuses(self) -> Iterator[Page]:
        st = self.st
        path = f"/api/v1/accounts/{st['account_id']}/statuses"
        while True:
            cursor = st.get("min_id") or self._first_cursor()
            params = {"min_id": cursor, "limit": PAGE_SIZE, "exclude_reblogs": "true"}
            response = self.http.get(path, params)
            statuses = [s for s in _list(response, path) if is_status(s)]
            if not statuses:
                return
            statuses.sort(key=lambda s: _id_key(str(s["id"])))
            newest = link_cursor(response, "prev", "min_id") or str(statuses[-1]["id"])
            if _id_key(newest) <= _id_key(cursor):
                return  # an instance ignoring min_id would page forever
            st["min_id"] = newest
            kept = [s for s in statuses if self._wanted(s)]
            for s in kept:
                self._plan(s)
            entries = [(f"statuses after {cursor} item {i + 1}", s) for i, s in enumerate(kept)]
            yield self._page(_records(entries, []), f"statuses after {cursor}")
            yield from self._contexts()

    def _wanted(self, status: dict[str, Any]) -> bool:
        since = self.request.since
        created = utc_time(status.get("created_at"))
        return _public(status) and (since is None or created is None or created >= since)

    def _plan(self, status: dict[str, Any]) -> None:
        """Queue what this status needs read: its thread, unless already read in this run."""
        ident, at = str(status["id"]), text_or_none(status.get("created_at"))
        parent = text_or_none(status.get("in_reply_to_id"))
        if parent is None:
            self._queue({"id": ident, "at": at})
        elif parent in self.thread_of:
            root = self.thread_of[parent]
            self.thread_of[ident] = root
            self._remember(root, at)
        else:
            self._queue({"id": ident, "at": at, "up": True})

    def _queue(self, item: dict[str, Any], first: bool = False) -> None:
        todo: list[dict[str, Any]] = self.st.setdefault("todo", [])
        if item["id"] in self.fetched or any(t["id"] == item["id"] for t in todo):
            return
        if first:
            todo.insert(0, item)
        else:
            todo.append(item)

    def _remember(self, thread: str, at: str | None) -> None:
        threads: dict[str, str | None] = self.st.setdefault("threads", {})
        threads[thread] = later(threads.get(thread), at)

    # -- contexts ------------------------------------------------------------------------

    def _contexts(self) -> Iterator[Page]:
        todo: list[dict[str, Any]] = self.st.setdefault("todo", [])
        while todo:
            item = todo.pop(0)
            ident = str(item["id"])
            if item.get("up") and ident in self.thread_of:
                # A reply inside a thread read since it was queued: nothing more to read.
                self._remember(self.thread_of[ident], item.get("at"))
                continue
            self.fetched.add(ident)
            path = f"/api/v1/statuses/{ident}/context"
            label = f"context of {ident}"
            try:
                context = self.http.get_json(path)
            except HttpError as e:
                if not is_gone(e):
                    todo.insert(0, item)  # the checkpoint keeps it for the resume
                    raise
                self.st.get("threads", {}).pop(ident, None)
                record = error_record(f"{label}: deleted or hidden", e, _mastodon_error)
                yield self._page([record], label)
                continue
            if not (isinstance(context, dict) and isinstance(context.get("ancestors"), list)):
                raise HttpError(f"{path}: the instance did not answer a status context")
            self._after_context(item, context)
            entries = [
                (f"{label} {key}[{i}]", s)
                for key in ("ancestors", "descendants")
                for i, s in enumerate(context.get(key) or [])
                if _public(s)
            ]
            yield self._page(_records(entries, [list(range(len(entries)))]), label)

    def _after_context(self, item: dict[str, Any], context: dict[str, Any]) -> None:
        ident = str(item["id"])
        ancestors = [s for s in context.get("ancestors") or [] if is_status(s)]
        descendants = [s for s in context.get("descendants") or [] if is_status(s)]
        thread = ident
        if ancestors:
            thread = str(ancestors[0]["id"])
            if item.get("up"):
                # A reply in someone else's thread: read that whole thread from its top.
                self._queue({"id": thread, "at": item.get("at")}, first=True)
        if not item.get("branch"):
            self._remember(thread, item.get("at"))
        for s in [*ancestors, *descendants]:
            self.thread_of[str(s["id"])] = thread
        self.thread_of[ident] = thread
        if len(descendants) >= CONTEXT_DESCENDANTS_CAP:
            self._queue_cut_branches(descendants)

    def _queue_cut_branches(self, descendants: list[dict[str, Any]]) -> None:
        children: dict[str, int] = {}
        for s in descendants:
            parent = text_or_none(s.get("in_reply_to_id"))
            if parent:
                children[parent] = children.get(parent, 0) + 1
        for s in descendants:
            ident = str(s["id"])
            said = s.get("replies_count")
            if isinstance(said, int) and said > children.get(ident, 0):
                self._queue({"id": ident, "at": s.get("created_at"), "branch": True})

    # -- mentions ------------------------------------------------------------------------

    def _own_token(self) -> bool:
        if not self.fetcher.token:
            return False
        me = self.http.get_json("/api/v1/accounts/verify_credentials")
        return isinstance(me, dict) and str(me.get("id")) == self.st["account_id"]

    def _mentions(self) -> Iterator[Page]:
        st = self.st
        path = "/api/v1/notifications"
        while True:
            cursor = st.get("mentions_min_id") or "0"
            params = {"types[]": "mention", "min_id": cursor, "limit": PAGE_SIZE}
            response = self.http.get(path, params)
            notes = [n for n in _list(response, path) if isinstance(n, dict) and "id" in n]
            if not notes:
                return
            notes.sort(key=lambda n: _id_key(str(n["id"])))
            newest = link_cursor(response, "prev", "min_id") or str(notes[-1]["id"])
            if _id_key(newest) <= _id_key(cursor):
                return
            st["mentions_min_id"] = newest
            starts = [
                n["status"]
                for n in notes
                if n.get("type") == "mention"
                and is_status(n.get("status"))
                and n["status"].get("in_reply_to_id") is None
                and self._wanted(n["status"])
            ]
            for s in starts:
                self._queue({"id": str(s["id"]), "at": s.get("created_at")})
            entries = [(f"mentions after {cursor} item {i + 1}", s) for i, s in enumerate(starts)]
            yield self._page(_records(entries, []), f"mentions after {cursor}")
            yield from self._contexts()


def _public(status: Any) -> bool:
    """Only what anyone can read is kept: a token can also see followers-only posts and
    direct messages, which are not the destination's to analyse."""
    visibility = status.get("visibility") if isinstance(status, dict) else None
    return visibility in (None, "public", "unlisted")


def _list(response: Response, path: str) -> list[Any]:
    body = response.json()
    if not isinstance(body, list):
        raise HttpError(f"{response.url}: expected a list from {path}", response.status)
    return body


def _records(entries: list[tuple[str, Any]], contexts: list[list[int]]) -> list[RawRecord]:
    """RawRecords exactly as the file reader makes them from the same response."""
    full: list[tuple[str, Any, dict[str, Any]]] = [(loc, p, {}) for loc, p in entries]
    MastodonFiles._add_roots(full, contexts)
    return [RawRecord(_named(loc, p), p, hints or None) for loc, p, hints in full]


FETCHER = MastodonFetcher

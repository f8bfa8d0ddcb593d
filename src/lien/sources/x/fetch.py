"""`lien fetch x --user HANDLE`: an account's posts and the replies in their conversations,
from the X API v2 with a Bearer Token. Reads are paid, so every run has a ceiling.

What is read, each response stored as a page with its checkpoint:

1. the user (`GET /2/users/by/username/:username`, once: the id is kept in the checkpoint);
2. `refresh`: recent search `conversation_id:<id>` of the conversations active in the last
   `--refresh-days` days, from the newest reply already stored (`since_id`);
3. `timeline`: `GET /2/users/:id/tweets` (no retweets) down to the newest post of the
   previous fetch (`since_id`, or `--since` as `start_time` on the first one);
4. `replies`: recent search `conversation_id:<id>` for each conversation the new posts are in.

Recent search only covers the last 7 days: older replies are out of its reach (full-archive
search, `/2/tweets/search/all`, needs a higher access level and is not used).

`--max-reads N` is required: the run counts the resources the responses return (posts, and
users: the lookup and the authors expanded with each page) and stops cleanly before a
request could go over N, with a checkpoint the next run resumes from. Pages are asked with
`max_results` at most half of what is left, since each post can bring its author along.

Records are whole API responses, the same lines twarc2 saves, so the X source maps fetched
pages and saved files (and `lien reparse`) through the same SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from ...errors import LienError
from ...fetching import ApiFetcher, FetchOption, FetchRequest, Page
from .. import RawRecord
from .._fetchrun import DONE, http_settings, later, mark_last, snapshot, utcnow, within
from .._http import HttpClient, HttpError
from .._jsondoc import obj, text_or_none

PRICING_URL = "https://docs.x.com/x-api/getting-started/pricing"
# Pay-per-use rates in US dollars per resource returned (PRICING_URL, read in November 2026):
# "Posts: Read" and "User: Read". Options, as X changes them and plans differ.
POST_READ_PRICE = 0.005
USER_READ_PRICE = 0.010
MAX_RESULTS = 100
TIMELINE_MIN = 5  # GET /2/users/:id/tweets takes max_results from 5
SEARCH_MIN = 10  # recent search takes max_results from 10
RECENT_SEARCH_DAYS = 7
TWEET_FIELDS = (
    "author_id,conversation_id,created_at,edit_history_tweet_ids,in_reply_to_user_id,"
    "lang,public_metrics,referenced_tweets"
)
HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")
PROFILE_URL = re.compile(r"^https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/([A-Za-z0-9_]{1,15})/?$")


class ReadsExhausted(Exception):
    """The next request could go over --max-reads (or the API's credits or usage cap are
    used up): the run stops with its checkpoint."""


def parse_user(target: str) -> str:
    """The handle, without @, of `@name`, `name` or a profile URL."""
    text = target.strip()
    m = HANDLE.match(text) or PROFILE_URL.match(text)
    if m is None:
        raise LienError(
            f"x: {target!r} is not an X account; write its handle like @office_du_lac (or "
            "give its profile URL https://x.com/office_du_lac)"
        )
    return m.group(1)


def _explain(status: int, body: Any) -> str | None:
    b = obj(body)
    reason = text_or_none(b.get("reason")) or ""
    title = text_or_none(b.get("title")) or ""
    if status == 401:
        return (
            "LIEN_X_BEARER is not a valid Bearer Token (mistyped, revoked or regenerated): in "
            "the X Developer Console open your app > Keys and tokens, copy the Bearer Token "
            "(or regenerate it) and set LIEN_X_BEARER again."
        )
    if status == 402 or "credit" in title.lower() or "credit" in str(b.get("detail", "")).lower():
        return (
            "No X API credits left: buy credits (or raise the spending limit) in the X "
            "Developer Console, then run the command again; it resumes where it stopped."
        )
    if status == 403 and reason == "client-not-enrolled":
        return (
            "The app is not attached to a Project with X API v2 access: in the Developer "
            "Console create a Project, add the app to it, and use that app's Bearer Token."
        )
    if status == 403:
        return (
            "The access level of your X app does not include this endpoint (user posts and "
            "recent search are needed): check the plan of your app in the Developer Console."
        )
    return None


class XFetcher(ApiFetcher):
    platform = "x"
    title = "X (Twitter)"
    source_name = "x"
    default_base_url = "https://api.x.com"
    target_metavar = "HANDLE"
    target_option = "user"
    target_help = "The account: its handle (@name) or its profile URL."
    token_env = "LIEN_X_BEARER"
    token_required = True
    access = (
        "Optional and paid: X API v2 reads are billed (pay-per-use credits, or a monthly "
        "plan). Create an app in the X Developer Console (console.x.com, formerly "
        "developer.x.com), buy credits or pick a plan, copy the app's Bearer Token "
        "(Keys and tokens) and set LIEN_X_BEARER to it.",
        "--max-reads N is required: lien counts every post and user the API returns and stops "
        "cleanly before N (the next run resumes). The estimated cost is printed first, from "
        f"--price-per-read (default ${POST_READ_PRICE} per post) and --price-per-user "
        f"(default ${USER_READ_PRICE}), the pay-per-use rates of {PRICING_URL}; check your "
        "own rates in the Developer Console.",
        "Replies are found by recent search (conversation_id:), which covers the last 7 "
        "days only: run the fetch at least weekly. Older replies need full-archive search "
        "(/2/tweets/search/all), which needs a higher access level and is not used.",
        "Mentions that start a new conversation are not fetched (they would cost reads for "
        "every mention); import them from files (twarc2) if needed.",
    )
    access_fr = (
        "Facultatif et payant : les lectures de l'API X v2 sont facturées (crédits à "
        "l'usage, ou abonnement mensuel). Créer une application dans la console "
        "développeur X (console.x.com, anciennement developer.x.com), acheter des crédits "
        "ou choisir une offre, copier le Bearer Token de l'application (Keys and tokens) "
        "et le mettre dans LIEN_X_BEARER.",
        "--max-reads N est obligatoire : lien compte chaque publication et chaque "
        "utilisateur renvoyés par l'API et s'arrête proprement avant N (la récupération "
        "suivante reprend). Le coût estimé s'affiche d'abord, d'après --price-per-read "
        f"({POST_READ_PRICE} $ par publication par défaut) et --price-per-user "
        f"({USER_READ_PRICE} $), les tarifs à l'usage de {PRICING_URL} ; vérifier ses "
        "propres tarifs dans la console développeur.",
        "Les réponses sont trouvées par la recherche récente (conversation_id:), qui ne "
        "couvre que les 7 derniers jours : lancer la récupération au moins chaque semaine. "
        "Les réponses plus anciennes demandent la recherche d'archive complète "
        "(/2/tweets/search/all), réservée à un niveau d'accès supérieur et non utilisée.",
        "Les mentions qui ouvrent une nouvelle conversation ne sont pas récupérées (elles "
        "coûteraient des lectures à chaque mention) ; les importer depuis des fichiers "
        "(twarc2) au besoin.",
    )
    options = (
        FetchOption(
            "max-reads",
            "Most posts and users this run may read (each is billed); required.",
            type=int,
            required=True,
        ),
        FetchOption(
            "price-per-read",
            f"US dollars per post read, for the estimate (pay-per-use rate: {POST_READ_PRICE}).",
            type=float,
            default=POST_READ_PRICE,
        ),
        FetchOption(
            "price-per-user",
            f"US dollars per user read, for the estimate (pay-per-use rate: {USER_READ_PRICE}).",
            type=float,
            default=USER_READ_PRICE,
        ),
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
        self.reads = 0  # posts and users returned to this fetcher so far

    def _client(self) -> HttpClient:
        return self.client(
            self.base_url or "",
            headers={"Authorization": f"Bearer {self.token}"},
            explain=_explain,
            **self.http_options,
        )

    def account_key(self, request: FetchRequest) -> str:
        return parse_user(request.target).lower()

    @classmethod
    def needs_resolving(cls, account: str) -> bool:
        return not account.isdigit()  # the X source's authors are numeric user ids

    def resolve_account(self, account: str) -> tuple[str, str | None]:
        user = self.lookup(self._client(), parse_user(account))
        return str(user["id"]), text_or_none(user.get("name"))

    def lookup(self, http: HttpClient, handle: str) -> dict[str, Any]:
        try:
            found = http.get_json(
                f"/2/users/by/username/{handle}", {"user.fields": "name,username"}
            )
        except HttpError as e:
            if e.status == 404:
                raise LienError(f"x: no account @{handle}; check the handle") from None
            raise
        self.reads += 1
        user = obj(obj(found).get("data"))
        if "id" not in user:
            errors = obj(found).get("errors") or [{}]
            detail = text_or_none(obj(errors[0]).get("detail")) or "no such user"
            raise LienError(f"x: @{handle}: {detail} (suspended, deleted or mistyped?)")
        return user

    def estimate(self, request: FetchRequest, state: dict[str, Any]) -> str | None:
        reads = max_reads(request)
        post = float(request.options.get("price_per_read") or POST_READ_PRICE)
        user = float(request.options.get("price_per_user") or USER_READ_PRICE)
        # Each page brings at most one author per post: at most half the reads are users,
        # plus the one lookup of the first run.
        lookups = 0 if state.get("user_id") else 1
        users = lookups + (reads - lookups) // 2
        most = (reads - users) * post + users * user
        return (
            f"x @{parse_user(request.target)}: at most {reads:,} reads (posts and users the "
            f"API returns), at most ${most:,.2f} at ${post} per post and ${user} per user read "
            f"(pay-per-use rates, {PRICING_URL}; yours are in the Developer Console). The "
            "fetch stops before --max-reads and the next run resumes."
        )

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        handle = parse_user(request.target)
        run = _Run(self, self._client(), request, state, handle)
        return mark_last(run.pages(), state, run.finish, f"x @{handle}")


def max_reads(request: FetchRequest) -> int:
    value = request.max_reads if request.max_reads is not None else request.options.get("max_reads")
    if value is None or int(value) < 1:
        raise LienError(
            "x: reads are paid; give --max-reads N, the most posts and users this run may read"
        )
    return int(value)


def _id_key(ident: Any) -> tuple[int, str]:
    text = str(ident)
    return (len(text), text)


def _newer(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if _id_key(a) >= _id_key(b) else b


class _Run:
    """One fetch of one account; `st` is the checkpoint, copied into every page."""

    def __init__(
        self,
        fetcher: XFetcher,
        http: HttpClient,
        request: FetchRequest,
        state: dict[str, Any],
        handle: str,
    ) -> None:
        self.fetcher = fetcher
        self.http = http
        self.request = request
        self.handle = handle
        self.limit = max_reads(request)
        self.now = fetcher.now or utcnow()
        self.st = snapshot(state)
        self.stopped = False

    def finish(self, state: dict[str, Any]) -> dict[str, Any]:
        if self.stopped:
            return state
        state["phase"] = DONE
        for key in ("todo", "search_token", "timeline_token", "run_newest"):
            state.pop(key, None)
        return state

    def _page(self, records: list[RawRecord], label: str, note: str | None = None) -> Page:
        return Page(records, f"x @{self.handle} {label}", snapshot(self.st), note)

    def _left(self) -> int:
        return self.limit - self.fetcher.reads

    def _get(self, path: str, params: dict[str, Any], minimum: int) -> dict[str, Any]:
        """One page with max_results fitted to the reads left (half: authors come along)."""
        size = min(MAX_RESULTS, self._left() // 2)
        if size < minimum:
            raise ReadsExhausted
        try:
            body = obj(self.http.get_json(path, {**params, "max_results": size}))
        except HttpError as e:
            if e.status == 402 or (e.status == 429 and "UsageCap" in str(obj(e.body).get("title"))):
                raise ReadsExhausted from e
            raise
        data = body.get("data")
        includes = obj(body.get("includes"))
        self.fetcher.reads += len(data) if isinstance(data, list) else 0
        for key in ("users", "tweets"):
            found = includes.get(key)
            self.fetcher.reads += len(found) if isinstance(found, list) else 0
        return body

    def pages(self) -> Iterator[Page]:
        try:
            yield from self._phases()
        except ReadsExhausted as e:
            self.stopped = True
            why = (
                f"the API refused: {e.__cause__}"
                if e.__cause__ is not None
                else f"--max-reads {self.limit:,} reached"
            )
            note = (
                f"x @{self.handle}: stopped after {self.fetcher.reads:,} reads ({why}); run "
                "the command again to go on from here."
            )
            yield self._page([], "reads limit reached (checkpoint)", note)

    def _phases(self) -> Iterator[Page]:
        st = self.st
        if "user_id" not in st:
            if self._left() < 1:
                raise ReadsExhausted
            user = self.fetcher.lookup(self.http, self.handle)
            st["user_id"] = str(user["id"])
        if st.get("phase", DONE) == DONE:
            days = max(self.request.refresh_days, 0)
            convs: dict[str, Any] = st.setdefault("conversations", {})
            st["conversations"] = {
                k: v for k, v in convs.items() if within(obj(v).get("at"), days, self.now)
            }
            st["todo"] = sorted(st["conversations"], key=_id_key)
            st["phase"] = "refresh"
        if st["phase"] == "refresh":
            yield from self._searches()
            st["phase"] = "timeline"
            st["run_newest"] = st.get("since_id")
        if st["phase"] == "timeline":
            yield from self._timeline()
            st["since_id"] = _newer(st.get("since_id"), st.get("run_newest"))
            st["phase"] = "replies"
        if st["phase"] == "replies":
            yield from self._searches()

    # -- the account's posts -------------------------------------------------------------

    def _timeline(self) -> Iterator[Page]:
        st = self.st
        since_id = st.get("since_id")
        path = f"/2/users/{st['user_id']}/tweets"
        while True:
            params: dict[str, Any] = {
                "exclude": "retweets",
                "tweet.fields": TWEET_FIELDS,
                "expansions": "author_id",
                "user.fields": "name,username",
            }
            if since_id:
                params["since_id"] = since_id
            elif self.request.since is not None:
                params["start_time"] = self.request.since.strftime("%Y-%m-%dT%H:%M:%SZ")
            if st.get("timeline_token"):
                params["pagination_token"] = st["timeline_token"]
            body = self._get(path, params, TIMELINE_MIN)
            tweets = [t for t in body.get("data") or [] if isinstance(t, dict) and "id" in t]
            for tweet in tweets:
                st["run_newest"] = _newer(st.get("run_newest"), str(tweet["id"]))
                self._plan(tweet)
            token = text_or_none(obj(body.get("meta")).get("next_token"))
            if token == params.get("pagination_token"):
                token = None  # an API repeating its cursor would page forever
            st["timeline_token"] = token
            label = f"posts page {params.get('pagination_token', 1)}"
            yield self._page(_records(body, label), label)
            if not token or not tweets:
                st.pop("timeline_token", None)
                return

    def _plan(self, tweet: dict[str, Any]) -> None:
        """Queue the post's conversation for a search, when recent search can still see
        replies in it."""
        conv = text_or_none(tweet.get("conversation_id")) or str(tweet["id"])
        at = text_or_none(tweet.get("created_at"))
        days = max(self.request.refresh_days, RECENT_SEARCH_DAYS)
        if at is not None and not within(at, days, self.now):
            return
        convs: dict[str, Any] = self.st.setdefault("conversations", {})
        known = obj(convs.get(conv))
        convs[conv] = {**known, "at": later(known.get("at"), at)}
        todo: list[str] = self.st.setdefault("todo", [])
        if conv not in todo:
            todo.append(conv)

    # -- replies -------------------------------------------------------------------------

    def _searches(self) -> Iterator[Page]:
        st = self.st
        todo: list[str] = st.setdefault("todo", [])
        convs: dict[str, Any] = st.setdefault("conversations", {})
        oldest = self.now - timedelta(days=RECENT_SEARCH_DAYS) + timedelta(minutes=1)
        while todo:
            conv = todo[0]
            known = obj(convs.get(conv))
            params: dict[str, Any] = {
                "query": f"conversation_id:{conv}",
                "tweet.fields": TWEET_FIELDS,
                "expansions": "author_id",
                "user.fields": "name,username",
            }
            if known.get("since_id"):
                params["since_id"] = known["since_id"]
            else:
                params["start_time"] = oldest.strftime("%Y-%m-%dT%H:%M:%SZ")
            if st.get("search_token"):
                params["next_token"] = st["search_token"]
            body = self._get("/2/tweets/search/recent", params, SEARCH_MIN)
            newest = known.get("run_since_id")
            at = known.get("at")
            for tweet in body.get("data") or []:
                if isinstance(tweet, dict) and "id" in tweet:
                    newest = _newer(newest, str(tweet["id"]))
                    at = later(at, text_or_none(tweet.get("created_at")))
            token = text_or_none(obj(body.get("meta")).get("next_token"))
            if token == params.get("next_token"):
                token = None  # an API repeating its cursor would page forever
            entry = {**known, "at": at}
            if token:
                st["search_token"] = token
                entry["run_since_id"] = newest
            else:
                # The whole conversation is read: next time, only what is newer.
                st.pop("search_token", None)
                entry.pop("run_since_id", None)
                if newest:
                    entry["since_id"] = _newer(known.get("since_id"), newest)
                todo.pop(0)
            convs[conv] = entry
            label = f"replies in {conv}" + (
                f" page {params['next_token']}" if "next_token" in params else ""
            )
            yield self._page(_records(body, label), label)


def _records(body: dict[str, Any], label: str) -> list[RawRecord]:
    """The response as one record (a twarc2 line), when it holds posts or errors to keep."""
    if not body.get("data") and not body.get("errors"):
        return []
    return [RawRecord(label, body)]


FETCHER = XFetcher

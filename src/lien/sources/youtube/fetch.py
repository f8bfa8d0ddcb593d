"""`lien fetch youtube --channel CHANNEL_ID`: a channel's videos and every comment and reply
on them, from the YouTube Data API v3 with an API key.

What is read, each response stored as a page with its checkpoint:

1. the channel (`channels.list`): its uploads playlist and its number of videos;
2. `refresh`: the comments of the videos whose last activity (publication or newest
   comment) falls in the last `--refresh-days` days;
3. `uploads`: `playlistItems.list` of the uploads playlist, newest first, down to the newest
   video of the previous fetch (or `--since`), each page's videos by `videos.list`;
4. `comments`: for each new video, `commentThreads.list` (`part=snippet,replies`), and for a
   thread with more replies than the few included, `comments.list?parentId=`.

Every call costs one quota unit of the 10,000 a Google Cloud project gets per day. The run
counts them and stops cleanly before going over `--budget`: the checkpoint keeps its place, and
the next run (after the quota resets at midnight Pacific time) goes on from there. A
`quotaExceeded` answer stops the same way.

Records are the API's resources as the file reader makes them from the same responses
(`thread_records`), so `lien reparse` maps them like an imported file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from ...errors import LienError
from ...fetching import ApiFetcher, FetchOption, FetchRequest, Page
from .. import RawRecord
from .._fetchrun import DONE, error_record, http_settings, later, mark_last, snapshot, utcnow
from .._fetchrun import within as within_days
from .._http import HttpClient, HttpError
from .._jsondoc import obj, text_or_none, utc_time
from . import YoutubeFiles, thread_records

PAGE_SIZE = 50  # playlistItems.list and videos.list take at most 50
COMMENT_PAGE_SIZE = 100  # commentThreads.list and comments.list take at most 100
DAILY_QUOTA = 10_000  # units a Google Cloud project gets per day by default
DEFAULT_BUDGET = 9_000  # leaves room for other uses of the same key the same day
CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
HANDLE = re.compile(r"^@?[A-Za-z0-9._-]{3,100}$")
CHANNEL_URL = re.compile(
    r"^https?://(?:www\.|m\.)?youtube\.com/(channel/(UC[A-Za-z0-9_-]{22})|(@[^/?#]+))"
)


class BudgetReached(Exception):
    """The next call would go over the run's quota budget (or the API said the quota is
    used up): the run stops with its checkpoint."""


def parse_channel(target: str) -> tuple[str, str]:
    """("id", UC...) or ("handle", @name) from a channel id, a handle or a channel URL."""
    text = target.strip()
    m = CHANNEL_URL.match(text)
    if m:
        return ("id", m.group(2)) if m.group(2) else ("handle", m.group(3))
    if CHANNEL_ID.match(text):
        return "id", text
    if text.startswith("@") and HANDLE.match(text):
        return "handle", text
    raise LienError(
        f"youtube: {target!r} is not a channel; give its id (UC followed by 22 characters, "
        "shown in the channel's URL or under About > Share channel > Copy channel ID) or its "
        "handle (@name)"
    )


def _reason(body: Any) -> str | None:
    """The first `errors[].reason` of a Data API error body (quotaExceeded, commentsDisabled...)."""
    error = obj(obj(body).get("error"))
    errors = error.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return text_or_none(errors[0].get("reason"))
    return None


def _explain(status: int, body: Any) -> str | None:
    reason = _reason(body) or ""
    message = text_or_none(obj(obj(body).get("error")).get("message")) or ""
    if reason == "keyInvalid" or (reason == "badRequest" and "key" in message.lower()):
        return (
            "LIEN_YOUTUBE_KEY is not a valid API key: create one in the Google Cloud console "
            "(APIs & Services > Credentials > Create credentials > API key) in a project where "
            "the YouTube Data API v3 is enabled."
        )
    if reason in ("accessNotConfigured", "SERVICE_DISABLED") or "has not been used" in message:
        return (
            "The YouTube Data API v3 is not enabled for the key's project: enable it in the "
            "Google Cloud console (APIs & Services > Library), then run the command again."
        )
    if reason in ("keyExpired", "API_KEY_INVALID"):
        return "LIEN_YOUTUBE_KEY has expired or was deleted: create a new API key."
    if reason in ("quotaExceeded", "dailyLimitExceeded"):
        return (
            "The key's daily quota is used up; it resets at midnight Pacific time. Run the "
            "command again then: it resumes where it stopped."
        )
    if reason in ("ipRefererBlocked", "forbidden") or status == 403:
        return (
            "The key is refused for this call: check its restrictions (Credentials > the key > "
            "API and application restrictions must allow the YouTube Data API v3 from here)."
        )
    return None


def _youtube_error(body: dict[str, Any], status: int | None) -> dict[str, Any]:
    error = body.get("error")
    if isinstance(error, dict):
        return {"error": error}
    return {"error": {"code": status, "message": f"HTTP {status}"}}


class YoutubeFetcher(ApiFetcher):
    platform = "youtube"
    title = "YouTube"
    source_name = "youtube"
    default_base_url = "https://www.googleapis.com/youtube/v3"
    target_metavar = "CHANNEL_ID"
    target_option = "channel"
    target_help = "The channel: its id (UC...), its handle (@name) or its URL."
    token_env = "LIEN_YOUTUBE_KEY"
    token_required = True
    access = (
        "An API key of the YouTube Data API v3 (public data only, no login of the channel): "
        "in the Google Cloud console create a project, enable 'YouTube Data API v3' "
        "(APIs & Services > Library), then create an API key (APIs & Services > Credentials) "
        "and set LIEN_YOUTUBE_KEY to it.",
        "Quota: a project gets 10,000 units a day; every list call costs 1 unit (50 videos, "
        "100 comment threads or 100 replies). lien prints an estimate first, stops at "
        "--budget (default 9,000) and the next run resumes; the quota resets at midnight "
        "Pacific time. More quota is requested from Google (quota extension form).",
        "Comments on videos are read; comments turned off on a video are recorded as a "
        "skipped reject, and a video deleted meanwhile is skipped the same way.",
    )
    access_fr = (
        "Une clé d'API de YouTube Data API v3 (données publiques, sans connexion de la "
        "chaîne) : dans la console Google Cloud, créer un projet, activer « YouTube Data "
        "API v3 » (API et services > Bibliothèque), puis créer une clé d'API (API et "
        "services > Identifiants) et la mettre dans LIEN_YOUTUBE_KEY.",
        "Quota : un projet a 10 000 unités par jour ; chaque appel de liste coûte 1 unité "
        "(50 vidéos, 100 fils de commentaires ou 100 réponses). lien affiche d'abord une "
        "estimation, s'arrête à --budget (9 000 par défaut) et la récupération suivante "
        "reprend ; le quota repart à minuit, heure du Pacifique. Davantage de quota se "
        "demande à Google (formulaire d'extension de quota).",
        "Les commentaires des vidéos sont lus ; des commentaires désactivés sur une vidéo "
        "donnent un rejet « skipped », de même qu'une vidéo supprimée entre-temps.",
    )
    options = (
        FetchOption(
            "budget",
            f"Quota units this run may spend (a project has {DAILY_QUOTA:,} a day); the "
            "fetch stops cleanly there and the next run resumes.",
            type=int,
            default=DEFAULT_BUDGET,
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
        self._http: HttpClient | None = None
        self._channels: dict[str, dict[str, Any]] = {}

    # -- the channel ---------------------------------------------------------------------

    @property
    def http(self) -> HttpClient:
        """One client per fetcher, so that the estimate's call counts in the budget."""
        if self._http is None:
            self._http = self.client(self.base_url or "", explain=_explain, **self.http_options)
        return self._http

    @property
    def units(self) -> int:
        """Quota units spent so far by this fetcher (every call, retries included, costs)."""
        return self._http.requests_made if self._http is not None else 0

    def call(self, path: str, params: dict[str, Any], budget: int | None = None) -> Any:
        if budget is not None and self.units + 1 > budget:
            raise BudgetReached
        try:
            return self.http.get_json(path, {**params, "key": self.token})
        except HttpError as e:
            if _reason(e.body) in ("quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded"):
                raise BudgetReached from None
            raise

    def account_key(self, request: FetchRequest) -> str:
        kind, value = parse_channel(request.target)
        return value if kind == "id" else value.lower()

    def channel(self, target: str) -> dict[str, Any]:
        """The channel resource (contentDetails, statistics, snippet), read once."""
        kind, value = parse_channel(target)
        if value not in self._channels:
            params = {"part": "snippet,contentDetails,statistics"}
            params["id" if kind == "id" else "forHandle"] = value
            found = self.call("/channels", params)
            items = obj(found).get("items")
            if not isinstance(items, list) or not items or not isinstance(items[0], dict):
                raise LienError(
                    f"youtube: no channel {value}; check the id or handle (a channel id starts "
                    "with UC and has 24 characters)"
                )
            self._channels[value] = items[0]
        return self._channels[value]

    @classmethod
    def needs_resolving(cls, account: str) -> bool:
        return CHANNEL_ID.match(account) is None

    def resolve_account(self, account: str) -> tuple[str, str | None]:
        found = self.channel(account)
        return str(found["id"]), text_or_none(obj(found.get("snippet")).get("title"))

    def estimate(self, request: FetchRequest, state: dict[str, Any]) -> str | None:
        budget = int(request.options.get("budget") or DEFAULT_BUDGET)
        channel = self.channel(request.target)
        videos = _count(obj(channel.get("statistics")).get("videoCount"))
        known = len(state.get("videos") or {})
        new = max(0, videos - known) if videos is not None else 0
        now = self.now or utcnow()
        refresh = sum(
            1
            for at in (state.get("videos") or {}).values()
            if within_days(at, request.refresh_days, now)
        )
        pending = len(state.get("todo") or []) if state.get("phase", DONE) != DONE else 0
        least = self.units + 2 * math.ceil(new / PAGE_SIZE) + new + refresh + pending
        shown = f"{videos:,}" if videos is not None else "an unknown number of"
        return (
            f"youtube {channel['id']}: {shown} videos on the channel, {known:,} already known; "
            f"this run needs at least {least:,} quota units (1 per call: 2 per {PAGE_SIZE} new "
            f"videos, 1 per {COMMENT_PAGE_SIZE} comment threads of each video read, 1 per "
            f"{COMMENT_PAGE_SIZE} replies of a long thread). Budget: {budget:,} of the "
            f"{DAILY_QUOTA:,} units a day; the fetch stops there and the next run resumes."
        )

    # -- the run -------------------------------------------------------------------------

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        channel = self.channel(request.target)
        run = _Run(self, request, state, channel)
        return mark_last(run.pages(), state, run.finish, f"youtube {channel['id']}")


def _count(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _Run:
    """One fetch of one channel; `st` is the checkpoint, copied into every page."""

    def __init__(
        self,
        fetcher: YoutubeFetcher,
        request: FetchRequest,
        state: dict[str, Any],
        channel: dict[str, Any],
    ) -> None:
        self.fetcher = fetcher
        self.request = request
        self.now = fetcher.now or utcnow()
        self.budget = int(request.options.get("budget") or DEFAULT_BUDGET)
        self.channel_id = str(channel["id"])
        uploads = obj(obj(channel.get("contentDetails")).get("relatedPlaylists")).get("uploads")
        if not isinstance(uploads, str) or not uploads:
            raise LienError(f"youtube: channel {self.channel_id} has no uploads playlist")
        self.st = snapshot(state)
        self.st["channel_id"] = self.channel_id
        self.st["uploads"] = uploads
        self.stopped = False

    def finish(self, state: dict[str, Any]) -> dict[str, Any]:
        if self.stopped:
            return state  # stopped at the budget: the next run goes on from here
        state["phase"] = DONE
        for key in ("todo", "replies", "next", "uploads_page", "run_newest", "listed"):
            state.pop(key, None)
        return state

    def _page(self, records: list[RawRecord], label: str, note: str | None = None) -> Page:
        return Page(records, f"youtube {self.channel_id} {label}", snapshot(self.st), note)

    def _call(self, path: str, params: dict[str, Any]) -> Any:
        return self.fetcher.call(path, params, self.budget)

    def pages(self) -> Iterator[Page]:
        try:
            yield from self._phases()
        except BudgetReached:
            self.stopped = True
            spent = self.fetcher.units
            note = (
                f"youtube {self.channel_id}: stopped after {spent:,} quota units (budget "
                f"{self.budget:,}, or the key's daily quota used up); run the same command "
                "again after midnight Pacific time: it resumes where it stopped."
            )
            yield self._page([], "quota budget reached (checkpoint)", note)

    def _phases(self) -> Iterator[Page]:
        st = self.st
        if st.get("phase", DONE) == DONE:
            days = self.request.refresh_days
            videos: dict[str, Any] = st.setdefault("videos", {})
            st["todo"] = sorted(v for v, at in videos.items() if within_days(at, days, self.now))
            st["replies"] = []
            st.pop("next", None)
            st["phase"] = "refresh"
        if st["phase"] == "refresh":
            yield from self._comments()
            st["phase"] = "uploads"
            st.pop("uploads_page", None)
            st["run_newest"] = st.get("newest")
        if st["phase"] == "uploads":
            yield from self._uploads()
            st["phase"] = "comments"
        if st["phase"] == "comments":
            yield from self._comments()

    # -- videos --------------------------------------------------------------------------

    def _uploads(self) -> Iterator[Page]:
        """The uploads playlist newest first, down to the newest video of the last fetch."""
        st = self.st
        known_newest = utc_time(st.get("run_newest"))
        since = self.request.since
        while True:
            if "listed" not in st:
                # The ids of a playlist page wait in the checkpoint for their videos.list
                # call: a stop at the budget between the two does not pay the page again.
                st["listed"] = self._listed(known_newest, since)
            ids, token = st["listed"]["ids"], st["listed"]["next"]
            records: list[RawRecord] = []
            if ids:
                found = obj(
                    self._call("/videos", {"part": "snippet,statistics", "id": ",".join(ids)})
                )
                where = f"videos {ids[0]}..{ids[-1]}"
                for i, video in enumerate(found.get("items") or []):
                    records.extend(YoutubeFiles._records(video, f"{where} items[{i}]"))
                    self._found_video(obj(video))
            del st["listed"]
            st["uploads_page"] = token
            if ids or token is None:
                yield self._page(records, f"uploads {len(ids)} new videos")
            if token is None:
                return

    def _listed(self, known_newest: datetime | None, since: datetime | None) -> dict[str, Any]:
        """{"ids": new videos of the next playlist page, "next": the page after (None at
        the end, or once a known or too old video is reached)}."""
        params: dict[str, Any] = {
            "part": "contentDetails",
            "playlistId": self.st["uploads"],
            "maxResults": PAGE_SIZE,
        }
        if self.st.get("uploads_page"):
            params["pageToken"] = self.st["uploads_page"]
        listed = obj(self._call("/playlistItems", params))
        ids: list[str] = []
        for item in listed.get("items") or []:
            details = obj(obj(item).get("contentDetails"))
            video = text_or_none(details.get("videoId"))
            published = utc_time(details.get("videoPublishedAt"))
            if video is None or published is None:
                continue  # a private or deleted video: nothing to read
            if (known_newest is not None and published <= known_newest) or (
                since is not None and published < since
            ):
                return {"ids": ids, "next": None}
            ids.append(video)
        return {"ids": ids, "next": text_or_none(listed.get("nextPageToken"))}

    def _found_video(self, video: dict[str, Any]) -> None:
        ident = text_or_none(video.get("id"))
        published = text_or_none(obj(video.get("snippet")).get("publishedAt"))
        if ident is None:
            return
        st = self.st
        videos: dict[str, Any] = st.setdefault("videos", {})
        videos[ident] = later(videos.get(ident), published)
        st["newest"] = later(st.get("newest"), published)
        todo: list[str] = st.setdefault("todo", [])
        if ident not in todo:
            todo.append(ident)

    # -- comments ------------------------------------------------------------------------

    def _comments(self) -> Iterator[Page]:
        """The comment threads of every video of `todo`, each thread's long replies first."""
        st = self.st
        todo: list[str] = st.setdefault("todo", [])
        replies: list[dict[str, Any]] = st.setdefault("replies", [])
        while todo:
            video = todo[0]
            while replies:
                yield from self._replies(replies)
            if "next" in st and st["next"] is None:
                todo.pop(0)
                del st["next"]
                continue
            params: dict[str, Any] = {
                "part": "snippet,replies",
                "videoId": video,
                "maxResults": COMMENT_PAGE_SIZE,
                "textFormat": "plainText",
            }
            if st.get("next"):
                params["pageToken"] = st["next"]
            label = f"comments of {video}"
            try:
                answer = obj(self._call("/commentThreads", params))
            except HttpError as e:
                if _reason(e.body) not in ("commentsDisabled", "videoNotFound", "forbidden") and (
                    e.status not in (404, 410)
                ):
                    raise
                # Comments turned off, or the video deleted or made private since it was
                # listed: kept as a skipped reject, and the fetch goes on.
                st["next"] = None
                if e.status in (404, 410) or _reason(e.body) == "videoNotFound":
                    st.get("videos", {}).pop(video, None)
                yield self._page([error_record(label, e, _youtube_error)], label)
                continue
            records: list[RawRecord] = []
            for i, thread in enumerate(answer.get("items") or []):
                thread = obj(thread)
                records.extend(thread_records(thread, f"{label} items[{i}]"))
                self._activity(video, thread)
                snippet = obj(thread.get("snippet"))
                included = obj(thread.get("replies")).get("comments") or []
                total = _count(snippet.get("totalReplyCount")) or 0
                ident = text_or_none(thread.get("id"))
                if ident and total > len(included):
                    replies.append({"thread": ident, "video": video})
            st["next"] = text_or_none(answer.get("nextPageToken"))
            yield self._page(
                records, label + (f" page {params['pageToken']}" if "pageToken" in params else "")
            )

    def _replies(self, replies: list[dict[str, Any]]) -> Iterator[Page]:
        item = replies[0]
        params: dict[str, Any] = {
            "part": "snippet",
            "parentId": item["thread"],
            "maxResults": COMMENT_PAGE_SIZE,
            "textFormat": "plainText",
        }
        if item.get("page"):
            params["pageToken"] = item["page"]
        answer = obj(self._call("/comments", params))
        hints = {"video_id": item["video"], "channel_id": self.channel_id}
        records = []
        for i, comment in enumerate(answer.get("items") or []):
            where = f"replies to {item['thread']} items[{i}]"
            records.append(RawRecord(_named(where, comment), comment, dict(hints)))
            when = obj(obj(comment).get("snippet")).get("publishedAt")
            videos: dict[str, Any] = self.st.setdefault("videos", {})
            if item["video"] in videos:
                videos[item["video"]] = later(videos[item["video"]], text_or_none(when))
        token = text_or_none(answer.get("nextPageToken"))
        if token:
            item["page"] = token
        else:
            replies.pop(0)
        yield self._page(records, f"replies to {item['thread']}")

    def _activity(self, video: str, thread: dict[str, Any]) -> None:
        """A video's last activity is its newest comment or reply (for the refresh window)."""
        videos: dict[str, Any] = self.st.setdefault("videos", {})
        if video not in videos:
            return
        snippet = obj(thread.get("snippet"))
        comments = [obj(snippet.get("topLevelComment"))]
        comments += [obj(c) for c in obj(thread.get("replies")).get("comments") or []]
        for c in comments:
            when = text_or_none(obj(c.get("snippet")).get("publishedAt"))
            videos[video] = later(videos[video], when)


def _named(location: str, payload: Any) -> str:
    ident = payload.get("id") if isinstance(payload, dict) else None
    return f"{location} (id {ident[:120]})" if isinstance(ident, str) and ident else location


FETCHER = YoutubeFetcher

"""Running a platform fetcher: pages in, messages stored, a checkpoint after every page.

A fetcher (``sources/<platform>/fetch.py``) only knows its platform's API: it yields pages of
raw records together with the checkpoint that holds once the page is stored. This module
stores each page through the import pipeline in one transaction with its checkpoint, so an
interrupted fetch resumes after the last stored page and yields every message exactly once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from .errors import LienError
from .importer import ImportResult, import_records
from .sources import RawRecord, Source
from .sources import get as get_source
from .sources._http import HttpClient

if TYPE_CHECKING:
    import duckdb

    from .workspace import Workspace


@dataclass
class Page:
    """One API response's records, and the fetch state once they are stored."""

    records: list[RawRecord]
    label: str  # for people and the imports table: "mastodon @office@mastodon.social statuses p3"
    state: dict[str, Any]
    # Something the user must know once the fetch ends ("quota budget reached: run again
    # tomorrow"), shown by `lien fetch` after the summary.
    note: str | None = None


@dataclass
class FetchRequest:
    target: str  # the account as the user wrote it
    since: datetime | None = None  # naive UTC
    refresh_days: int = 14
    max_reads: int | None = None
    options: dict[str, Any] = field(default_factory=dict)


class Fetcher(Protocol):
    platform: ClassVar[str]
    source: Source

    def account_key(self, request: FetchRequest) -> str:
        """A stable key of the fetched account (for its checkpoint)."""
        ...

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        """Pages to store, resuming from `state` (empty on the first fetch)."""
        ...


@dataclass
class FetchSummary:
    platform: str
    account: str
    pages: int = 0
    read: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    results: list[ImportResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, result: ImportResult) -> None:
        self.pages += 1
        for key in ("read", "stored", "updated", "duplicates", "rejected"):
            setattr(self, key, getattr(self, key) + getattr(result, key))
        self.results.append(result)

    def summary(self) -> str:
        return (
            f"{self.platform} {self.account}: {self.pages} pages, read {self.read} = stored "
            f"{self.stored} + updated {self.updated} + duplicates {self.duplicates} + rejected "
            f"{self.rejected}"
        )


def load_state(ws: Workspace, platform: str, account: str) -> dict[str, Any]:
    row = ws.con.execute(
        "SELECT state FROM fetch_state WHERE platform = ? AND account = ?", [platform, account]
    ).fetchone()
    return dict(json.loads(row[0])) if row and row[0] else {}


def _save_state(platform: str, account: str, state: dict[str, Any]) -> Any:
    def save(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "DELETE FROM fetch_state WHERE platform = ? AND account = ?", [platform, account]
        )
        con.execute(
            "INSERT INTO fetch_state VALUES (?, ?, ?, ?)",
            [
                platform,
                account,
                json.dumps(state, sort_keys=True, default=str),
                datetime.now(UTC).replace(tzinfo=None),
            ],
        )

    return save


def run_fetch(
    ws: Workspace,
    fetcher: Fetcher,
    request: FetchRequest,
    on_page: Any = None,
) -> FetchSummary:
    """Fetch and store every page the fetcher yields; `on_page(summary)` after each one."""
    account = fetcher.account_key(request)
    summary = FetchSummary(fetcher.platform, account)
    state = load_state(ws, fetcher.platform, account)
    for page in fetcher.pages(request, state):
        result = import_records(
            ws,
            fetcher.source,
            page.records,
            page.label,
            before_commit=_save_state(fetcher.platform, account, page.state),
        )
        if result.status == "failed":
            raise LienError(result.error or f"{page.label}: could not be stored")
        summary.add(result)
        if page.note:
            summary.notes.append(page.note)
        if on_page is not None:
            on_page(summary)
    return summary


# Platforms whose package under lien.sources may hold a `fetch` module exposing `FETCHER`, in
# the order `lien fetch --help` and the docs list them.
FETCH_PLATFORMS: tuple[str, ...] = (
    "mastodon",
    "bluesky",
    "facebook",
    "instagram",
    "youtube",
    "x",
)


@dataclass(frozen=True)
class FetchOption:
    """A platform-specific option of `lien fetch PLATFORM`, stored in FetchRequest.options."""

    name: str  # "max-reads" → --max-reads, options["max_reads"]
    help: str
    type: Any = str
    required: bool = False
    default: Any = None


class ApiFetcher:
    """Base of the platform fetchers: metadata read by the CLI and the docs, and the client.

    A subclass sets the class attributes, `source_name`, and implements `account_key` and
    `pages` (see `Fetcher`); `estimate` and `resolve_account` are optional.
    """

    platform: ClassVar[str]
    title: ClassVar[str]
    source_name: ClassVar[str]
    default_base_url: ClassVar[str | None] = None  # None: the target names its own server
    target_metavar: ClassVar[str] = "ACCOUNT"
    target_option: ClassVar[str | None] = None  # "page" → `--page PAGE_ID` instead of ARGUMENT
    target_help: ClassVar[str] = ""
    token_env: ClassVar[str | None] = None
    token_required: ClassVar[bool] = False
    # What access the user needs and how to get it (one line each; English then French).
    access: ClassVar[tuple[str, ...]] = ()
    access_fr: ClassVar[tuple[str, ...]] = ()
    options: ClassVar[tuple[FetchOption, ...]] = ()

    def __init__(self, base_url: str | None = None, token: str | None = None) -> None:
        self.base_url = base_url or self.default_base_url
        self.token = token
        self.source = get_source(self.source_name)

    def client(self, base_url: str, **kwargs: Any) -> HttpClient:
        """An HTTP client whose errors can never show the token."""
        secrets = (self.token,) if self.token else ()
        return HttpClient(base_url=base_url, secrets=secrets, **kwargs)

    def account_key(self, request: FetchRequest) -> str:
        raise NotImplementedError

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        raise NotImplementedError

    def estimate(self, request: FetchRequest, state: dict[str, Any]) -> str | None:
        """What the fetch will cost (quota units, paid reads), shown before it starts."""
        return None

    @classmethod
    def needs_resolving(cls, account: str) -> bool:
        """Whether `lien accounts add` got a handle or URL rather than the platform's id."""
        return False

    def resolve_account(self, account: str) -> tuple[str, str | None]:
        """The platform's (author_id, display name) for a handle or URL."""
        raise LienError(f"{self.platform}: cannot look up {account!r}; give the account id")


_fetchers: dict[str, type[ApiFetcher]] | None = None


def fetcher_classes() -> dict[str, type[ApiFetcher]]:
    """The fetchers that exist, by platform (a platform without a fetch module is skipped)."""
    global _fetchers
    if _fetchers is None:
        found: dict[str, type[ApiFetcher]] = {}
        for platform in FETCH_PLATFORMS:
            name = f"lien.sources.{platform}.fetch"
            try:
                module = import_module(name)
            except ModuleNotFoundError as e:
                if e.name is not None and name.startswith(e.name):
                    continue  # this platform has no fetcher (yet)
                raise
            found[platform] = module.FETCHER
        _fetchers = found
    return _fetchers


def make_fetcher(
    platform: str, base_url: str | None = None, env: Mapping[str, str] | None = None
) -> ApiFetcher:
    """A fetcher for `platform`, with its token read from the environment."""
    classes = fetcher_classes()
    if platform not in classes:
        known = ", ".join(classes) or "none"
        raise LienError(f"no fetcher for {platform!r} (fetchers: {known})")
    cls = classes[platform]
    env = os.environ if env is None else env
    token = env.get(cls.token_env) if cls.token_env else None
    if cls.token_required and not token:
        raise LienError(
            f"{platform}: set the environment variable {cls.token_env} to your access token "
            f"(see `lien fetch {platform} --help` for how to get one)"
        )
    return cls(base_url=base_url, token=token or None)


def fetch(
    ws: Workspace,
    platform: str,
    request: FetchRequest,
    base_url: str | None = None,
    env: Mapping[str, str] | None = None,
    on_page: Callable[[FetchSummary], None] | None = None,
    on_estimate: Callable[[str], None] | None = None,
) -> FetchSummary:
    """Fetch one account's conversations into the workspace (what `lien fetch` runs)."""
    fetcher = make_fetcher(platform, base_url, env)
    if on_estimate is not None:
        estimate = fetcher.estimate(request, load_state(ws, platform, fetcher.account_key(request)))
        if estimate:
            on_estimate(estimate)
    return run_fetch(ws, fetcher, request, on_page=on_page)


def resolve_account(
    platform: str, account: str, base_url: str | None = None, env: Mapping[str, str] | None = None
) -> tuple[str, str | None]:
    """(author_id, name) for what the user typed: the id as given, or a handle looked up."""
    if platform not in fetcher_classes():
        return account, None
    if not fetcher_classes()[platform].needs_resolving(account):
        return account, None
    return make_fetcher(platform, base_url, env).resolve_account(account)

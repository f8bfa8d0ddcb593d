"""The one HTTP layer every fetcher uses: retries, rate limits, timeouts, secrets kept out of
messages.

Standard library only (urllib), so fetching adds no dependency. Tokens travel in headers where
the platform allows it; wherever a secret could still appear (a `next` link carrying
``access_token``), `redact` removes it before anything is stored, logged or raised.
"""

from __future__ import annotations

import email.utils
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import LienError

SECRET_PARAMS = frozenset(
    {"access_token", "key", "token", "api_key", "apikey", "client_secret", "bearer_token"}
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "lien (+https://pypi.org/project/lien/)"


class HttpError(LienError):
    """An HTTP failure that retries could not fix. The message is safe to show and log."""

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class AuthError(HttpError):
    """The token is missing, expired or lacks a permission: retrying will not help."""


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str  # redacted

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise HttpError(f"{self.url}: the server did not answer JSON", self.status) from None


def redact(url: str, secrets: tuple[str, ...] = ()) -> str:
    """The URL without secret query parameters, and with any known secret value masked."""
    parts = urllib.parse.urlsplit(url)
    query = [
        (k, "***" if k.lower() in SECRET_PARAMS else v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    out = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe="*")))
    return mask(out, secrets)


def mask(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def redact_payload(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    """A copy of a JSON payload with secrets removed from every string (paging links...)."""
    if isinstance(value, dict):
        return {k: redact_payload(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_payload(v, secrets) for v in value]
    if isinstance(value, str):
        if value.startswith(("http://", "https://")) and "?" in value:
            return redact(value, secrets)
        return mask(value, secrets)
    return value


def retry_delay(headers: Mapping[str, str], attempt: int, backoff: float, now: float) -> float:
    """How long to wait before the next attempt: the server's word first (Retry-After in
    seconds or as an HTTP date, or a rate-limit reset time), else exponential backoff."""
    lowered = {k.lower(): v for k, v in headers.items()}
    retry_after = lowered.get("retry-after")
    if retry_after:
        if retry_after.strip().isdigit():
            return float(retry_after.strip())
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
            return max(0.0, when.timestamp() - now)
        except (TypeError, ValueError):
            pass
    for name in ("x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"):
        reset = lowered.get(name)
        if reset:
            try:
                value = float(reset)
            except ValueError:
                continue
            # Some platforms send an epoch time, others a number of seconds.
            return max(0.0, value - now) if value > 1e9 else value
    return backoff * (2**attempt)


@dataclass
class HttpClient:
    """GET JSON from one platform's API with retries and rate-limit handling.

    `base_url` can point anywhere (a self-hosted instance over plain HTTP, a proxy, a test
    server): absolute links the API returns (paging `next` URLs) are re-based onto it.
    """

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    timeout: float = 30.0
    max_retries: int = 5
    backoff: float = 1.0
    max_wait: float = 900.0  # never sleep longer than this for one rate limit
    sleep: Callable[[float], None] = time.sleep
    explain: Callable[[int, Any], str | None] | None = None  # platform advice for 401/403
    requests_made: int = 0

    def url_for(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> str:
        base = urllib.parse.urlsplit(self.base_url)
        if path_or_url.startswith(("http://", "https://")):
            given = urllib.parse.urlsplit(path_or_url)
            url = urllib.parse.urlunsplit((base.scheme, base.netloc, given.path, given.query, ""))
        else:
            prefix = self.base_url.rstrip("/")
            url = f"{prefix}/{path_or_url.lstrip('/')}"
        if params:
            clean = {k: v for k, v in params.items() if v is not None}
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}{urllib.parse.urlencode(clean, doseq=True)}"
        return url

    def get(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> Response:
        url = self.url_for(path_or_url, params)
        shown = redact(url, self.secrets)
        attempt = 0
        while True:
            request = urllib.request.Request(
                url,
                headers={"User-Agent": USER_AGENT, "Accept": "application/json", **self.headers},
            )
            self.requests_made += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    return Response(answer.status, dict(answer.headers), answer.read(), shown)
            except urllib.error.HTTPError as e:
                body = e.read()
                headers = dict(e.headers or {})
                if e.code in RETRY_STATUSES and attempt < self.max_retries:
                    delay = retry_delay(headers, attempt, self.backoff, time.time())
                    if delay > self.max_wait:
                        raise HttpError(
                            f"{shown}: rate limited for {delay / 60:.0f} min; run the command "
                            "again later (it resumes where it stopped)",
                            e.code,
                        ) from None
                    self.sleep(delay)
                    attempt += 1
                    continue
                raise self._error(e.code, body, shown) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
                if attempt < self.max_retries:
                    self.sleep(self.backoff * (2**attempt))
                    attempt += 1
                    continue
                reason = getattr(e, "reason", e)
                raise HttpError(
                    f"{shown}: no answer after {attempt + 1} attempts ({mask(str(reason), self.secrets)}); "
                    "check the address and your connection, then run the command again"
                ) from None

    def get_json(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.get(path_or_url, params).json()

    def _error(self, status: int, body: bytes, shown: str) -> HttpError:
        try:
            parsed: Any = json.loads(body)
        except ValueError:
            parsed = None
        advice = self.explain(status, parsed) if self.explain else None
        if status in (401, 403):
            return AuthError(
                mask(
                    f"{shown}: access refused (HTTP {status}). "
                    + (advice or "Check that the token is valid and has the needed permissions."),
                    self.secrets,
                ),
                status,
                parsed,
            )
        detail = advice or _short_body(parsed, body)
        return HttpError(mask(f"{shown}: HTTP {status}: {detail}", self.secrets), status, parsed)


def _short_body(parsed: Any, body: bytes) -> str:
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error)[:200]
        if error:
            return str(error)[:200]
    return body[:200].decode("utf-8", errors="replace").strip() or "no detail"

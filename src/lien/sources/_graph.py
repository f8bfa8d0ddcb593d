"""What the Facebook and Instagram sources share: walking saved Graph API responses.

A saved response is one object (`GET /{id}`), a page of an edge (`{"data": [...], "paging":
{...}}`), a multi-id answer (`GET /?ids=a,b`: an object keyed by id), a bare list of objects,
or one such response per line (JSON Lines). `paging` URLs carry the access token in real life:
only the edge they name is kept (as a hint), never the URL itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ._jsondoc import BadLine, documents, obj, required_time

NUMERIC_ID = re.compile(r"^\d{1,40}(?:_\d{1,40}){0,2}$")
# /v11.0/19292868552_10158407654328553/comments -> ("19292868552_10158407654328553", "comments")
_EDGE_PATH = re.compile(r"^/(?:v\d+\.\d+/)?(\d{1,40}(?:_\d{1,40}){0,2})/([a-z_]{1,40})/?$")


# Unix times a Graph response may hold (`date_format=U`): 1970 to 2100, in seconds.
_UNIX_RANGE = (0, 4_102_444_800)


def is_unix_time(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and _UNIX_RANGE[0] <= value < _UNIX_RANGE[1]
    )


def graph_time(value: Any, field: str, what: str) -> datetime:
    """A Graph API time as naive UTC: ISO 8601 (`2019-12-16T12:09:40+0000`, the default) or
    Unix seconds (responses fetched with `date_format=U`); else the record is rejected."""
    if is_unix_time(value):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    return required_time(value, field, what)


def is_numeric_id(value: Any) -> bool:
    return isinstance(value, str) and NUMERIC_ID.match(value) is not None


def edge_of(page: dict[str, Any]) -> tuple[str, str] | None:
    """(object id, edge name) from a page's `paging.next`/`paging.previous` URL, or None."""
    paging = obj(page.get("paging"))
    for key in ("next", "previous"):
        url = paging.get(key)
        if not isinstance(url, str) or len(url) > 8000:
            continue
        try:
            path = urlsplit(url).path
        except ValueError:
            continue
        m = _EDGE_PATH.match(path)
        if m:
            return m.group(1), m.group(2)
    return None


_TOKEN = re.compile(r"((?:access_token|appsecret_proof)=)[^&#\s]*")


def without_tokens(value: Any, depth: int = 0) -> Any:
    """`value` with the access token cut out of every URL in it (paging URLs of embedded
    edges carry it), so that stored payloads never hold a credential."""
    if isinstance(value, str):
        return _TOKEN.sub(r"\1[removed]", value) if "=" in value else value
    if depth > 200:
        return value
    if isinstance(value, dict):
        return {k: without_tokens(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [without_tokens(v, depth + 1) for v in value]
    return value


def is_error(doc: Any) -> bool:
    """A Graph API error body: {"error": {"message", "type", "code", "fbtrace_id"}}."""
    if not isinstance(doc, dict) or not isinstance(doc.get("error"), dict):
        return False
    err = doc["error"]
    return "fbtrace_id" in err or err.get("type") == "OAuthException"


def error_reason(doc: dict[str, Any]) -> str:
    err = obj(doc.get("error"))
    kind = str(err.get("type") or "error")[:60]
    code = err.get("code")
    message = str(err.get("message") or "").splitlines()[0][:200] if err.get("message") else ""
    where = f" {code}" if isinstance(code, int) and not isinstance(code, bool) else ""
    return f"a Graph API error response, not data ({kind}{where}: {message})"


def _id_keyed(doc: dict[str, Any]) -> bool:
    """`GET /?ids=a,b` answers: every value an object whose id is its key."""
    return bool(doc) and all(
        isinstance(v, dict) and v.get("id") == k and is_numeric_id(k) for k, v in doc.items()
    )


def items_of(doc: Any) -> tuple[list[tuple[str, Any]], tuple[str, str] | None]:
    """The objects of one response with their location, and the edge its paging names."""
    if isinstance(doc, list):
        return [(f"item {i + 1}", item) for i, item in enumerate(doc)], None
    if isinstance(doc, dict):
        if isinstance(doc.get("data"), list):
            return [(f"data[{i}]", item) for i, item in enumerate(doc["data"])], edge_of(doc)
        if _id_keyed(doc):
            return [(f"[{k[:60]}]", v) for k, v in doc.items()], None
    return [("document", doc)], None


def sample_items(doc: Any, limit: int = 5) -> list[Any]:
    """A few objects of a response, for sniffing."""
    items, _ = items_of(doc)
    return [item for _, item in items[:limit]]


def sniff_documents(probe: Any) -> list[Any]:
    """The response(s) a probe holds: the whole JSON document, or the first JSON line."""
    whole = probe.json
    if whole is not None:
        return [whole]
    if probe.json_lines:
        return [probe.first_json_line]
    return []


__all__ = [
    "BadLine",
    "documents",
    "edge_of",
    "error_reason",
    "graph_time",
    "is_error",
    "is_numeric_id",
    "is_unix_time",
    "items_of",
    "sample_items",
    "sniff_documents",
    "without_tokens",
]

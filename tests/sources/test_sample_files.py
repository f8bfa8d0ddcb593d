"""Every file of the shared samples folder is accounted for by the contract suite.

A sample file is either an input with its hand-checked case under expected/, a note about the
samples (README, SOURCES, the INDEX of extracted bodies), or an HTTP recording (VCR, Betamax)
whose response bodies were cut into `extracted/`. A recording is not a platform file: no source
may claim it (the user gets the clear "not recognised" error). Each JSON body it holds must be
an extracted file that has its own case, or fall under BODY_RULES below, which say by hand what
lien must do with it; a new sample file, or a body nobody looked at, fails here.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from lien.errors import SourceError
from lien.importer import import_file
from lien.sources import Probe, detect
from lien.workspace import Workspace

from ..conftest import SAMPLES
from .test_contract import CASES, load

NOTES = {"README.md", "SOURCES.md", "INDEX.tsv"}

# (HTTP method, regex on the request URL, what lien does with that response body).
# "status": one Mastodon Status entity (a created, pinned or deleted status), imported as one
# message. "refused": not a conversation at all (tokens, accounts, instance metadata, uploads):
# no source claims it.
BODY_RULES: tuple[tuple[str, str, str], ...] = (
    ("POST", r"/api/v1/statuses$", "status"),
    ("POST", r"/api/v1/statuses/\d+/(pin|unpin)$", "status"),
    ("DELETE", r"/api/v1/statuses/\d+$", "status"),
    ("GET", r"/api/v1/accounts/verify_credentials$", "refused"),
    ("GET", r"/api/v2/instance/?$", "refused"),
    ("POST", r"reddit\.com/api/v1/access_token$", "refused"),
    ("GET", r"/xrpc/com\.atproto\.identity\.resolveHandle\?", "refused"),
    ("POST", r"/xrpc/com\.atproto\.repo\.uploadBlob$", "refused"),
)


def _case_files() -> set[Path]:
    files = set()
    for case in CASES:
        kind, _, rel = load(case)["file"].partition(":")
        if kind == "shared":
            files.add(SAMPLES / rel)
    return files


def _recording(path: Path) -> list[dict[str, Any]] | None:
    """The interactions of a VCR/Betamax recording, or None when the file is not one."""
    if path.suffix not in (".yml", ".yaml", ".json"):
        return None
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        return None
    if not isinstance(doc, dict):
        return None
    found = doc.get("interactions") or doc.get("http_interactions")
    return found if isinstance(found, list) else None


def _body(response: dict[str, Any]) -> bytes:
    body = response.get("body") or {}
    if isinstance(body, str):
        raw = body.encode("utf-8")
    elif body.get("base64_string"):
        raw = base64.b64decode(body["base64_string"])
    else:
        value = body.get("string", "")
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def _sample_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file())


SAMPLE_FILES = _sample_files()
RECORDINGS = [p for p in SAMPLE_FILES if p not in _case_files() and _recording(p) is not None]


def _name(p: Path) -> str:
    return str(p.relative_to(SAMPLES))


def test_every_sample_file_has_a_case_or_is_a_note_or_a_recording(samples: Path) -> None:
    cased = _case_files()
    missing_inputs = sorted(_name(p) for p in cased if not p.is_file())
    assert not missing_inputs, f"cases name sample files that do not exist: {missing_inputs}"
    gaps = [
        _name(p)
        for p in SAMPLE_FILES
        if p not in cased and p.name not in NOTES and p not in RECORDINGS
    ]
    assert not gaps, f"sample files without a contract case (add one under expected/): {gaps}"


@pytest.mark.parametrize(
    "path", [p for p in SAMPLE_FILES if p.name in NOTES] + RECORDINGS, ids=_name
)
def test_notes_and_recordings_are_claimed_by_no_source(path: Path) -> None:
    with pytest.raises(SourceError, match="does not recognise"):
        detect(Probe(path))


def _rule(method: str, url: str) -> str | None:
    for rule_method, pattern, outcome in BODY_RULES:
        if method.upper() == rule_method and re.search(pattern, url):
            return outcome
    return None


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


@pytest.mark.parametrize("recording", RECORDINGS, ids=_name)
def test_every_recorded_body_is_extracted_with_a_case_or_ruled_by_hand(
    recording: Path, tmp_path: Path
) -> None:
    cased = _case_files()
    extracted = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((recording.parent / "extracted").glob(f"{recording.stem}__*"))
        if p in cased
    ]
    interactions = _recording(recording)
    assert interactions
    for i, interaction in enumerate(interactions):
        request, response = interaction["request"], interaction["response"]
        raw = _body(response)
        try:
            value = json.loads(raw)
        except ValueError:
            continue  # an empty or non-JSON body (a 204, an HTML page): nothing to read
        if value in extracted:
            continue
        method, url = request.get("method", ""), request.get("uri") or request.get("url", "")
        outcome = _rule(method, url)
        assert outcome is not None, f"interaction {i} ({method} {url}): no case and no rule"
        path = tmp_path / f"body-{i}.json"
        path.write_bytes(raw)
        if outcome == "refused":
            with pytest.raises(SourceError, match="does not recognise"):
                detect(Probe(path))
            continue
        assert detect(Probe(path)).name == "mastodon"
        ws = Workspace.create(tmp_path / f"body-{i}.duckdb")
        result = import_file(ws, path.name, path)
        assert (result.read, result.stored, result.rejected) == (1, 1, 0), result.summary()
        row = ws.con.execute("SELECT id, author_id, created_at FROM messages").fetchone()
        # By hand: these are local accounts of the recording's server (`acct` without a
        # domain); lien names them username@domain, the domain from the account's URL.
        account = value["account"]
        author = f"{account['acct']}@{urlsplit(account['url']).hostname}".lower()
        assert row == (value["id"], author, _utc(value["created_at"]))
        ws.close()

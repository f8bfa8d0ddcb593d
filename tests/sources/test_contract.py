"""One contract suite over every source and every sample file.

Each file under tests/sources/expected/ (any depth) describes one input file and what importing
it must give; see tests/sources/README.md for the format. Values in "messages" were checked by
hand against the file.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import is_hypothesis_test

from lien.importer import import_file
from lien.sources import Probe, all_sources, detect
from lien.workspace import Workspace

from ..conftest import DATA, SAMPLES

EXPECTED = Path(__file__).parent / "expected"
CASES = sorted(p for p in EXPECTED.rglob("*.json"))


def resolve(ref: str) -> Path:
    kind, _, rel = ref.partition(":")
    if kind == "shared":
        if not SAMPLES.is_dir():
            pytest.skip(f"shared samples not found at {SAMPLES} (they live beside the checkout)")
        return SAMPLES / rel
    if kind == "data":
        return DATA / rel
    raise AssertionError(f"file reference {ref!r} must start with shared: or data:")


def load(case: Path) -> dict[str, Any]:
    return json.loads(case.read_text(encoding="utf-8"))


def test_every_source_is_exercised() -> None:
    covered = {load(c)["source"] for c in CASES}
    missing = sorted(s.name for s in all_sources() if s.name not in covered)
    assert not missing, f"sources without any expected/ case: {missing}"


# A fuzz test is a hypothesis test of tests/sources parametrised over `source` or
# `source_name`; its name says whether it feeds random bytes or mutated real files.
FUZZ_KINDS = ("random", "mutated")


def fuzz_tests() -> dict[str, dict[str, list[str]]]:
    """source name -> fuzz kind -> the hypothesis tests that fuzz it, found by importing every
    test module of this folder and reading the parametrisation of its hypothesis tests."""
    found: dict[str, dict[str, list[str]]] = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        for name, test in vars(module).items():
            if not name.startswith("test_") or not is_hypothesis_test(test):
                continue
            kinds = [k for k in FUZZ_KINDS if k in name]
            for mark in getattr(test, "pytestmark", []):
                if mark.name != "parametrize" or mark.args[0] not in ("source", "source_name"):
                    continue
                for value in mark.args[1]:
                    source = value.values[0] if hasattr(value, "values") else value
                    for kind in kinds:
                        found.setdefault(source, {}).setdefault(kind, []).append(
                            f"{info.name}.{name}"
                        )
    return found


def test_every_source_is_fuzzed() -> None:
    fuzzed = fuzz_tests()
    missing = [
        f"{s.name} ({kind})"
        for s in all_sources()
        for kind in FUZZ_KINDS
        if not fuzzed.get(s.name, {}).get(kind)
    ]
    assert not missing, f"sources without a hypothesis fuzzing test of that kind: {missing}"


def test_fuzz_coverage_is_read_from_the_tests_themselves() -> None:
    # The table readers are fuzzed by test_fuzz_tables.py alone: no hand-kept list adds them.
    fuzzed = fuzz_tests()
    for source in ("csv", "lien-jsonl", "lien-parquet"):
        tests = {t for kind in FUZZ_KINDS for t in fuzzed[source][kind]}
        assert tests and all(t.startswith("test_fuzz_tables.") for t in tests), (source, tests)
    assert any(t.startswith("test_fuzz_tables.") for t in fuzzed["4cat"]["mutated"])


@pytest.mark.parametrize("case", CASES, ids=lambda p: str(p.relative_to(EXPECTED)))
def test_sniffing_picks_exactly_one_source(case: Path) -> None:
    spec = load(case)
    path = resolve(spec["file"])
    assert detect(Probe(path)).name == spec["source"]


@pytest.mark.parametrize("case", CASES, ids=lambda p: str(p.relative_to(EXPECTED)))
def test_import_matches_hand_checked_expectations(case: Path, tmp_path: Path) -> None:
    spec = load(case)
    path = resolve(spec["file"])
    ws = Workspace.create(tmp_path / "c.duckdb", timezone=spec.get("timezone", "UTC"))
    result = import_file(ws, path.name, path)
    assert result.status == "imported", result.error
    assert result.balanced
    counts = {
        k: getattr(result, k) for k in ("read", "stored", "updated", "duplicates", "rejected")
    }
    for key, value in spec.get("counts", {}).items():
        assert counts[key] == value, f"{key}: got {counts[key]}, expected {value}"

    rejects = ws.con.execute("SELECT location, reason FROM rejects ORDER BY location").fetchall()
    expected_rejects = spec.get("rejects", [])
    unexpected = [
        r
        for r in rejects
        if not any(
            (e.get("location") in (None, r[0])) and e["reason_contains"] in r[1]
            for e in expected_rejects
        )
    ]
    assert not unexpected, f"unexpected rejects: {unexpected[:5]}"
    assert len(rejects) == sum(e.get("count", 1) for e in expected_rejects)

    for expected in spec.get("messages", []):
        row = ws.con.execute(
            "SELECT * FROM messages WHERE platform = ? AND id = ?",
            [expected["platform"], expected["id"]],
        )
        names = [d[0] for d in row.description]
        found = row.fetchone()
        assert found is not None, f"message {expected['platform']}/{expected['id']} not imported"
        got = dict(zip(names, found, strict=True))
        for key, value in expected.items():
            actual = got[key]
            if key in ("created_at", "edited_at") and actual is not None:
                actual = actual.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            assert actual == value, f"{expected['id']}.{key}: got {actual!r}, expected {value!r}"
    ws.close()

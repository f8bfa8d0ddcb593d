"""The same metric code on DuckDB and on Spark (local) gives the same document."""

from __future__ import annotations

import csv
import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lien.metrics import compute
from lien.metrics.views import Settings
from lien.text.annotate import annotate
from lien.workspace import Workspace

from ..csv_community import load, msg
from .test_definitions import NESTED

pytest.importorskip("pyspark", reason="the spark extra is not installed (make test installs it)")
if shutil.which("java") is None:
    pytest.skip("Spark needs a Java runtime (.ci/run installs one)", allow_module_level=True)
pytestmark = pytest.mark.spark

FLAT = [
    msg("P", None, "page", "2021-03-27T08:00:00Z", "Le marché", platform="facebook"),
    msg("C", "P", "m1", "2021-03-27T10:00:00Z", "Comment venir", platform="facebook"),
    msg("R", "C", "m2", "2021-03-28T00:30:00Z", "Quand ouvre ?", platform="facebook"),
    msg("A", "C", "page", "2021-03-29T08:00:00Z", "En bus", platform="facebook"),
    msg("X", "R", "m1", "2021-12-31T23:30:00Z", "Bonne année", platform="facebook"),
    msg("Y", "X", "m3", "2022-01-03T22:59:00Z", "merci", platform="facebook"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from lien.metrics.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def _close(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None, f"{where}: {a} vs {b}"
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {a} vs {b}"
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


@pytest.mark.parametrize("period", ["month", "week"])
def test_duckdb_and_spark_agree(ws: Workspace, tmp_path: Path, spark: Any, period: str) -> None:
    load(ws, tmp_path, NESTED + FLAT, [("mastodon", "acc"), ("facebook", "page")])
    parquet = tmp_path / "messages.parquet"
    with parquet.open("wb") as f:
        ws.export(f, "parquet")
    accounts = tmp_path / "accounts.csv"
    with accounts.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["platform", "author_id"])
        w.writerows((a["platform"], a["author_id"]) for a in ws.accounts())
    annotations = tmp_path / "annotations.parquet"
    annotate(ws)  # imports leave it for later
    ws.con.execute("COPY annotations TO ? (FORMAT parquet)", [str(annotations)])
    from lien.metrics.spark import compute_spark

    expected = compute(ws, period=period)  # type: ignore[arg-type]
    # Only a workspace knows what is left to annotate.
    assert expected.pop("not_annotated") == 0
    got = compute_spark(
        parquet, accounts, Settings(timezone=ws.timezone), spark, annotations, period=period
    )
    _close(expected, got, "document")


def test_the_cli_runs_on_spark(ws: Workspace, tmp_path: Path, spark: Any) -> None:
    """`lien metrics --engine spark` over the Parquet export gives the DuckDB numbers."""
    from click.testing import CliRunner

    from lien.cli import cli

    from ..reference.metrics_ref import NETWORK_KEYS, PERIOD_KEYS

    load(ws, tmp_path, NESTED + FLAT, [("mastodon", "acc"), ("facebook", "page")])
    parquet = tmp_path / "messages.parquet"
    with parquet.open("wb") as f:
        ws.export(f, "parquet")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("platform,author_id\nmastodon,acc\nfacebook,page\n", encoding="utf-8")
    window = ["--since", "2021-03-01", "--until", "2022-01-05"]
    shown = CliRunner().invoke(
        cli,
        ["metrics", "--json", "--engine", "spark", "--messages", str(parquet)]
        + ["--accounts", str(accounts), "--timezone", "Europe/Paris", "--period", "week", *window],
    )
    assert shown.exit_code == 0, shown.output
    got = json.loads(shown.output)
    expected = compute(ws, period="week", since="2021-03-01", until="2022-01-05")
    assert got["window"] == {"since": "2021-03-01", "until": "2022-01-05"}
    assert len(got["periods"]) == len(expected["periods"]) == 45  # 2021-W09 to 2022-W01
    for mine, theirs in zip(got["periods"], expected["periods"], strict=True):
        _close(
            {k: mine[k] for k in ("period", *PERIOD_KEYS)},
            {k: theirs[k] for k in ("period", *PERIOD_KEYS)},
            mine["period"],
        )
    _close(
        {k: got["network"][k] for k in NETWORK_KEYS},
        {k: expected["network"][k] for k in NETWORK_KEYS},
        "network",
    )
    assert got["regular_members"] == expected["regular_members"]

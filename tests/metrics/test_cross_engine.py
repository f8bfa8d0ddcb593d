"""The same metric code on DuckDB and on Spark (local) gives the same document.

`lien export --format spark` (here `ws.export(folder, "spark")`) writes the messages, the owned
accounts, the settings that change the numbers and the annotations; `lien metrics --engine
spark` over that folder must print the JSON `lien metrics --json` prints for the workspace:
every key, in the same order, counts and labels exactly, rates and hours to 1e-9, tone keys
and `not_annotated` included. Three workspaces: default settings; hand-built with every setting
that changes the numbers (and a few values worked out by hand, so that a setting ignored by
both engines cannot pass); a larger seeded random community with settings, a window and a
platform filter. Each Spark run costs tens of seconds: one session serves the module.

The export tests at the end need no Spark.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lien.cli import cli
from lien.errors import LienError
from lien.exporting import metric_settings, read_spark_settings
from lien.metrics import compute
from lien.text.annotate import annotate
from lien.workspace import Workspace

from ..csv_community import load, msg
from .random_communities import ANCHORS, AUTHORS, BOT_HANDLE, TEXTS, Community, build_workspace
from .test_definitions import NESTED

try:
    import pyspark  # noqa: F401

    SPARK_MISSING = None if shutil.which("java") else "Spark needs a Java runtime (.ci/run)"
except ImportError:
    SPARK_MISSING = "the spark extra is not installed (make test installs it)"
needs_spark = pytest.mark.skipif(SPARK_MISSING is not None, reason=str(SPARK_MISSING))

FLAT = [
    msg("P", None, "page", "2021-03-27T08:00:00Z", "Le marché", platform="facebook"),
    msg("C", "P", "m1", "2021-03-27T10:00:00Z", "Comment venir", platform="facebook"),
    msg("R", "C", "m2", "2021-03-28T00:30:00Z", "Quand ouvre ?", platform="facebook"),
    msg("A", "C", "page", "2021-03-29T08:00:00Z", "En bus", platform="facebook"),
    msg("X", "R", "m1", "2021-12-31T23:30:00Z", "Bonne année", platform="facebook"),
    msg("Y", "X", "m3", "2022-01-03T22:59:00Z", "merci", platform="facebook"),
]

# America/Montreal (UTC-5, UTC-4 from Sunday 14 March 2021), open 09:00-17:00 Tuesday to
# Saturday; "wo" and "kann" are extra question words; promo_bot (a handle) and b9 (an id) bots.
SETTINGS = {
    "timezone": "America/Montreal",
    "business_hours": "09:00-17:00",
    "business_days": "tue-sat",
    "bot_handles": "promo_bot,b9",
    "question_words": "wo,kann",
}
TUNED = [
    msg("p1", None, "acc", "2021-03-02T14:00:00Z", "Le marché rouvre"),
    # Friday 16:00 local, answered Tuesday 10:00: 90 h, of which 1 + 8 + 1 business hours.
    msg("c1", "p1", "m1", "2021-03-05T21:00:00Z", "wo ist das"),
    msg("r1", "c1", "acc", "2021-03-09T15:00:00Z", "Au port"),
    # Wednesday 10:00, answered 12:30: 2.5 h, in business hours.
    msg("c2", "p1", "m2", "2021-03-03T15:00:00Z", "kann ich kommen"),
    msg("r2", "c2", "acc", "2021-03-03T17:30:00Z", "Oui"),
    msg("c3", "p1", "b1", "2021-03-03T16:00:00Z", "Super promo ?", handle="promo_bot"),
    msg("c4", "p1", "b9", "2021-03-04T16:00:00Z", "wo gibt es Rabatt", handle="h_b9"),
    msg("c5", "p1", "m3", "2021-03-06T20:00:00Z", "C'est nul, très décevant"),
    msg("c6", "c2", "m1", "2021-03-04T14:00:00Z", "Super photo, magnifique !"),
    # Monday 10:00 (closed), answered Saturday 10:00: 120 h, business 8 * 4 + 1.
    msg("P", None, "page", "2021-03-08T14:00:00Z", "Le lac", platform="facebook"),
    msg("C", "P", "m4", "2021-03-08T15:00:00Z", "merci beaucoup", platform="facebook"),
    msg("A", "C", "page", "2021-03-13T15:00:00Z", "Avec plaisir", platform="facebook"),
    msg("R", "C", "m2", "2021-03-14T16:00:00Z", "Horrible accueil", platform="facebook"),
]
ACCOUNTS = [("mastodon", "acc"), ("facebook", "page")]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One session for the module, which `lien metrics --engine spark` uses too (patched in,
    so that its own settings do not replace these). On data this small, compiling generated
    code and planning adaptive shuffles cost more than they save: both off, and one shuffle
    partition (a warm run measured about 30 s instead of 120 s on a busy 2-core machine)."""
    if SPARK_MISSING:
        pytest.skip(SPARK_MISSING)
    from pyspark.sql import SparkSession

    import lien.metrics.spark as spark_mod

    session = (
        SparkSession.builder.master("local[2]")
        .appName("lien-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spark_mod, "spark_session", lambda master="local[2]": session)
        yield session
    session.stop()


@pytest.fixture(scope="module")
def tuned_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The TUNED workspace, built and annotated once (each setting rebuilds the views)."""
    folder = tmp_path_factory.mktemp("tuned")
    with Workspace.create(folder / "tuned.duckdb", timezone="UTC", lang="en") as ws:
        for key, value in SETTINGS.items():
            ws.set_setting(key, value)
        load(ws, folder, TUNED, ACCOUNTS)
        annotate(ws)
    return folder / "tuned.duckdb"


def tuned_workspace(template: Path, folder: Path) -> Workspace:
    shutil.copyfile(template, folder / "tuned.duckdb")
    return Workspace.open(folder / "tuned.duckdb")


def same_json(got: Any, want: Any, where: str = "document") -> list[str]:
    """Every difference between two JSON values: same keys in the same order, same types,
    integers, strings, booleans and nulls exactly, floats to 1e-9."""
    if isinstance(want, dict):
        if not isinstance(got, dict) or list(got) != list(want):
            keys = list(got) if isinstance(got, dict) else got
            return [f"{where}: keys {keys} != {list(want)}"]
        return [d for k in want for d in same_json(got[k], want[k], f"{where}.{k}")]
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{where}: {got!r} != {want!r}"]
        return [
            d
            for i, (g, w) in enumerate(zip(got, want, strict=True))
            for d in same_json(g, w, f"{where}[{i}]")
        ]
    if isinstance(want, float) and type(got) is float:
        return [] if abs(got - want) <= 1e-9 else [f"{where}: {got!r} != {want!r}"]
    if type(got) is not type(want) or got != want:
        return [f"{where}: {got!r} ({type(got).__name__}) != {want!r} ({type(want).__name__})"]
    return []


def on_duckdb(ws: Workspace, **kwargs: Any) -> dict[str, Any]:
    """What `lien metrics --json` prints for the workspace (writable: annotated first)."""
    return dict(json.loads(json.dumps(compute(ws, **kwargs), ensure_ascii=False)))


def on_spark(*args: str) -> dict[str, Any]:
    shown = CliRunner().invoke(cli, ["metrics", "--json", "--engine", "spark", *args])
    assert shown.exit_code == 0, shown.output
    return dict(json.loads(shown.output))


def agree(got: dict[str, Any], want: dict[str, Any]) -> None:
    diff = same_json(got, want)
    assert not diff, "\n".join(diff)


def row(document: dict[str, Any], label: str) -> dict[str, Any]:
    (found,) = [p for p in document["periods"] if p["period"] == label]
    return dict(found)


def seeded_community(seed: int = 20211031, n: int = 160) -> Community:
    """A larger random community drawn with a fixed seed, as random_communities draws them
    (nested and flat platforms, orphans, replies before their parent, exact 24 h answers, bots
    by flag and by handle, times around DST changes, month ends and the new year), but denser:
    more replies and more answers from the owned accounts."""
    rng = random.Random(seed)
    texts = (*TEXTS, "C'est nul, très décevant", "Horrible accueil", "Bravo, superbe journée")
    authors = (*AUTHORS, "acc", "acc", "acc", "acc", "acc2", "m1", "m2")
    messages: list[dict[str, Any]] = []
    for number in range(n):
        platform = rng.choice(("facebook", "mastodon", "x"))
        earlier = [m for m in messages if m["platform"] == platform]
        shape = rng.choice(("top", "top", "orphan", *["child"] * 7))
        parent_id: str | None = None
        if shape == "child" and earlier:
            parent = rng.choice(earlier)
            parent_id = parent["id"]
            delay = rng.choice((0, 60, 86399, 86400, 86401, rng.randint(-7200, 3 * 86400)))
            created = parent["created_at"] + timedelta(seconds=delay)
        else:
            if shape == "orphan":
                parent_id = f"gone{rng.randint(0, 3)}"
            created = rng.choice(ANCHORS[:4]) + timedelta(minutes=rng.randint(-9 * 1440, 9 * 1440))
        author = rng.choice(authors)
        handle = None if author is None else f"h_{author}"
        messages.append(
            {
                "platform": platform,
                "id": str(number),
                "parent_id": parent_id,
                "author_id": author,
                "author_handle": BOT_HANDLE if author == "bot2" else handle,
                "author_is_bot": True if author == "bot1" else rng.choice((None, False)),
                "created_at": created,
                "text": rng.choice(texts),
                "owner_liked": rng.choice((None, None, True, False)),
            }
        )
    return Community(
        messages=messages,
        accounts=[("facebook", "acc"), ("mastodon", "acc"), ("mastodon", "acc2"), ("x", "acc")],
        timezone="Europe/Paris",
        bot_handles=[BOT_HANDLE],
        question_words=["wo"],
    )


@pytest.mark.spark
@needs_spark
def test_default_settings_agree_by_month(ws: Workspace, tmp_path: Path, spark: Any) -> None:
    load(ws, tmp_path, NESTED + FLAT, ACCOUNTS)
    ws.export(tmp_path / "export", "spark")
    expected = on_duckdb(ws, period="month")
    assert expected["timezone"] == "Europe/Paris" and expected["not_annotated"] == 0
    agree(on_spark("--from", str(tmp_path / "export")), expected)


@pytest.mark.spark
@needs_spark
def test_every_setting_that_changes_the_numbers_agrees_by_week(
    tuned_template: Path, tmp_path: Path, spark: Any
) -> None:
    with tuned_workspace(tuned_template, tmp_path) as ws:
        ws.export(tmp_path / "export", "spark")
        expected = on_duckdb(ws, period="week")
    got = on_spark("--from", str(tmp_path / "export"), "--period", "week")
    agree(got, expected)
    # Worked out by hand above: the settings reached both engines.
    w09, w10 = row(got, "2021-W09"), row(got, "2021-W10")
    assert got["timezone"] == "America/Montreal"
    assert (w09["addressed"], w09["questions"], w09["active_members"]) == (3, 2, 3)
    assert w09["response_rate"] == pytest.approx(2 / 3, abs=1e-12)
    assert w09["ttfr_median_h"] == pytest.approx((90 + 2.5) / 2, abs=1e-9)
    assert w09["ttfr_business_median_h"] == pytest.approx((10 + 2.5) / 2, abs=1e-9)
    assert (w09["positive_share"], w09["negative_share"], w09["gratitude_share"]) == (
        0.25,
        0.25,
        0.0,
    )
    assert w10["ttfr_median_h"] == pytest.approx(120, abs=1e-9)
    assert w10["ttfr_business_median_h"] == pytest.approx(33, abs=1e-9)
    assert (w10["active_members"], w10["gratitude_share"]) == (2, 0.5)


@pytest.mark.spark
@needs_spark
def test_a_seeded_random_community_agrees_in_a_window(tmp_path: Path, spark: Any) -> None:
    """Files given one by one (not --from), a window and a platform filter."""
    community = seeded_community()
    (tmp_path / "ws").mkdir()
    with build_workspace(tmp_path / "ws", community) as ws:
        ws.set_setting("business_hours", "08:30-17:45")
        ws.set_setting("business_days", "mon,wed,sat")
        ws.export(tmp_path / "export", "spark")
        window = {"since": "2020-12-01", "until": "2021-12-01"}
        expected = on_duckdb(ws, period="month", platforms=["facebook", "mastodon"], **window)
    folder = tmp_path / "export"
    got = on_spark(
        *("--messages", str(folder / "messages.parquet")),
        *("--accounts", str(folder / "accounts.csv")),
        *("--settings", str(folder / "settings.json")),
        *("--annotations", str(folder / "annotations.parquet")),
        *("--platform", "facebook", "--platform", "mastodon"),
        *("--since", window["since"], "--until", window["until"]),
    )
    agree(got, expected)
    assert len(got["periods"]) == 12
    filled = {k for p in got["periods"] for k, v in p.items() if v is not None}
    assert {"ttfr_business_median_h", "positive_share", "dialogue_rate", "retention"} <= filled


# -- the export, without Spark --------------------------------------------------------------


def test_the_spark_export_holds_what_the_metrics_need_and_no_secret(
    tuned_template: Path, tmp_path: Path
) -> None:
    with tuned_workspace(tuned_template, tmp_path) as ws:
        secret = ws.setting("pseudonym_key")
        ws.set_setting("retention_months", "24")
        assert secret and len(secret) >= 32
        written = ws.export(tmp_path / "export", "spark")
    folder = tmp_path / "export"
    assert written == len(TUNED)
    assert sorted(p.name for p in folder.iterdir()) == [
        "accounts.csv",
        "annotations.parquet",
        "messages.parquet",
        "settings.json",
    ]
    settings = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    assert settings == {
        "timezone": "America/Montreal",
        "lang": "en",
        "business_hours": "09:00-17:00",
        "business_days": "tue,wed,thu,fri,sat",
        "bot_handles": "promo_bot,b9",
        "question_words": "wo,kann",
    }
    for path in folder.iterdir():
        assert secret.encode() not in path.read_bytes(), path
    with (folder / "accounts.csv").open(encoding="utf-8", newline="") as f:
        accounts = sorted((r["platform"], r["author_id"]) for r in csv.DictReader(f))
    assert accounts == sorted(ACCOUNTS)
    assert pq.read_table(folder / "messages.parquet").num_rows == len(TUNED)
    annotations = pq.read_table(folder / "annotations.parquet").to_pylist()
    # Every message has a text, so each one is annotated (the export annotates first).
    assert sorted((a["platform"], a["id"]) for a in annotations) == sorted(
        (m[0], m[1]) for m in TUNED
    )
    labels = {(a["platform"], a["id"]): a["tone_label"] for a in annotations}
    assert labels["mastodon", "c5"] == "negative" and labels["facebook", "R"] == "negative"
    assert labels["mastodon", "c6"] == "positive"


def test_a_window_exports_the_annotations_of_its_messages_only(
    tuned_template: Path, tmp_path: Path
) -> None:
    with tuned_workspace(tuned_template, tmp_path) as ws:
        # Local days of Montreal: 8 March 00:00 is 05:00 UTC.
        written = ws.export(tmp_path / "export", "spark", since="2021-03-08")
    in_window = sorted((m[0], m[1]) for m in TUNED if m[6] >= "2021-03-08T05:00:00Z")
    assert written == len(in_window) == 5
    annotations = pq.read_table(tmp_path / "export" / "annotations.parquet").to_pylist()
    assert sorted((a["platform"], a["id"]) for a in annotations) == in_window


def test_a_settings_file_is_read_as_the_workspace_reads_its_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(SETTINGS | {"bot_handles": " Promo_Bot , b9 "}), encoding="utf-8")
    settings = metric_settings(read_spark_settings(path))
    assert settings.timezone == "America/Montreal"
    assert settings.business_hours == (9 * 3600, 17 * 3600)
    assert settings.business_days == (1, 2, 3, 4, 5)
    assert settings.bot_handles == ("promo_bot", "b9")
    assert {"wo", "kann", "pourquoi", "how"} <= set(settings.question_words)
    defaults = metric_settings({})
    assert (defaults.timezone, defaults.business_hours, defaults.bot_handles) == ("UTC", None, ())
    assert defaults.business_days == (0, 1, 2, 3, 4)


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ({"pseudonym_key": "abc"}, "not a setting the metrics read"),
        ({"tone_model": "x"}, "not a setting the metrics read"),
        ({"business_hours": "18:00-09:00"}, "start before end"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"bot_handles": ["a", "b"]}, "must be a string"),
        (["timezone"], "JSON object"),
    ],
)
def test_a_wrong_settings_file_is_refused(tmp_path: Path, content: Any, complaint: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(LienError, match=complaint):
        read_spark_settings(path)


def test_spark_inputs_are_refused_on_duckdb_and_a_folder_must_be_complete(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "messages.parquet").write_bytes(b"")
    runner = CliRunner()
    shown = runner.invoke(cli, ["metrics", "--from", str(tmp_path / "half")])
    assert isinstance(shown.exception, LienError)
    assert "--from: only with --engine spark" in str(shown.exception)
    shown = runner.invoke(cli, ["metrics", "--engine", "spark", "--from", str(tmp_path / "half")])
    assert isinstance(shown.exception, LienError)
    assert "has no accounts.csv" in str(shown.exception)


def test_the_spark_export_is_a_folder(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(LienError, match="is a file"):
        ws.export(tmp_path / "file", "spark")
    with pytest.raises(LienError, match="folder"):
        ws.export(None, "spark")

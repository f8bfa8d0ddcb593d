"""Comparing two windows: hand-computed values, and the interval's coverage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from lien.cli import cli
from lien.metrics.compare import (
    MIN_THREADS,
    NOT_THREAD_SUM,
    RATES,
    TOO_FEW_THREADS,
    WINDOW_KEYS,
    Difference,
    bootstrap_difference,
    compare,
    parse_window,
)
from lien.workspace import Workspace

from ..csv_community import load, msg
from .test_definitions import NESTED


def _rates(document: dict) -> dict[str, dict]:
    return {r["key"]: r for r in document["rates"]}


def test_march_against_april(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, NESTED, [("mastodon", "acc")])
    ws.set_setting("bot_handles", "spam_bot")
    document = compare(ws, ("2021-03-01", "2021-04-01"), ("2021-04-01", "2021-05-01"))
    rates = _rates(document)
    assert set(rates) == set(RATES) | set(WINDOW_KEYS)
    # March: 3 addressed, 1 answered; April: a1 addressed, unanswered.
    assert rates["response_rate"]["a"] == pytest.approx(1 / 3)
    assert rates["response_rate"]["b"] == 0.0
    assert rates["response_rate"]["difference"] == pytest.approx(-1 / 3)
    # c1, c2, c5 and a1 all sit in p1's thread: one thread per window, no interval.
    assert rates["response_rate"]["threads"] == {"a": 1, "b": 1}
    assert rates["response_rate"]["ci95"] is None
    assert rates["response_rate"]["reason"] == TOO_FEW_THREADS
    assert rates["response_rate"]["flagged"] is False
    # April has no exchange between members and no question: those rates are null in B.
    assert rates["question_response_rate"]["b"] is None
    assert rates["question_response_rate"]["ci95"] is None
    assert rates["question_response_rate"]["reason"] == "undefined"
    assert rates["horizontality"]["a"] == pytest.approx(2 / 7)
    assert document["counts"]["addressed"] == {"a": 3, "b": 1}
    # Threads: p1 (with its comments) and p2 in March, the orphan o1 alone; p1 in April.
    assert document["threads"] == [3, 1]
    # Network, March (as test_definitions): ties m1-acc (both ways), m2-acc, m2-m3 (both
    # ways), m3-acc, bot-acc. April: m1 → acc only, one tie, one member with a tie.
    expected = {
        "reciprocity": (2 / 5, 0.0),
        "account_tie_share": (4 / 5, 1.0),
        "member_component_share": (2 / 3, 1.0),
    }
    for key, (a, b) in expected.items():
        r = rates[key]
        assert (r["a"], r["b"]) == (pytest.approx(a), pytest.approx(b)), key
        assert r["difference"] == pytest.approx(b - a), key
        assert (r["ci95"], r["flagged"], r["reason"]) == (None, False, NOT_THREAD_SUM), key
    # Each window holds a single month: no pair of months for retention.
    assert rates["retention"]["a"] is None and rates["retention"]["b"] is None
    assert rates["retention"]["reason"] == NOT_THREAD_SUM


def _one_thread_each() -> list[tuple[str | None, ...]]:
    """A: four member comments on one post, none answered; B: four, all answered."""
    rows = [msg("P", None, "acc", "2021-03-01T09:00:00Z", "Le marché")]
    rows += [msg(f"a{i}", "P", f"m{i}", f"2021-03-0{i + 1}T10:00:00Z", "ok") for i in range(4)]
    rows.append(msg("Q", None, "acc", "2021-04-01T09:00:00Z", "La fête"))
    for i in range(4):
        rows.append(msg(f"b{i}", "Q", f"m{i}", f"2021-04-0{i + 1}T10:00:00Z", "ok"))
        rows.append(msg(f"r{i}", f"b{i}", "acc", f"2021-04-0{i + 1}T11:00:00Z", "oui"))
    return rows


def test_one_thread_gives_no_interval(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, _one_thread_each(), [("mastodon", "acc")])
    # Resampling one thread always draws that thread: an interval of zero width, [1, 1],
    # which excluded 0 and was flagged.
    low, high = bootstrap_difference(np.array([[0.0, 4.0]]), np.array([[4.0, 4.0]]))
    assert (low[0], high[0]) == (1.0, 1.0)
    assert Difference("response_rate", 0.0, 1.0, 1.0, low[0], high[0]).flagged
    document = compare(ws, ("2021-03-01", "2021-04-01"), ("2021-04-01", "2021-05-01"))
    r = _rates(document)["response_rate"]
    assert (r["a"], r["b"], r["difference"]) == (0.0, 1.0, 1.0)
    assert (r["ci95"], r["flagged"], r["reason"]) == (None, False, TOO_FEW_THREADS)
    assert r["threads"] == {"a": 1, "b": 1}
    assert document["min_threads"] == MIN_THREADS


def _many_threads(n: int) -> list[tuple[str | None, ...]]:
    """March: n posts of the account, each with a positive member comment left unanswered.
    April: n posts, each with a negative member comment answered by the account; the last
    one on 25 April, the others from 1 to n - 1 April."""
    rows = []
    for i in range(n):
        day = f"{i + 1:02d}"
        rows.append(msg(f"P{i}", None, "acc", f"2021-03-{day}T09:00:00Z", "Le marché"))
        rows.append(msg(f"a{i}", f"P{i}", f"m{i}", f"2021-03-{day}T10:00:00Z", "Magnifique !"))
        day = "25" if i == n - 1 else f"{i + 1:02d}"
        rows.append(msg(f"Q{i}", None, "acc", f"2021-04-{day}T09:00:00Z", "La fête"))
        rows.append(msg(f"b{i}", f"Q{i}", f"m{i}", f"2021-04-{day}T10:00:00Z", "Nul, très déçu"))
        rows.append(msg(f"r{i}", f"b{i}", "acc", f"2021-04-{day}T11:00:00Z", "Désolés"))
    return rows


def test_an_interval_needs_enough_threads_in_both_windows(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, _many_threads(MIN_THREADS), [("mastodon", "acc")])
    march = ("2021-03-01", "2021-04-01")
    enough = _rates(compare(ws, march, ("2021-04-01", "2021-05-01")))
    # Every thread of March has rate 0 and every thread of April rate 1: every resample of
    # whole threads gives 1 - 0, so the interval is [1, 1] (and the tone shares' [-1, -1]).
    expected = {
        "response_rate": (0.0, 1.0),
        "positive_share": (1.0, 0.0),
        "negative_share": (0.0, 1.0),
        "community_started_share": (0.0, 0.0),
    }
    for key, (a, b) in expected.items():
        r = enough[key]
        assert (r["a"], r["b"], r["difference"]) == (a, b, b - a), key
        assert r["threads"] == {"a": MIN_THREADS, "b": MIN_THREADS}, key
        assert r["ci95"] == [b - a, b - a] and r["reason"] is None, key
        assert r["flagged"] is (a != b), key
    # Without the thread of 25 April, B has one thread too few.
    fewer = _rates(compare(ws, march, ("2021-04-01", "2021-04-25")))
    for key in expected:
        r = fewer[key]
        assert r["threads"] == {"a": MIN_THREADS, "b": MIN_THREADS - 1}, key
        assert (r["ci95"], r["flagged"], r["reason"]) == (None, False, TOO_FEW_THREADS), key
    assert fewer["response_rate"]["b"] == 1.0


TONE = [
    msg("P", None, "office", "2021-03-01T09:00:00Z", "Bienvenue au marché de Noël !"),
    msg("1", "P", "ann", "2021-03-02T10:00:00Z", "Magnifique !"),  # positive
    msg("2", "P", "bob", "2021-03-02T11:00:00Z", "Nul, très déçu"),  # negative
    msg("3", "P", "cat", "2021-03-02T12:00:00Z", "Merci !"),  # positive, thanks
    msg("4", "P", "dan", "2021-03-02T13:00:00Z", "Le parking est-il payant ?"),  # neutral
    msg("5", "P", "eve", "2021-03-02T14:00:00Z", ""),  # no text: not counted
    msg("6", None, "fay", "2021-05-02T14:00:00Z", "Thank you so much 🙏"),  # positive, thanks
]


def test_tone_shares(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, TONE, [("mastodon", "office")])
    document = compare(ws, ("2021-03-01", "2021-04-01"), ("2021-05-01", "2021-06-01"))
    rates = _rates(document)
    # Annotated by compare itself (the workspace is writable).
    assert document["not_annotated"] == 0
    assert document["counts"]["texts"] == {"a": 4, "b": 1}
    # March: 4 member texts (2 positive, 1 negative, 1 thanks); May: 1 positive thanks.
    expected = {"positive_share": (2 / 4, 1.0), "negative_share": (1 / 4, 0.0)}
    expected["gratitude_share"] = (1 / 4, 1.0)
    for key, (a, b) in expected.items():
        r = rates[key]
        assert (r["a"], r["b"]) == (pytest.approx(a), pytest.approx(b)), key
        assert r["difference"] == pytest.approx(b - a), key
        assert r["threads"] == {"a": 1, "b": 1}, key
        assert (r["ci95"], r["reason"]) == (None, TOO_FEW_THREADS), key


# Member posts only (each its own thread), one per member and month (10 UTC, mid-month).
ACTIVE = {
    "m1": ["2021-01-05", "2021-02-05", "2021-03-05", "2021-04-05"],
    "m2": ["2021-01-06"],
    "m3": ["2021-02-06", "2021-03-06"],
    "m4": ["2021-03-07", "2021-04-07", "2021-05-07"],
    "m5": ["2020-12-10", "2021-01-10"],
}


def test_retention_pools_the_months_of_the_window(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg(f"{member}-{day}", None, member, f"{day}T10:00:00Z", "Bonjour")
        for member, days in ACTIVE.items()
        for day in days
    ]
    load(ws, tmp_path, rows)
    first = compare(ws, ("2021-01-01", "2021-04-01"), ("2021-04-01", "2021-06-01"))
    r = _rates(first)["retention"]
    # A: January m5 m1 m2 → February m1 m3 (1 kept of 3); February → March m1 m3 m4 (2 of 2).
    # December → January is not a pair of the window. Pooled: (1 + 2) / (3 + 2).
    # B: April m1 m4 → May m4 (1 of 2).
    assert r["a"] == pytest.approx(3 / 5)
    assert r["b"] == pytest.approx(1 / 2)
    assert r["difference"] == pytest.approx(1 / 2 - 3 / 5)
    assert (r["ci95"], r["flagged"], r["reason"]) == (None, False, NOT_THREAD_SUM)
    # From 15 February to 15 April: February's members count whole (m1 m3, both before the
    # 15th), March keeps m1 m3 of them; March m1 m3 m4 → April (to the 15th) m1 m4.
    # Pooled: (2 + 2) / (2 + 3). A window within May has no pair of months.
    second = compare(ws, ("2021-02-15", "2021-04-15"), ("2021-05-01", "2021-05-20"))
    r = _rates(second)["retention"]
    assert r["a"] == pytest.approx(4 / 5)
    assert (r["b"], r["difference"], r["ci95"]) == (None, None, None)
    # No exchange at all: the network ratios are null.
    assert _rates(second)["reciprocity"]["a"] is None


def test_the_cli_says_why_an_interval_is_missing(tmp_path: Path) -> None:
    wide = {"COLUMNS": "400"}  # table cells on one line
    path = tmp_path / "ws.duckdb"
    with Workspace.create(path, timezone="Europe/Paris", lang="fr") as ws:
        load(ws, tmp_path, _one_thread_each(), [("mastodon", "acc")])
    windows = ["--a", "2021-03-01:2021-04-01", "--b", "2021-04-01:2021-05-01"]
    shown = CliRunner().invoke(cli, ["compare", "--json", "--db", str(path), *windows])
    assert shown.exit_code == 0, shown.output
    r = _rates(json.loads(shown.output))["response_rate"]
    assert (r["ci95"], r["reason"]) == (None, TOO_FEW_THREADS)
    shown = CliRunner().invoke(cli, ["compare", "--db", str(path), *windows], env=wide)
    assert shown.exit_code == 0, shown.output
    # In the interval column of the rows, then spelt out below the tables.
    assert "— trop peu de fils" in shown.output
    assert "— pas une somme sur les fils" in shown.output
    assert f"moins de {MIN_THREADS} fils" in shown.output
    assert "pas une somme sur les fils" in shown.output
    assert "✱ l'intervalle exclut 0" in shown.output


def test_windows_are_written_since_until() -> None:
    assert [d.isoformat() for d in parse_window("2020-03-15:2020-05-15")] == [
        "2020-03-15",
        "2020-05-15",
    ]
    with pytest.raises(ValueError, match="SINCE:UNTIL"):
        parse_window("2020-03-15")


def test_the_interval_covers_the_true_difference_about_95_percent_of_the_time() -> None:
    """Threads hold 1-4 addressed messages, answered with probability 0.5 in A and 0.6 in B
    (the same within a thread, as a conversation's answers are not independent)."""
    true_difference = 0.6 - 0.5
    covered = 0
    seeds = 200
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        samples = []
        for p in (0.5, 0.6):
            sizes = rng.integers(1, 5, 250)
            thread_p = np.clip(p + rng.normal(0, 0.15, 250), 0, 1)
            answered = rng.binomial(sizes, thread_p)
            samples.append(np.column_stack([answered, sizes]).astype(float))
        # The population value of each window is E[answered] / E[size] = p by construction.
        low, high = bootstrap_difference(samples[0], samples[1], resamples=400, seed=seed)
        covered += low[0] <= true_difference <= high[0]
    assert 0.90 <= covered / seeds <= 0.99

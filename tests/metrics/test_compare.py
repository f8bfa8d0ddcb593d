"""Comparing two windows: hand-computed values, and the interval's coverage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lien.metrics.compare import RATES, bootstrap_difference, compare, parse_window
from lien.workspace import Workspace

from ..csv_community import load
from .test_definitions import NESTED


def test_march_against_april(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, NESTED, [("mastodon", "acc")])
    ws.set_setting("bot_handles", "spam_bot")
    document = compare(ws, ("2021-03-01", "2021-04-01"), ("2021-04-01", "2021-05-01"))
    rates = {r["key"]: r for r in document["rates"]}
    assert set(rates) == set(RATES)
    # March: 3 addressed, 1 answered; April: a1 addressed, unanswered.
    assert rates["response_rate"]["a"] == pytest.approx(1 / 3)
    assert rates["response_rate"]["b"] == 0.0
    assert rates["response_rate"]["difference"] == pytest.approx(-1 / 3)
    low, high = rates["response_rate"]["ci95"]
    assert low <= -1 / 3 <= high
    # April has no exchange between members and no question: those rates are null in B.
    assert rates["question_response_rate"]["b"] is None
    assert rates["question_response_rate"]["ci95"] is None
    assert rates["horizontality"]["a"] == pytest.approx(2 / 7)
    assert document["counts"]["addressed"] == {"a": 3, "b": 1}
    # Threads: p1 (with its comments) and p2 in March, the orphan o1 alone; p1 in April.
    assert document["threads"] == [3, 1]


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

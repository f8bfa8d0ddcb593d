"""The tone method must not score below the figures documented in docs/tone.md."""

from __future__ import annotations

import re

import pytest

from lien.text import evaluate

from ..conftest import DATA, ROOT

ROW = re.compile(r"^\| (fr|en) \| (dev|heldout|all) \| (\d+) \| ([\d.]+) \| ([\d.]+) \|")


def documented() -> dict[tuple[str, str], tuple[int, float, float]]:
    text = (ROOT / "docs" / "tone.md").read_text(encoding="utf-8")
    found = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            found[(m[1], m[2])] = (int(m[3]), float(m[4]), float(m[5]))
    return found


@pytest.fixture(scope="module")
def figures() -> list[evaluate.Figures]:
    return evaluate.evaluate(evaluate.read(DATA / "tone" / "labelled.csv"))


def test_the_set_is_big_enough() -> None:
    rows = evaluate.read(DATA / "tone" / "labelled.csv")
    assert len(rows) >= 300
    assert {r.label for r in rows} == set(evaluate.LABELS)
    assert sum(r.split == "heldout" for r in rows) >= 90


def test_no_regression_below_documented_figures(figures: list[evaluate.Figures]) -> None:
    doc = documented()
    assert {(f.lang, f.split) for f in figures} == set(doc)
    for f in figures:
        n, accuracy, f1 = doc[(f.lang, f.split)]
        assert f.n == n, (f.lang, f.split)
        # The table shows three decimals; allow their rounding.
        assert f.accuracy >= accuracy - 0.0005, (f.lang, f.split, f.accuracy)
        assert f.macro_f1 >= f1 - 0.0005, (f.lang, f.split, f.macro_f1)
        # And the method beats the majority-class baseline by far.
        assert f.macro_f1 > f.baseline_macro_f1 + 0.4


def test_macro_f1_by_hand() -> None:
    gold = ["positive", "positive", "neutral", "negative"]
    predicted = ["positive", "neutral", "neutral", "positive"]
    # positive: tp 1, fp 1, fn 1 → 0.5; neutral: tp 1, fp 1 → 2/3; negative: 0.
    assert evaluate.macro_f1(gold, predicted) == pytest.approx((0.5 + 2 / 3 + 0) / 3)

"""Evaluate the tone method on hand-labelled messages: `python -m lien.text.evaluate [CSV]`.

The CSV has the columns text, lang, label (positive, neutral, negative), gratitude (0/1) and
split (dev: used to tune the word lists and rules; heldout: never looked at while tuning).
Languages are detected as in a workspace (prior: French), not read from the file, so the
figures include detection errors. The trivial baseline answers the majority class of the
messages evaluated.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import language, tone

DEFAULT = Path("tests/data/tone/labelled.csv")
LABELS = ("positive", "neutral", "negative")


@dataclass(frozen=True)
class Row:
    text: str
    lang: str
    label: str
    gratitude: bool
    split: str


@dataclass(frozen=True)
class Figures:
    lang: str
    split: str
    n: int
    accuracy: float
    macro_f1: float
    baseline_accuracy: float
    baseline_macro_f1: float
    gratitude_accuracy: float
    language_accuracy: float


def read(path: Path = DEFAULT) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Row(r["text"], r["lang"], r["label"], r["gratitude"] == "1", r["split"])
            for r in csv.DictReader(f)
        ]


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    scores = []
    for c in LABELS:
        tp = sum(g == c and p == c for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def evaluate(rows: list[Row], prior: str = "fr") -> list[Figures]:
    detected = language.detect_many([r.text for r in rows], prior=prior)
    results = [tone.score(r.text, d) for r, d in zip(rows, detected, strict=True)]
    out = []
    for lang in ("fr", "en"):
        for split in ("dev", "heldout", "all"):
            idx = [
                i
                for i, r in enumerate(rows)
                if r.lang == lang and (split == "all" or r.split == split)
            ]
            if not idx:
                continue
            gold = [rows[i].label for i in idx]
            predicted = [results[i].label for i in idx]
            majority = Counter(gold).most_common(1)[0][0]
            base = [majority] * len(gold)
            n = len(idx)
            out.append(
                Figures(
                    lang,
                    split,
                    n,
                    sum(g == p for g, p in zip(gold, predicted, strict=True)) / n,
                    macro_f1(gold, predicted),
                    sum(g == majority for g in gold) / n,
                    macro_f1(gold, base),
                    sum(results[i].gratitude == rows[i].gratitude for i in idx) / n,
                    sum(detected[i] == rows[i].lang for i in idx) / n,
                )
            )
    return out


def table(figures: list[Figures]) -> str:
    lines = [
        "| lang | split | messages | accuracy | macro-F1 | baseline accuracy "
        "| baseline macro-F1 | gratitude accuracy | language accuracy |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.lang} | {f.split} | {f.n} | {f.accuracy:.3f} | {f.macro_f1:.3f} "
            f"| {f.baseline_accuracy:.3f} | {f.baseline_macro_f1:.3f} "
            f"| {f.gratitude_accuracy:.3f} | {f.language_accuracy:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT
    print(f"tone method {tone.METHOD} on {path}\n")
    print(table(evaluate(read(path))))


if __name__ == "__main__":
    main()

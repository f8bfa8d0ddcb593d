"""What annotating (language and tone) adds to an import.

    python benchmarks/annotate.py [--messages 50000]

Builds a generic CSV of distinct member messages (sentences of the labelled tone set joined
two by two, so no text repeats and the per-text cache cannot help), then in the same process
times: the import alone (annotation deferred, the default) into a new workspace, the import
with `annotate=True` (`lien import --annotate`) into another, `annotate --force` alone on the
second, and `annotate` with nothing new. Prints seconds and the ratio of annotation time to
import time.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_csv(path: Path, n: int) -> None:
    texts = [
        r["text"]
        for r in csv.DictReader((ROOT / "tests/data/tone/labelled.csv").open(encoding="utf-8"))
    ]
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["platform", "id", "parent_id", "author_id", "author_name", "created_at", "text"]
        )
        for i in range(n):
            text = f"{rng.choice(texts)} {rng.choice(texts)} ({i})"
            day = 1 + i % 28
            w.writerow(
                ["facebook", str(i), "", f"u{i % 5000}", "", f"2021-03-{day:02d}T10:00:00Z", text]
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import lien.text.annotate as annotate_mod
    from lien.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "messages.csv"
        build_csv(source, args.messages)

        with Workspace.create(folder / "plain.duckdb") as ws:
            started = time.perf_counter()
            ws.import_paths([source])  # annotation deferred (the default)
            plain = time.perf_counter() - started

        with Workspace.create(folder / "annotated.duckdb") as ws:
            started = time.perf_counter()
            ws.import_paths([source], annotate=True)
            with_annotation = time.perf_counter() - started
            started = time.perf_counter()
            result = annotate_mod.annotate(ws, force=True)
            alone = time.perf_counter() - started
            started = time.perf_counter()
            again = annotate_mod.annotate(ws)
            incremental = time.perf_counter() - started
    print(f"{args.messages:,} distinct messages")
    print(f"import (deferred):         {plain:7.2f} s")
    print(f"import --annotate:         {with_annotation:7.2f} s  ({with_annotation / plain:.1f}x)")
    print(f"annotate --force alone:    {alone:7.2f} s  ({result.texts:,} texts)")
    print(f"annotate, nothing new:     {incremental:7.2f} s  ({again.pending} pending)")


if __name__ == "__main__":
    main()

"""Import speed and memory: lien's pipeline against DuckDB's own raw read of the same file.

    python benchmarks/import.py [--size 1000000 | --sizes 250000,1000000]

For each size (by default a quarter of --size, then --size), builds the demo community, writes
it as a generic CSV and as lien's JSON Lines export, then, for each file, in a fresh child
process: DuckDB's `read_csv`/`read_json` into a table (the baseline), then `lien import` into a
new workspace (as users run it: messages only, language and tone are annotated when first
needed). Prints messages per second, the ratio to the baseline, and the peak memory of a child
that only runs the import, so that the two sizes show whether memory grows with the file.

Each timed pair runs --repeat times (3 by default), each time in a fresh child, and the
figures are medians with the spread of the ratio: on a shared machine one run of DuckDB's read
alone varies by a third, which moves a single ratio by as much.

Then the bulk platform formats (twarc2 JSON Lines, Pushshift NDJSON, 4CAT CSV and NDJSON),
through benchmarks/import_sources.py: the same ratio to DuckDB's raw read, per source.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import peak_mb  # benchmarks/ is on the path when a script runs


def child(mode: str, path: str, fmt: str, workdir: str) -> None:
    import duckdb

    from lien.workspace import Workspace

    out: dict[str, float] = {}
    if mode == "both":
        baseline = Path(workdir) / "baseline.duckdb"
        baseline.unlink(missing_ok=True)
        con = duckdb.connect(str(baseline))
        reader = "read_csv" if fmt == "csv" else "read_json"
        started = time.perf_counter()
        con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}(?)", [path])
        out["baseline_s"] = time.perf_counter() - started
        out["rows"] = con.execute("SELECT count(*) FROM t").fetchone()[0]  # type: ignore[index]
        con.close()
    db = Path(workdir) / f"lien-{mode}.duckdb"
    db.unlink(missing_ok=True)
    with Workspace.create(db, timezone="Europe/Paris") as ws:
        started = time.perf_counter()
        (result,) = ws.import_paths([path])
        out["lien_s"] = time.perf_counter() - started
        out["stored"] = result.stored
    out["peak_mb"] = peak_mb()
    print(json.dumps(out))


def run_child(mode: str, path: Path, fmt: str, workdir: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), fmt, str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def make_files(size: int, workdir: Path) -> dict[str, Path]:
    from lien import demo
    from lien.workspace import Workspace

    csv_path = workdir / f"demo-{size}.csv"
    demo.write_csv(demo.generate(size), csv_path)
    jsonl_path = workdir / f"demo-{size}.jsonl"
    db = workdir / f"source-{size}.duckdb"
    with Workspace.create(db, timezone="Europe/Paris") as ws:
        ws.import_paths([csv_path])
        with jsonl_path.open("wb") as f:
            ws.export(f, "jsonl")
    db.unlink()
    return {"csv": csv_path, "jsonl": jsonl_path}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size",
        type=int,
        default=1_000_000,
        help="largest file, in messages; a file a quarter that size runs first (default 1000000)",
    )
    parser.add_argument("--sizes", help="comma-separated sizes instead (e.g. 250000,4000000)")
    parser.add_argument(
        "--source-records",
        type=int,
        default=200_000,
        help="records per bulk platform format (twarc2, Pushshift, 4CAT), run after the demo "
        "files by import_sources.py; 0 skips them (default 200000)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per file; medians are shown (default 3)"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.size // 4, args.size]
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print(
        f"{'file':<24}{'messages':>10}{'lien msg/s':>12}{'DuckDB msg/s':>14}{'ratio':>8}"
        f"{'spread':>14}{'peak MB':>10}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for size in sizes:
            files = make_files(size, workdir)
            for fmt, path in files.items():
                runs = [run_child("both", path, fmt, workdir) for _ in range(max(1, args.repeat))]
                alone = run_child("alone", path, fmt, workdir)
                rows = runs[0]["stored"]
                lien_s = statistics.median(r["lien_s"] for r in runs)
                base_s = statistics.median(r["baseline_s"] for r in runs)
                ratios = sorted(r["lien_s"] / r["baseline_s"] for r in runs)
                spread = f"{ratios[0]:.1f}–{ratios[-1]:.1f}×"
                print(
                    f"{path.name:<24}{rows:>10,.0f}{rows / lien_s:>12,.0f}"
                    f"{runs[0]['rows'] / base_s:>14,.0f}"
                    f"{statistics.median(ratios):>7.1f}×{spread:>14}{alone['peak_mb']:>10,.0f}"
                )
                path.unlink()
    if args.source_records:
        import import_sources  # benchmarks/ is on the path when this file runs as a script

        print("\nBulk platform formats (ratio per source):")
        import_sources.run(args.source_records, seed=7)


if __name__ == "__main__":
    main()

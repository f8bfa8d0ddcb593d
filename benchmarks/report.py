"""Report build time and size on demo workspaces.

    python benchmarks/report.py [--sizes 50000,1000000] [--workspace PATH ...] [--no-pdf]

Each size builds a demo workspace (`lien demo --size N --no-report`) in a temporary folder;
`--workspace` measures an existing one instead (a 10-million-message demo takes long to
build: `lien demo --size 10000000 --no-report --out DIR` once, then pass DIR/lien-demo.duckdb).

Per workspace: the report's build time (HTML), its size, the PDF's printing time, and the
baseline run in the same process just before: `compute()`, the metrics document the report is
built on. The ratio says what the report adds over the metrics. The machine's load average is
printed with the figures: on a busy machine seconds inflate, ratios much less.

Aims (issue 6): the default demo's report in under 20 s and under 3 MB; the report of a
10-million-message demo still under 5 MB (charts aggregate before drawing, the network picture
is drawn from its core).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path


def measure(workspace: Path, out: Path, pdf: bool) -> tuple[int, float, float, float, float]:
    from lien.metrics import compute
    from lien.report import build_report
    from lien.workspace import Workspace

    with Workspace.open(workspace) as ws:
        row = ws.con.execute("SELECT count(*) FROM messages").fetchone()
        messages = int(row[0]) if row else 0
        compute(ws)  # brings annotations up to date (a one-off, not the report's cost)
        started = time.perf_counter()
        compute(ws)
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        report = build_report(ws, out / "report.html")
        seconds = time.perf_counter() - started
        pdf_seconds = float("nan")
        if pdf:
            started = time.perf_counter()
            from lien.report import print_pdf

            print_pdf(report.path, out / "report.pdf")
            pdf_seconds = time.perf_counter() - started
    return messages, baseline, seconds, report.path.stat().st_size / 1e6, pdf_seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50000,1000000", help="demo sizes to build ('' none)")
    parser.add_argument("--workspace", action="append", type=Path, default=[])
    parser.add_argument("--no-pdf", dest="pdf", action="store_false")
    parser.add_argument("--keep", type=Path, help="copy each report here (to look at it)")
    args = parser.parse_args()
    from lien import demo

    print(
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    header = ("messages", "metrics s", "report s", "ratio", "size MB", "pdf s")
    print("".join(f"{h:>12}" for h in header))
    with tempfile.TemporaryDirectory() as tmp:
        runs: list[tuple[str, Path]] = []
        for size in (int(s) for s in args.sizes.split(",") if s.strip()):
            built = demo.build(Path(tmp) / f"d{size}", size=size, report=False)
            runs.append((f"demo-{size}", built.workspace))
        runs += [(path.parent.name, path) for path in args.workspace]
        for name, workspace in runs:
            out = Path(tmp) / f"out-{name}"
            out.mkdir()
            messages, baseline, seconds, megabytes, pdf_seconds = measure(workspace, out, args.pdf)
            ratio = seconds / baseline
            print(
                f"{messages:>12,}{baseline:>12.1f}{seconds:>12.1f}{ratio:>11.1f}×"
                f"{megabytes:>12.2f}{pdf_seconds:>12.1f}"
            )
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(out / "report.html", args.keep / f"report-{name}.html")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

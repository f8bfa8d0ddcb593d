"""Report build time and size on demo workspaces.

    python benchmarks/report.py [--sizes 50000,1000000]

Aims (issue 6): the default demo's report in under 20 s and under 3 MB; the report of a
10-million-message demo still under 5 MB (charts aggregate before drawing, the network picture
is drawn from its core).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50000,1000000")
    args = parser.parse_args()
    from lien import demo
    from lien.report import build_report
    from lien.workspace import Workspace

    print(f"{'messages':>12}{'build s':>9}{'size MB':>9}{'pdf s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            built = demo.build(Path(tmp) / f"d{size}", size=size, report=False)
            with Workspace.open(built.workspace) as ws:
                started = time.perf_counter()
                report = build_report(ws, Path(tmp) / f"r{size}.html")
                seconds = time.perf_counter() - started
                started = time.perf_counter()
                build_report(ws, Path(tmp) / f"p{size}.html", pdf=True)
                pdf_seconds = time.perf_counter() - started - seconds
            megabytes = report.path.stat().st_size / 1e6
            print(f"{built.messages:>12,}{seconds:>9.1f}{megabytes:>9.2f}{pdf_seconds:>7.1f}")


if __name__ == "__main__":
    main()

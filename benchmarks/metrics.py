"""Speed and memory of `lien metrics` on demo workspaces, against a naive pandas baseline.

    python benchmarks/metrics.py [--sizes 1000000,10000000] [--keep DIR]

For each size: builds the demo workspace (in a temp folder, or in --keep DIR where a workspace
already built there is reused: the 10-million demo takes a while to build), then in one child
process runs the full compute() (every per-period key, the network block and regular members)
and then, in the same process, a plain pandas implementation of three headline metrics
(response rate, horizontality, retention). Prints seconds, peak memory, the ratio and the
machine's load average at the end of each size (figures taken while other work runs are
inflated; the ratio to the baseline, run in the same conditions, much less).

Peak memory is the kernel's high-water mark of resident memory (VmHWM). Between the two runs
the child resets it (Linux: writing 5 to /proc/self/clear_refs), so each figure is the peak
of its own run; the pandas peak starts from what the process still holds after lien (`kept
MB`, after the workspace is closed and a garbage collection). Where the reset is not possible
(another system, or not permitted), the pandas peak is not reported ("n/a"): it would be the
larger of the two. pandas runs second, with the workspace file in the page cache lien warmed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import peak_mb, reset_peak, status_mb  # benchmarks/ is on the path when a script runs


def naive_pandas(db: str) -> float:
    """Response rate, horizontality and retention per month, the obvious pandas way."""
    import duckdb
    import pandas as pd

    started = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    m = con.execute(
        "SELECT platform, id, parent_id, author_id, author_is_bot, created_at FROM messages"
    ).df()
    owned = con.execute("SELECT platform, author_id, true AS owned FROM accounts").df()
    con.close()
    m = m.merge(owned, on=["platform", "author_id"], how="left")
    m["owned"] = m["owned"].eq(True)
    m["member"] = m.author_id.notna() & ~m.owned & ~m.author_is_bot.fillna(False)
    m["month"] = (
        m.created_at.dt.tz_localize("UTC").dt.tz_convert("Europe/Paris").dt.strftime("%Y-%m")
    )
    parents = m[["platform", "id", "author_id", "owned", "member", "parent_id"]].rename(
        columns=lambda c: "p_" + c if c not in ("platform",) else c
    )
    j = m.merge(
        parents, left_on=["platform", "parent_id"], right_on=["platform", "p_id"], how="left"
    )
    addressed = j[j.member & j.p_owned.eq(True)]
    answers = m[m.owned & m.parent_id.notna()][["platform", "parent_id", "created_at"]]
    direct = addressed.merge(
        answers, left_on=["platform", "id"], right_on=["platform", "parent_id"], suffixes=("", "_a")
    )
    direct = direct[direct.created_at_a > direct.created_at]
    answered_ids = set(zip(direct.platform, direct.id, strict=True))
    addressed = addressed.assign(
        answered=[k in answered_ids for k in zip(addressed.platform, addressed.id, strict=True)]
    )
    addressed.groupby("month").answered.mean()
    ex = j[j.author_id.notna() & j.p_author_id.notna() & (j.author_id != j.p_author_id)]
    m2m = ex[ex.member & ex.p_member.eq(True)].groupby("month").size()
    any_ = (
        ex[(ex.member & ex.p_owned.eq(True)) | (ex.owned & ex.p_member.eq(True))]
        .groupby("month")
        .size()
    )
    (m2m / (m2m.add(any_, fill_value=0) + 0)).fillna(0)
    active = m[m.member][["platform", "author_id", "month"]].drop_duplicates()
    months = sorted(active.month.unique())
    sets = {mo: set(zip(g.platform, g.author_id, strict=True)) for mo, g in active.groupby("month")}
    [len(sets[b] & sets[a]) / len(sets[a]) for a, b in zip(months, months[1:], strict=False)]
    pd.options.mode.copy_on_write = True
    return time.perf_counter() - started


def child(db: str) -> None:
    """lien's compute(), then the pandas baseline, in this one process; one JSON line out."""
    from lien.metrics import compute
    from lien.workspace import Workspace

    out: dict[str, float | None] = {}
    with Workspace.open(db, read_only=True) as ws:
        started = time.perf_counter()
        compute(ws, period="month")
        out["lien_s"] = time.perf_counter() - started
    out["lien_mb"] = peak_mb()
    gc.collect()
    separate = reset_peak()
    out["kept_mb"] = status_mb("VmRSS") if separate else None
    out["pandas_s"] = naive_pandas(db)
    out["pandas_mb"] = peak_mb() if separate else None
    print(json.dumps(out))


def run_child(db: Path) -> dict[str, float | None]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _mb(value: float | None, width: int) -> str:
    return f"{value:>{width},.0f}" if value is not None else f"{'n/a':>{width}}"


def stored_messages(db: Path) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM messages").fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--keep", type=Path, help="Folder to keep (and reuse) the workspaces in.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    from lien import demo

    print(
        f"{'messages':>12}{'lien s':>9}{'lien MB':>9}{'kept MB':>9}{'pandas s':>10}"
        f"{'pandas MB':>11}{'ratio':>7}{'build s':>9}{'load':>7}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            folder = (args.keep or Path(tmp)) / f"demo-{size}"
            started = time.perf_counter()
            workspace = folder / "lien-demo.duckdb"
            if not workspace.exists():
                workspace = demo.build(folder, size=size, report=False).workspace
            build_s = time.perf_counter() - started
            messages = stored_messages(workspace)
            got = run_child(workspace)
            lien_s, pandas_s = float(got["lien_s"] or 0), float(got["pandas_s"] or 0)
            print(
                f"{messages:>12,}{lien_s:>9.1f}{_mb(got['lien_mb'], 9)}{_mb(got['kept_mb'], 9)}"
                f"{pandas_s:>10.1f}{_mb(got['pandas_mb'], 11)}"
                f"{lien_s / pandas_s:>6.1f}×{build_s:>9.0f}{os.getloadavg()[0]:>7.1f}"
            )


if __name__ == "__main__":
    main()

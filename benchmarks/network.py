"""Speed and memory of the network block on a graph of a million members and five million ties.

    python benchmarks/network.py [--members 1000000] [--replies 4500000] [--keep DIR]

Builds a workspace straight in DuckDB SQL (deterministic: every "random" choice is a hash of
the row number): one owned Mastodon account with one post per group of 200 members; every
member comments once on their group's post (a tie with the account); replies go from a member
to another member's comment, 80 % within the same group, so the graph has communities for
Leiden to find; the account answers one comment in ten (reciprocated ties).

Then, in a child process (so peak memory is the measurement's own): the shared base view
(built once for every metric), network_block() on it, and as a baseline DuckDB reading the
same messages into the directed edge list (parent join and group by), the least any
implementation has to do. Prints seconds, peak RSS and the ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GROUP = 200
START = "2023-01-01 00:00:00"
SPAN_S = 2 * 365 * 86400


def build(db: Path, members: int, replies: int) -> None:
    from lien.workspace import Workspace

    groups = (members + GROUP - 1) // GROUP
    with Workspace.create(db, timezone="Europe/Paris", lang="fr") as ws:
        ws.add_account("mastodon", "acc")
        con = ws.con
        # (platform, id, parent_id, author_id, created_at); the other columns stay null.
        insert = (
            "INSERT INTO messages (platform, id, parent_id, author_id, created_at, text) "
            "SELECT 'mastodon', id, parent_id, author_id, "
            f"TIMESTAMP '{START}' + to_seconds(secs), '' FROM ({{}})"
        )
        con.execute(
            insert.format(
                f"SELECT 'p' || g AS id, NULL AS parent_id, 'acc' AS author_id, "
                f"(hash(g, 1) % {SPAN_S // 2})::BIGINT AS secs FROM range({groups}) t(g)"
            )
        )
        con.execute(
            insert.format(
                f"SELECT 'c' || m AS id, 'p' || (m // {GROUP}) AS parent_id, 'm' || m AS author_id,"
                f" ({SPAN_S // 2} + hash(m, 2) % {SPAN_S // 4})::BIGINT AS secs "
                f"FROM range({members}) t(m)"
            )
        )
        # Reply k: author x, to the comment of member y (same group 80 % of the time). Hashes
        # of distinct strings keep the choices independent (hashes of the same number with
        # different salts share their low bits, which would split the graph by parity).
        con.execute(
            insert.format(
                f"""
                SELECT 'r' || k AS id, 'c' || y AS parent_id, 'm' || x AS author_id,
                       ({3 * SPAN_S // 4} + hash('t' || k) % {SPAN_S // 4})::BIGINT AS secs
                FROM (
                  SELECT k, x,
                    CASE WHEN hash('s' || k) % 10 < 8
                         THEN least((x // {GROUP}) * {GROUP} + hash('g' || k) % {GROUP},
                                    {members - 1})
                         ELSE hash('y' || k) % {members} END AS y
                  FROM (SELECT k, hash('x' || k) % {members} AS x FROM range({replies}) t(k))
                )
                """
            )
        )
        con.execute(
            insert.format(
                f"SELECT 'a' || m AS id, 'c' || m AS parent_id, 'acc' AS author_id, "
                f"({SPAN_S // 2} + hash(m, 2) % {SPAN_S // 4} + 3600)::BIGINT AS secs "
                f"FROM range(0, {members}, 10) t(m)"
            )
        )
        con.execute("CHECKPOINT")


def baseline(db: str) -> tuple[float, int]:
    """DuckDB alone: messages → directed edge list (ordered author pairs with a weight)."""
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    rows = con.execute(
        """
        SELECT count(*) FROM (
          SELECT c.platform, c.author_id, p.author_id, count(*) AS weight
          FROM messages c JOIN messages p ON p.platform = c.platform AND p.id = c.parent_id
          WHERE c.author_id IS NOT NULL AND p.author_id IS NOT NULL
            AND c.author_id <> p.author_id
          GROUP BY ALL
        )
        """
    ).fetchone()
    con.close()
    return time.perf_counter() - started, int(rows[0]) if rows else 0


def child(db: str) -> None:
    from lien.metrics import timebase
    from lien.metrics.compute import workspace_tables
    from lien.metrics.network import network_block
    from lien.metrics.views import Settings, Views
    from lien.workspace import Workspace

    out: dict[str, object] = {}
    base_s, edges = baseline(db)
    out["baseline_s"], out["edges"] = base_s, edges
    with Workspace.open(db, read_only=True) as ws:
        settings = Settings.of(ws)
        messages, accounts = workspace_tables(ws)
        out["messages"] = int(messages.count().to_pyarrow().as_py())
        views = Views(messages, accounts, settings, "month", (2021, 2027))
        start, end = _window()
        window = timebase.Window(
            start, end, timebase.to_utc(start, ws.timezone), timebase.to_utc(end, ws.timezone)
        )
        started = time.perf_counter()
        views.base.count().to_pyarrow()
        out["base_s"] = time.perf_counter() - started
        started = time.perf_counter()
        out["network"] = network_block(views, window)
        out["network_s"] = time.perf_counter() - started
        views.release()
    out["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(json.dumps(out, default=str))


def _window() -> tuple[object, object]:
    from datetime import date

    return date(2022, 12, 1), date(2025, 2, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--replies", type=int, default=4_500_000)
    parser.add_argument("--keep", type=Path, help="Folder to keep (and reuse) the workspace in.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="lien-network-"))
    db = folder / f"network-{args.members}-{args.replies}.duckdb"
    if not db.exists():
        started = time.perf_counter()
        build(db, args.members, args.replies)
        print(f"built {db} in {time.perf_counter() - started:.1f} s", flush=True)
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    out = json.loads(result.stdout.strip().splitlines()[-1])
    net = out["network"]
    print(f"messages            {out['messages']:>12,}")
    print(f"people (members)    {net['people']:>12,}")
    print(f"ties                {net['ties']:>12,}")
    print(f"communities         {net['communities']:>12,}   modularity {net['modularity']:.3f}")
    print(f"base view           {out['base_s']:>10.1f} s (shared by every metric)")
    print(f"network_block       {out['network_s']:>10.1f} s")
    print(f"baseline            {out['baseline_s']:>10.1f} s (DuckDB: messages → edge list)")
    total = out["base_s"] + out["network_s"]
    print(f"ratio               {total / out['baseline_s']:>10.1f} x (base + network / baseline)")
    print(f"peak RSS            {out['peak_rss_gb']:>10.2f} GB")


if __name__ == "__main__":
    main()

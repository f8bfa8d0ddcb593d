"""Import speed of the bulk platform formats against DuckDB's own raw read of the same file.

    python benchmarks/import_sources.py [--records 200000] [--seed 7]

(`benchmarks/import.py` runs it too, after the demo files: `--source-records`.)

Writes seeded synthetic files of each bulk format in a temporary folder: twarc2 JSON Lines
(pages of 100 tweets with their `includes.users`), Pushshift NDJSON (submissions and
comments), a 4CAT CSV export and 4CAT NDJSON. For each file, a fresh child process runs
DuckDB's `read_json`/`read_csv` into a table (the baseline) and then `lien import` into a new
workspace, three times: the run with the median ratio is printed, with its ratio of CPU
seconds (all threads; a steadier figure when other work shares the machine). A last child runs
the import alone, so its peak resident memory (VmHWM: DuckDB allocates outside Python) is the
import's own.

The import is timed through `lien.importer.import_file`: sniffing, the source's staging SQL
and the merge into the workspace (written in one transaction). Language and tone annotation is a
separate step (see benchmarks/annotate.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import peak_mb  # benchmarks/ is on the path when a script runs

WORDS = (
    "lac randonnée gîte sentier crêtes neige refuge vélo marché fromage village "
    "lake trail view ❄️ 🌙 merci bravo question ouvert fermé horaires"
).split()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def write_twarc2(path: Path, records: int, rng: random.Random) -> int:
    base = 1700000000000000000
    users = [
        {"id": str(1000 + i), "username": f"user{i}", "name": f"User {i}"} for i in range(5000)
    ]
    written = 0
    with path.open("w", encoding="utf-8") as f:
        while written < records:
            tweets = []
            page_users = {}
            for _ in range(min(100, records - written)):
                tid = base + written * 4096
                author = rng.choice(users)
                page_users[author["id"]] = author
                tweet = {
                    "id": str(tid),
                    "text": _text(rng, 12),
                    "author_id": author["id"],
                    "created_at": "2024-03-01T10:00:00.000Z",
                    "conversation_id": str(base + (written // 50) * 50 * 4096),
                    "lang": "fr",
                    "public_metrics": {
                        "like_count": rng.randint(0, 50),
                        "reply_count": rng.randint(0, 5),
                        "retweet_count": rng.randint(0, 5),
                        "quote_count": 0,
                    },
                    "edit_history_tweet_ids": [str(tid)],
                }
                if written % 50:
                    tweet["referenced_tweets"] = [
                        {"type": "replied_to", "id": str(tid - 4096 * rng.randint(1, written % 50))}
                    ]
                tweets.append(tweet)
                written += 1
            page = {
                "data": tweets,
                "includes": {"users": list(page_users.values())},
                "meta": {"result_count": len(tweets)},
                "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all", "version": "2"},
            }
            f.write(json.dumps(page, ensure_ascii=False) + "\n")
    return written


def write_pushshift(path: Path, records: int, rng: random.Random) -> int:
    with path.open("w", encoding="utf-8") as f:
        for i in range(records):
            post = f"p{i // 100}"
            if i % 100 == 0:
                item = {
                    "id": post,
                    "title": _text(rng, 6),
                    "selftext": _text(rng, 20),
                    "author": f"user{rng.randint(0, 5000)}",
                    "created_utc": 1700000000 + i,
                    "subreddit": "valdelune",
                    "score": rng.randint(0, 99),
                    "num_comments": 99,
                    "is_self": True,
                }
            else:
                parent = f"t3_{post}" if i % 100 < 10 else f"t1_c{i - rng.randint(1, i % 100)}"
                item = {
                    "id": f"c{i}",
                    "body": _text(rng, 15),
                    "author": f"user{rng.randint(0, 5000)}" if i % 37 else "[deleted]",
                    "created_utc": str(1700000000 + i),
                    "link_id": f"t3_{post}",
                    "parent_id": parent,
                    "subreddit": "valdelune",
                    "score": rng.randint(-2, 30),
                    "edited": False,
                }
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    return records


FOURCAT_COLUMNS = (
    "id thread_id author author_fullname body timestamp unix_timestamp likes replies post_url"
).split()


def _fourcat_rows(records: int, rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for i in range(records):
        rows.append(
            {
                "id": str(7300000000000000000 + i),
                "thread_id": str(7200000000000000000 + i // 100),
                "author": f"user{rng.randint(0, 5000)}",
                "author_fullname": f"User {rng.randint(0, 5000)}",
                "body": _text(rng, 15),
                "timestamp": "2024-01-10 09:00:00",
                "unix_timestamp": 1704873600 + i,
                "likes": rng.randint(0, 40),
                "replies": rng.randint(0, 4),
                "post_url": f"https://www.tiktok.com/@valdelune/video/{7200000000000000000 + i // 100}",
            }
        )
    return rows


def write_fourcat_csv(path: Path, records: int, rng: random.Random) -> int:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FOURCAT_COLUMNS)
        writer.writeheader()
        writer.writerows(_fourcat_rows(records, rng))
    return records


def write_fourcat_ndjson(path: Path, records: int, rng: random.Random) -> int:
    with path.open("w", encoding="utf-8") as f:
        for row in _fourcat_rows(records, rng):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return records


REPEATS = 3

FORMATS = {
    "twarc2.jsonl": write_twarc2,
    "pushshift.ndjson": write_pushshift,
    "tiktok-4cat.csv": write_fourcat_csv,
    "tiktok-4cat.ndjson": write_fourcat_ndjson,
}


def _cpu() -> float:
    """CPU seconds of this process, all threads: unlike wall time, barely moved by other
    work on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(mode: str, path: str, workdir: str) -> None:
    import duckdb

    from lien.importer import import_file
    from lien.workspace import Workspace

    out: dict[str, float] = {}
    if mode == "both":
        baseline = Path(workdir) / "baseline.duckdb"
        baseline.unlink(missing_ok=True)
        con = duckdb.connect(str(baseline))
        reader = "read_csv" if path.endswith(".csv") else "read_json"
        started, cpu = time.perf_counter(), _cpu()
        con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}(?)", [path])
        out["baseline_s"] = time.perf_counter() - started
        out["baseline_cpu"] = _cpu() - cpu
        con.close()
    db = Path(workdir) / f"lien-{mode}.duckdb"
    db.unlink(missing_ok=True)
    with Workspace.create(db, timezone="Europe/Paris") as ws:
        started, cpu = time.perf_counter(), _cpu()
        result = import_file(ws, Path(path).name, Path(path))
        out["lien_s"] = time.perf_counter() - started
        out["lien_cpu"] = _cpu() - cpu
        out["read"] = result.read
        out["stored"] = result.stored
        out["balanced"] = float(result.balanced)
    out["peak_mb"] = peak_mb()
    print(json.dumps(out))


def run_child(mode: str, path: Path, workdir: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(records: int, seed: int) -> None:
    """Print one line per bulk format: speeds, the ratio to DuckDB's raw read, peak memory."""
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'file':<22}{'MB':>6}{'records':>10}{'lien rec/s':>12}{'DuckDB rec/s':>14}"
        f"{'ratio':>8}{'CPU ratio':>11}{'peak MB':>9}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name, write in FORMATS.items():
            path = workdir / name
            written = write(path, records, random.Random(seed))
            # The median of three same-process ratios: the machine is shared, one run may
            # meet a burst of other work.
            runs = sorted(
                (run_child("both", path, workdir) for _ in range(REPEATS)),
                key=lambda r: r["lien_s"] / r["baseline_s"],
            )
            timed = runs[len(runs) // 2]
            alone = run_child("alone", path, workdir)
            assert timed["balanced"] and timed["read"] >= written, timed
            size = path.stat().st_size / 1e6
            print(
                f"{name:<22}{size:>6.0f}{written:>10,}{written / timed['lien_s']:>12,.0f}"
                f"{written / timed['baseline_s']:>14,.0f}"
                f"{timed['lien_s'] / timed['baseline_s']:>7.1f}×"
                f"{timed['lien_cpu'] / timed['baseline_cpu']:>10.1f}×{alone['peak_mb']:>9,.0f}"
            )
            path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    run(args.records, args.seed)


if __name__ == "__main__":
    main()

"""What `paperscope pages` costs, this tree beside a baseline revision on the same database,
and whether both store the same rows.

    python bench/pages_refresh.py --database postgresql+psycopg://.../scale --baseline main \
        --tag 1m-resolved [--min-works 300] [--workers 0] [--rounds 1]

Each revision runs in a child process whose import path is its `src/` (`git archive` of
`--baseline`), the two alternating `--rounds` times on the same database: the child runs
the stage's refresh (`metrics.page_snapshots.refresh_pages`, the code `paperscope pages`
and `update` call) with `--min-works` and `--workers` (0: one per core), and reports its
seconds, the pages stored, the peak RSS of the child and of its workers, and a digest of
every stored row but the refresh's content version. Both revisions run on the same day,
so equal digests mean the same stored pages. A higher `--min-works` than the stage's 100
measures fewer, larger pages, for a shorter comparison. Results:
bench/results/pages_refresh-<tag>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from resolve_speed import export_tree, run_in_tree  # noqa: E402


def stored_digest(url: str) -> tuple[int, str]:
    """How many pages are stored, and an md5 over every stored column but the content
    version, in page key order."""
    from sqlalchemy import select

    from paperscope.store import Store
    from paperscope.store.metrics_schema import author_page_snapshots as table

    store = Store.open(url, migrate=False)
    columns = [column for column in table.columns if column.name != "content_version"]
    digest, count = hashlib.md5(), 0
    with store.connect() as connection:
        for row in connection.execute(select(*columns).order_by(table.c.page_key)):
            digest.update(repr(tuple(row)).encode())
            count += 1
    store.close()
    return count, digest.hexdigest()


def worker(url: str, min_works: int, workers: int) -> dict[str, Any]:
    """One refresh in this process (and its workers)."""
    from paperscope.metrics.page_snapshots import refresh_pages
    from paperscope.store import Store

    store = Store.open(url, migrate=False)
    started = time.perf_counter()
    report = refresh_pages(store, min_works=min_works, workers=workers or os.cpu_count() or 1)
    seconds = round(time.perf_counter() - started, 1)
    store.close()
    count, digest = stored_digest(url)
    return {
        "seconds": seconds,
        "name_pages": report.name_pages,
        "person_pages": report.person_pages,
        "skipped": report.skipped,
        "current": report.current,
        "workers": report.workers,
        "stored_rows": count,
        "digest": digest,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_rss_mb_of_a_worker": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        ),
        "load_average": os.getloadavg()[0],
    }


def run_once(source: Path, url: str, min_works: int, workers: int) -> dict[str, Any]:
    options = ["--min-works", str(min_works), "--workers", str(workers)]
    return run_in_tree(__file__, source, ["--worker", url, *options])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", help="a database URL after score (and resolve)")
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--min-works", type=int, default=100)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--tag", default="run", help="results go to pages_refresh-<tag>.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.min_works, args.workers)))
        return 0
    if args.database is None:
        parser.error("--database is required")
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "this tree": []}
    with tempfile.TemporaryDirectory(prefix="pages-refresh-") as folder:
        sources = {
            "baseline": export_tree(args.baseline, Path(folder) / "baseline"),
            "this tree": ROOT / "src",
        }
        for round_ in range(args.rounds):
            for label, source in sources.items():
                result = run_once(source, args.database, args.min_works, args.workers)
                runs[label].append(result)
                pages = result["name_pages"] + result["person_pages"]
                print(
                    f"round {round_ + 1} {label:9}: {result['seconds']:8.1f} s  {pages:,} pages "
                    f"({pages / result['seconds']:.1f}/s, {result['workers']} workers)  peak RSS "
                    f"{result['peak_rss_mb']} MB, a worker {result['peak_rss_mb_of_a_worker']} MB"
                    f"  current {result['current']}  load {result['load_average']:.1f}",
                    flush=True,
                )
    same = len({run["digest"] for label in runs for run in runs[label]}) == 1
    best = {label: min(run["seconds"] for run in runs[label]) for label in runs}
    print(f"same stored rows in every run: {same}")
    print(
        f"best of {args.rounds}: baseline {best['baseline']:.1f} s, this tree "
        f"{best['this tree']:.1f} s ({best['baseline'] / best['this tree']:.2f}x)"
    )
    results = ROOT / "bench" / "results" / f"pages_refresh-{args.tag}.json"
    payload = {
        "database": args.database,
        "baseline": args.baseline,
        "min_works": args.min_works,
        "runs": runs,
        "best_seconds": best,
        "same_stored_rows": same,
    }
    results.write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""`paperscope score` speed on AAN (18k works, 95k edges), beside a naive per-person loop.

1. Ingest ../shared/data/aan into a fresh SQLite database (or reuse --database).
2. Full recompute (`run_score(full=True)`): citations, h/i10/g-index of every person,
   novelty, the impact model and AI scores, all written to the metrics tables.
3. Naive baseline, measured in the same run: for each person, the per-person Python path
   (one query for the person's works, one for their in-corpus citations, one for reported
   counts, then h/i10/g in Python), i.e. what a profile page does, once per person. It runs
   until --naive-seconds have passed (then extrapolates to all people) and its h-index,
   i10-index and citations are checked against the set-wise results.
4. Incremental: ingest 50 new works citing existing ones, run `score` again, and count what
   was recomputed and written.

Usage: python bench/score.py [--aan ../shared/data/aan] [--database sqlite:///x.db] [--postgres]
(--postgres: a throwaway PostgreSQL server, as the tests use). Results go to
bench/results/score.json (score-postgres.json with --postgres).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from paperscope.ingest.pipeline import ingest_paths
from paperscope.metrics.indices import g_index, h_index, i10_index
from paperscope.metrics.scoring import run_score
from paperscope.read.people import person_work_ids
from paperscope.read.person_records import parse_person_key
from paperscope.read.works import in_corpus_citations, reported_counts
from paperscope.store import Store
from paperscope.store.metrics_schema import person_metrics

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
RESULTS = ROOT / "bench" / "results" / "score.json"


def naive(store: Store, budget: float) -> dict[str, object]:
    with store.connect() as connection:
        stored = {row.person_key: row for row in connection.execute(select(person_metrics)).all()}
        keys = sorted(stored)
        random.Random(0).shuffle(keys)
        started = time.perf_counter()
        done = mismatches = 0
        for key in keys:
            ref = parse_person_key(key)
            assert ref is not None
            ids = person_work_ids(connection, ref)
            cited = in_corpus_citations(connection, ids)
            reported = reported_counts(connection, ids)
            counts = [max(cited.get(i, 0), reported.get(i, 0)) for i in ids]
            row = stored[key]
            found = (len(ids), sum(counts), h_index(counts), i10_index(counts), g_index(counts))
            expected = (row.papers, row.citations, row.h_index, row.i10_index, row.g_index)
            mismatches += found != expected
            done += 1
            if time.perf_counter() - started > budget:
                break
        seconds = time.perf_counter() - started
    return {
        "people_done": done,
        "people_total": len(keys),
        "seconds": round(seconds, 2),
        "people_per_second": round(done / seconds, 1),
        "extrapolated_seconds_all": round(seconds * len(keys) / max(done, 1), 1),
        "mismatches_with_setwise": mismatches,
    }


def new_works_files(folder: Path, count: int) -> list[Path]:
    """AAN-format files with `count` new 2011 papers, each citing five existing ACL papers."""
    metadata = folder / "new-metadata.txt"
    edges = folder / "new-citations.txt"
    blocks, lines = [], []
    rng = random.Random(1)
    for number in range(count):
        paper = f"Z26-{number:04d}"
        blocks.append(
            f"id = {{{paper}}}\nauthor = {{Collins, Michael John; Newcomer, Ada{number % 7}}}\n"
            f"title = {{Incremental scoring study {number} of dependency parsing}}\n"
            f"venue = {{ACL}}\nyear = {{2011}}\n"
        )
        for _ in range(5):
            lines.append(f"{paper} , P{rng.randint(0, 11):02d}-1{rng.randint(0, 99):03d}")
    metadata.write_text("\n".join(blocks), encoding="utf-8")
    edges.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [metadata, edges]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aan", type=Path, default=ROOT.parent / "shared" / "data" / "aan")
    parser.add_argument("--database", default=None)
    parser.add_argument("--naive-seconds", type=float, default=60.0)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    server = None
    if args.postgres:
        from pgserver import start_server

        server = start_server()
    try:
        run(args, server)
    finally:
        if server is not None:
            server.stop()


def run(args: argparse.Namespace, server: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'aan.db'}"
        if server is not None:
            url = server.new_database("bench_score")
        fresh = args.database is None
        url = args.database or url
        store = Store.open(url)
        started = time.perf_counter()
        if fresh:
            if not (args.aan / "acl.txt").exists():
                sys.exit(f"no AAN data at {args.aan}")
            ingest_paths(store, [args.aan / "acl-metadata.txt", args.aan / "acl.txt"])
            print(f"ingested AAN in {time.perf_counter() - started:.1f}s")
        with store.transaction() as connection:
            started = time.perf_counter()
            full = run_score(connection, full=True)
            full_seconds = time.perf_counter() - started
        print(full.summary())
        print(
            f"full recompute: {full_seconds:.1f}s for {full.works} works and "
            f"{full.people} people (target < 30 s)"
        )
        slow = naive(store, args.naive_seconds)
        print(
            f"naive per-person loop: {slow['people_done']} of {slow['people_total']} people "
            f"in {slow['seconds']}s ({slow['people_per_second']}/s), "
            f"all people ≈ {slow['extrapolated_seconds_all']}s; "
            f"mismatches with the set-wise results: {slow['mismatches_with_setwise']}"
        )
        ingest_paths(store, new_works_files(Path(tmp), 50))
        with store.transaction() as connection:
            started = time.perf_counter()
            incremental = run_score(connection)
            incremental_seconds = time.perf_counter() - started
        print(incremental.summary())
        print(f"incremental after 50 new works: {incremental_seconds:.1f}s")
        store.close()
    result = {
        "database": "postgresql" if server is not None else "sqlite",
        "works": full.works,
        "people": full.people,
        "full_seconds": round(full_seconds, 2),
        "full_steps": {k: round(v, 2) for k, v in full.seconds.items()},
        "naive_loop": slow,
        "incremental": {
            "new_works": 50,
            "seconds": round(incremental_seconds, 2),
            "scored_anew": incremental.recomputed_works,
            "work_rows_written": incremental.written_works,
            "people_written": incremental.written_people,
        },
    }
    target = RESULTS.with_name("score-postgres.json") if server is not None else RESULTS
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()

"""Fetching rows for a list of ids: `in_list` (one bound parameter) beside chunked `IN`.

Data: a synthetic authorships-like table (id, work_id indexed, position, name_key) of
--rows rows (default 1M, four authors per work), in a temporary SQLite file and in a
throwaway PostgreSQL server (tests/pgserver.py, as the tests use; --skip-postgres to leave
it out). For 100, 10k and 100k distinct random work ids, the rows of those works are fetched
with

- the old way, the baseline, measured in the same process on the same lists: an expanding
  `work_id IN (...)` per chunk of 2000 ids, the rows of all chunks collected, and
- `paperscope.store.ids.in_list`: one statement, the whole list in one parameter.

Each size runs on --repeats fresh lists (100 times as many for 100 ids), the same lists
both ways, alternating which way goes first; the first list is also checked to return the
same rows both ways. PostgreSQL's plan for each size is recorded, with the server's own
execution time (EXPLAIN ANALYZE): the rest is moving the rows into Python.
Results go to bench/results/id_lists.json.

Usage: python bench/id_lists.py [--rows 1000000] [--repeats 5] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Column, Connection, Integer, MetaData, Table, Text, event, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from paperscope.store import Store  # noqa: E402
from paperscope.store.ids import in_list  # noqa: E402
from pgserver import start_server  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "id_lists.json"
SIZES = (100, 10_000, 100_000)
CHUNK = 2_000
AUTHORS_PER_WORK = 4

metadata = MetaData()
authorships = Table(
    "bench_authorships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("work_id", Integer, nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("name_key", Text, nullable=False),
)
COLUMNS = (authorships.c.id, authorships.c.work_id, authorships.c.position)


def fill(store: Store, rows: int) -> None:
    """`rows` authorships, AUTHORS_PER_WORK per work, written by the database itself."""
    metadata.create_all(store.engine)
    series = (
        f"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {rows - 1}) "
        "SELECT i FROM s"
        if store.dialect == "sqlite"
        else f"SELECT i FROM generate_series(0, {rows - 1}) AS s(i)"
    )
    with store.transaction() as connection:
        connection.execute(
            text(
                "INSERT INTO bench_authorships (id, work_id, position, name_key) "
                f"SELECT i + 1, i / {AUTHORS_PER_WORK} + 1, i % {AUTHORS_PER_WORK} + 1, "
                f"'name ' || (i % 50000) FROM ({series}) AS numbers"
            )
        )
        connection.execute(text("ANALYZE"))


def chunked_in(connection: Connection, ids: Sequence[int]) -> list[Any]:
    """The old way: an expanding IN per chunk of CHUNK ids."""
    rows: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows += connection.execute(select(*COLUMNS).where(authorships.c.work_id.in_(chunk)))
    return rows


def one_parameter(connection: Connection, ids: Sequence[int]) -> list[Any]:
    return list(connection.execute(select(*COLUMNS).where(in_list(authorships.c.work_id, ids))))


def compare(connection: Connection, lists: list[list[int]]) -> dict[str, dict[str, float]]:
    """Milliseconds per list both ways, alternating which goes first (a busy machine drifts)."""
    ways = {"chunked_in": chunked_in, "in_list": one_parameter}
    for function in ways.values():
        function(connection, lists[0])  # warm: compiled statements, pages in cache
    times: dict[str, list[float]] = {name: [] for name in ways}
    for k, ids in enumerate(lists):
        for name in sorted(ways, reverse=k % 2 == 1):
            started = time.perf_counter()
            ways[name](connection, ids)
            times[name].append((time.perf_counter() - started) * 1000)
    return {
        name: {"p50_ms": float(np.percentile(t, 50)), "min_ms": min(t), "n": len(t)}
        for name, t in times.items()
    }


def plan(connection: Connection, ids: Sequence[int]) -> tuple[str, float]:
    """PostgreSQL's plan for the in_list query (one line per node) and its server-side time."""

    def explained(*args: Any) -> tuple[str, Any]:
        return "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + args[2], args[3]

    event.listen(connection, "before_cursor_execute", explained, retval=True)
    try:
        statement = select(*COLUMNS).where(in_list(authorships.c.work_id, ids))
        lines = [row[0] for row in connection.execute(statement)]
    finally:
        event.remove(connection, "before_cursor_execute", explained)
    nodes = " / ".join(line.strip() for line in lines if "->" in line or line[0] != " ")
    server_ms = next(float(line.split()[2]) for line in lines if "Execution Time" in line)
    return nodes.split(" / Planning")[0], server_ms


def measure(label: str, store: Store, works: int, repeats: int) -> list[dict[str, Any]]:
    rng = random.Random(0)
    results = []
    with store.connect() as connection:
        for size in SIZES:
            runs = max(repeats, repeats * 10_000 // size)  # more runs of the quick sizes
            lists = [rng.sample(range(1, works + 1), size) for _ in range(runs)]
            old, new = chunked_in(connection, lists[0]), one_parameter(connection, lists[0])
            assert sorted(old) == sorted(new) and len(new) == size * AUTHORS_PER_WORK
            result = {"database": label, "ids": size, "rows": len(new)}
            result |= compare(connection, lists)
            if store.dialect == "postgresql":
                result["plan"], result["server_ms"] = plan(connection, lists[0])
            print(line(result))
            results.append(result)
    return results


def line(result: dict[str, Any]) -> str:
    base, ours = result["chunked_in"], result["in_list"]
    return (
        f"{result['database']:<10} {result['ids']:>7,} ids ({result['rows']:>7,} rows)  "
        f"in_list p50 {ours['p50_ms']:9.2f} ms  | chunked IN ({CHUNK}) p50 "
        f"{base['p50_ms']:9.2f} ms  ({base['p50_ms'] / ours['p50_ms']:.2f}x)"
        + (
            f"\n{'':<12}plan: {result['plan']} (server: {result['server_ms']:.1f} ms)"
            if "plan" in result
            else ""
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="at least 400000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    works = args.rows // AUTHORS_PER_WORK
    results = []
    with tempfile.TemporaryDirectory(prefix="paperscope-bench-") as scratch:
        store = Store.open(f"sqlite:///{Path(scratch) / 'ids.db'}", migrate=False)
        started = time.perf_counter()
        fill(store, args.rows)
        print(f"sqlite: {args.rows:,} rows in {time.perf_counter() - started:.1f}s")
        results += measure("sqlite", store, works, args.repeats)
        store.close()
    if not args.skip_postgres:
        server = start_server()
        try:
            store = Store.open(server.new_database("bench_ids"), migrate=False)
            started = time.perf_counter()
            fill(store, args.rows)
            print(f"postgresql: {args.rows:,} rows in {time.perf_counter() - started:.1f}s")
            results += measure("postgresql", store, works, args.repeats)
            store.close()
        finally:
            server.stop()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {"rows": args.rows, "chunk": CHUNK, "cpu_count": os.cpu_count(), "results": results}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

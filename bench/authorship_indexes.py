"""What the covering name-key indexes (migration 0023) cost a PostgreSQL ingest.

The authorships of a PostgreSQL database (e.g. the 1M run's) are copied, in work order as
ingest writes them, into two fresh tables shaped like `authorships`: one with the indexes
before migration 0023 (`name_key` alone; `reverse(name_key)` alone), the baseline, and one
with the indexes after it (`(name_key, person_id, work_id)`; `(reverse(name_key), person_id,
work_id) INCLUDE (name_key)`); both with the primary key, the unique (work, position) and
the person's index. The batches go alternately into one table and the other, so that both
meet the same cache and load; each batch is a COPY in its own transaction, timed with its
commit. Prints rows/s of each and their ratio, each table's index sizes, and writes
bench/results/authorship_indexes.json. The two tables are dropped at the end.

Usage: python bench/authorship_indexes.py --database postgresql+psycopg://...
         [--batch 50000] [--limit N] [--results bench/results/authorship_indexes.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "authorship_indexes.json"
COLUMNS = "id, work_id, position, name, name_key, person_id"
INDEXES = {
    "before": [
        "CREATE INDEX ON {t} (name_key)",
        "CREATE INDEX ON {t} (reverse(name_key))",
    ],
    "after": [
        "CREATE INDEX ON {t} (name_key, person_id, work_id)",
        "CREATE INDEX ON {t} (reverse(name_key), person_id, work_id) INCLUDE (name_key)",
    ],
}


def _table(cursor: psycopg.Cursor[Any], name: str, indexes: list[str]) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(
        f"CREATE TABLE {name} (id integer PRIMARY KEY, work_id integer NOT NULL, "
        'position integer NOT NULL, name text NOT NULL, name_key text COLLATE "C" NOT NULL, '
        "person_id integer, UNIQUE (work_id, position))"
    )
    cursor.execute(f"CREATE INDEX ON {name} (person_id)")
    for each in indexes:
        cursor.execute(each.format(t=name))


def _index_mb(cursor: psycopg.Cursor[Any], table: str) -> dict[str, float]:
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass",
        (table,),
    )
    return {name: round(size / 2**20, 1) for name, size in cursor.fetchall()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL SQLAlchemy URL")
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    url = args.database.replace("postgresql+psycopg://", "postgresql://")
    tables = {label: f"bench_authorships_{label}" for label in INDEXES}
    seconds = dict.fromkeys(INDEXES, 0.0)
    rows = 0
    with (
        psycopg.connect(url, autocommit=True) as connection,
        psycopg.connect(url) as source,
        source.cursor(name="authorships") as reader,  # server-side: memory stays bounded
    ):
        cursor = connection.cursor()
        for label, table in tables.items():
            _table(cursor, table, INDEXES[label])
        limit = f" LIMIT {int(args.limit)}" if args.limit else ""
        reader.execute(f"SELECT {COLUMNS} FROM authorships ORDER BY work_id, position{limit}")
        while batch := reader.fetchmany(args.batch):
            for label, table in tables.items():
                started = time.perf_counter()
                with (
                    connection.transaction(),
                    cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy,
                ):
                    for row in batch:
                        copy.write_row(row)
                seconds[label] += time.perf_counter() - started
            rows += len(batch)
            print(
                f"  {rows:>10,} rows  " + "  ".join(f"{k} {v:6.1f} s" for k, v in seconds.items()),
                flush=True,
            )
        sizes = {label: _index_mb(cursor, table) for label, table in tables.items()}
        for table in tables.values():
            cursor.execute(f"DROP TABLE {table}")
    report = {
        "database": args.database.rsplit("@", 1)[-1],
        "rows": rows,
        "batch": args.batch,
        "rows_per_s": {k: round(rows / v) for k, v in seconds.items()},
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "after_over_before_time": round(seconds["after"] / seconds["before"], 3),
        "index_mb": sizes,
    }
    print(json.dumps(report, indent=1))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()

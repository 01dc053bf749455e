"""What bounds ingest on this machine: each part of its work alone, at full speed.

`bench/scale.py` compares `paperscope ingest` with the raw bulk load of the rows it wrote (the
issue's ratio). This script takes ingest apart to show where a records/s target stops being
reachable, for one corpus and one database that ingested it:

1. **reading**: the corpus's files read, parsed and prepared as ingest's reading process does
   (`read_events(prepare=True)`), each event pickled for the hand-over and unpickled as the
   writer does: the work of one core whatever the database;
2. **bulk, indexed**: the rows the ingest wrote, loaded into the full schema by the driver's
   plainest bulk path (bench/ingest.py's `bulk_load`, the baseline of `bench/scale.py`);
3. **bulk, bare**: the same rows into the same tables with their indexes, keys and user
   triggers dropped (PostgreSQL also drops the primary keys, unique keys and foreign keys;
   SQLite keeps the keys declared in its tables, which cannot be dropped), then everything
   dropped built again over the loaded rows, timed apart.

Records/s are the corpus's records over each part's seconds. Only writes are timed in 2 and 3
(reading the rows out of the source database is not), as in `bulk_load`.

Usage: python bench/ingest_floor.py --corpus DIR --source URL --target URL [--results FILE]
    --source: a database `paperscope ingest` wrote the corpus into
    --target: an empty database (a SQLite file is removed before and after)
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from ingest import CORPUS_FOLDERS, bulk_load, copy_rows  # noqa: E402
from paperscope.ingest.reader import event_bytes, read_events  # noqa: E402
from paperscope.store import Store  # noqa: E402
from paperscope.store.schema import metadata  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ingest_floor.json"


def per_s(records: int, seconds: float) -> int:
    return round(records / seconds) if seconds else 0


def generated_records(corpus: Path) -> int:
    summary = json.loads((corpus / "corpus.json").read_text())
    return sum(int(count) for count in summary["records"].values())


def corpus_paths(corpus: Path) -> list[Path]:
    return [corpus / name for name in CORPUS_FOLDERS if (corpus / name).is_dir()]


def reading(paths: list[Path]) -> dict[str, Any]:
    """Seconds to parse and prepare every record, to pickle the events and to unpickle them."""
    parse = pickling = unpickling = 0.0
    records = 0
    events = iter(read_events(paths, None, prepare=True))
    while True:
        started = time.perf_counter()
        event = next(events, None)
        parse += time.perf_counter() - started
        if event is None:
            break
        records += len(getattr(event, "results", ()))
        started = time.perf_counter()
        data = event_bytes(event)
        pickling += time.perf_counter() - started
        started = time.perf_counter()
        pickle.loads(data)
        unpickling += time.perf_counter() - started
    seconds = parse + pickling + unpickling
    return {
        "records": records,
        "seconds": round(seconds, 3),
        "records_per_s": per_s(records, seconds),
        "parse_s": round(parse, 3),
        "pickle_s": round(pickling, 3),
        "unpickle_s": round(unpickling, 3),
    }


class Dropped(NamedTuple):
    """DDL to build again what the bare load dropped, in build order."""

    keys: list[str]
    indexes: list[str]
    foreign_keys: list[str]
    triggers: list[str]


def drop_postgresql(cursor: Any) -> Dropped:
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
        "AND contype IN ('p', 'u', 'f')"
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace)"
    )
    indexes = [definition for (definition,) in cursor.fetchall()]
    cursor.execute(
        "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
        "WHERE NOT tgisinternal AND tgrelid::regclass::text NOT LIKE 'pg_%'"
    )
    triggered = [table for (table,) in cursor.fetchall()]
    for table, name, _kind, _ in sorted(constraints, key=lambda c: c[2] != "f"):
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}" CASCADE')
    cursor.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace)"
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for table in triggered:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")

    def add(table: str, name: str, definition: str) -> str:
        return f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'

    return Dropped(
        keys=[add(t, n, d) for t, n, kind, d in constraints if kind != "f"],
        indexes=indexes,
        foreign_keys=[add(t, n, d) for t, n, kind, d in constraints if kind == "f"],
        triggers=[f"ALTER TABLE {table} ENABLE TRIGGER USER" for table in triggered],
    )


def drop_sqlite(cursor: Any) -> Dropped:
    cursor.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
        "AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
    )
    found = cursor.fetchall()
    for kind, name, _ in found:
        cursor.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
    return Dropped(
        keys=[],
        indexes=[sql for kind, _, sql in found if kind == "index"],
        foreign_keys=[],
        triggers=[sql for kind, _, sql in found if kind == "trigger"],
    )


def _timed(cursor: Any, statements: list[str]) -> float:
    started = time.perf_counter()
    for statement in statements:
        cursor.execute(statement)
    return time.perf_counter() - started


def bare_load(source_url: str, target_url: str) -> dict[str, Any]:
    """The rows of `source_url` into `target_url`'s tables stripped bare, then what was
    stripped built again; one transaction on ingest's bulk connection."""
    source, target = create_engine(source_url), Store.open(target_url)
    postgres = target.dialect == "postgresql"
    with target.bulk_connection() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        if postgres:  # the indexed load's rows, if it ran first (SQLite's file is new)
            tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
            cursor.execute(f"TRUNCATE {tables} CASCADE")
        dropped = drop_postgresql(cursor) if postgres else drop_sqlite(cursor)
        raw.commit()
        copied, rows = copy_rows(cursor, source, postgres)
        if postgres:
            cursor.execute("SET maintenance_work_mem = '1GB'")
        keys = _timed(cursor, dropped.keys)
        indexes = _timed(cursor, dropped.indexes)
        foreign = _timed(cursor, dropped.foreign_keys)
        _timed(cursor, dropped.triggers)
        started = time.perf_counter()
        raw.commit()
        committed = time.perf_counter() - started
    source.dispose()
    target.close()
    return {
        "rows": rows,
        "load_s": round(copied + committed, 3),
        "keys_s": round(keys, 3),
        "indexes_s": round(indexes, 3),
        "foreign_keys_s": round(foreign, 3),
        "built": {
            "keys": len(dropped.keys),
            "indexes": len(dropped.indexes),
            "foreign_keys": len(dropped.foreign_keys),
            "trigger_statements": len(dropped.triggers),
        },
    }


def _remove_sqlite(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--source", required=True, help="a database that ingested the corpus")
    parser.add_argument("--target", required=True, help="an empty database")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--no-reading",
        action="store_true",
        help="skip the reading part (the same for every database); the records are counted "
        "from the generator's corpus.json",
    )
    args = parser.parse_args()
    load_average = os.getloadavg()
    read = None if args.no_reading else reading(corpus_paths(args.corpus))
    records = read["records"] if read else generated_records(args.corpus)
    _remove_sqlite(args.target)
    try:
        indexed_s, rows = bulk_load(args.source, args.target)
        _remove_sqlite(args.target)
        bare = bare_load(args.source, args.target)
    finally:
        _remove_sqlite(args.target)
    bare_total = bare["load_s"] + bare["keys_s"] + bare["indexes_s"] + bare["foreign_keys_s"]
    report = {
        "corpus": str(args.corpus),
        "database": "postgresql" if args.target.startswith("postgresql") else "sqlite",
        "records": records,
        "rows": rows,
        "cpus": os.cpu_count(),
        "load_average_at_start": load_average,
        "load_average_at_end": os.getloadavg(),
        "reading": read,
        "bulk_indexed": {
            "seconds": round(indexed_s, 3),
            "records_per_s": per_s(records, indexed_s),
        },
        "bulk_bare": bare
        | {"seconds": round(bare_total, 3), "records_per_s": per_s(records, bare_total)},
    }
    print(f"{records:,} records, {rows:,} rows ({report['database']})")
    if read:
        print(
            f"  reading (one core)      {read['seconds']:8.1f} s  {read['records_per_s']:8,}/s  "
            f"parse {read['parse_s']} s, pickle {read['pickle_s']} s, "
            f"unpickle {read['unpickle_s']} s"
        )
    print(
        f"  bulk into the schema    {indexed_s:8.1f} s  {per_s(records, indexed_s):8,}/s\n"
        f"  bulk bare, then built   {bare_total:8.1f} s  {per_s(records, bare_total):8,}/s  "
        f"load {bare['load_s']} s, keys {bare['keys_s']} s, indexes {bare['indexes_s']} s, "
        f"foreign keys {bare['foreign_keys_s']} s"
    )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {args.results}")


if __name__ == "__main__":
    main()

"""Ingest speed: records/s into SQLite and PostgreSQL, beside plain `executemany` of the same rows.

Data: the 113k ACM-CR BibTeX records (../shared/data/acm-cr) and a 100k-record JSONL file in
the Kaggle arXiv snapshot format, generated from those same records' real titles and
abstracts. For each (data, database) pair the script

1. ingests the file with `paperscope ingest` in a fresh process into a fresh database
   (read, parse, detect duplicates, merge, quarantine, write every table), and
2. copies every row that ingest wrote into a second fresh database with the driver's plain
   `executemany`, table by table (no parsing, no lookups): the practical limit,

and prints records/s for both and their ratio. Results go to bench/results/ingest.json.

With `--corpus DIR` it measures the generated benchmark corpus instead (bench/corpus.py: the
arXiv-Kaggle, OpenAlex and S2 files of DIR, with records of one work to merge across them):
ingest into a fresh SQLite and a fresh PostgreSQL database, each beside the raw bulk load of
the same rows in the same run (plain `executemany` on SQLite, COPY on PostgreSQL, into a fresh
database with the same schema and indexes). Its results go to the `corpus_<works>` entry of the
same file; the real-data `results` are kept.

Usage: python bench/ingest.py [--shared ../shared] [--skip-postgres] [--limit N]
       python bench/ingest.py --corpus /work/scale-data/corpus-100k [--skip-postgres|--skip-sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from paperscope.sources.bibtex import FORMATS as BIBTEX_FORMATS  # noqa: E402
from paperscope.sources.reading import open_members  # noqa: E402
from paperscope.store import Store  # noqa: E402
from paperscope.store.schema import metadata  # noqa: E402
from pgserver import PgServer, start_server  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ingest.json"


def _acm_records(tarball: Path) -> Iterator[Any]:
    parse = BIBTEX_FORMATS[0].parse
    for _member, stream in open_members(tarball):
        for result in parse(stream):
            record = getattr(result, "record", None)
            if record is not None:
                yield record


def write_jsonl(tarball: Path, target: Path, count: int) -> int:
    """A Kaggle-format JSONL file with `count` records made from ACM-CR's real text."""
    written = 0
    with target.open("w", encoding="utf-8") as out:
        for record in _acm_records(tarball):
            if written >= count:
                break
            authors = [a.name for a in record.authors] or ["Anonymous"]
            line = {
                "id": f"{2000 + written // 100000}.{written % 100000:05d}",
                "submitter": authors[0],
                "authors": ", ".join(authors),
                "title": record.title,
                "comments": None,
                "journal-ref": record.venue,
                "doi": None,
                "categories": "cs.IR cs.DL" if written % 2 else "cs.CL",
                "license": None,
                "abstract": record.abstract or "",
                "versions": [{"version": "v1", "created": "Mon, 1 Mar 2021 10:00:00 GMT"}],
                "update_date": "2021-03-02",
                "authors_parsed": [[n.split()[-1], " ".join(n.split()[:-1]), ""] for n in authors],
            }
            out.write(json.dumps(line) + "\n")
            written += 1
    return written


def copy_rows_with_executemany(source_url: str, target_url: str) -> tuple[float, int]:
    """Seconds to insert every row of `source_url` into `target_url`, and the row count."""
    source = create_engine(source_url)
    Store.open(target_url).close()
    target = create_engine(target_url)
    tables: list[tuple[str, list[str], list[tuple[Any, ...]]]] = []
    with source.connect() as connection:
        for table in metadata.sorted_tables:
            rows = [tuple(r) for r in connection.execute(select(table))]
            tables.append((table.name, [c.name for c in table.columns], rows))
    raw = target.raw_connection()
    cursor = raw.cursor()
    marker = "?" if target.dialect.name == "sqlite" else "%s"
    total = 0
    started = time.perf_counter()
    for name, columns, rows in tables:
        if not rows:
            continue
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{name}" ({quoted}) VALUES ({", ".join([marker] * len(columns))})'
        cursor.executemany(sql, rows)
        total += len(rows)
    raw.commit()
    elapsed = time.perf_counter() - started
    raw.close()
    source.dispose()
    target.dispose()
    return elapsed, total


def timed_ingest(path: Path | list[Path], url: str) -> tuple[float, dict[str, int]]:
    """Seconds for `paperscope ingest PATH...` in a fresh process, and the counts it printed."""
    Store.open(url).close()  # the schema exists before the clock starts, as for a user
    paths = [str(p) for p in (path if isinstance(path, list) else [path])]
    command = [sys.executable, "-m", "paperscope", "ingest", *paths, "--database", url]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    summary = done.stdout.splitlines()[0]  # "read 113512, new 113061, merged 161, ..."
    counts = {}
    for part in summary.split(", "):
        label, number = part.rsplit(" ", 1)
        counts[label.replace(" ", "_")] = int(number)
    return seconds, counts


def measure(name: str, path: Path, make_url: Callable[[], str]) -> dict[str, Any]:
    ingest_url, copy_url = make_url(), make_url()
    ingest_seconds, counts = timed_ingest(path, ingest_url)
    records = counts["read"]
    copy_seconds, rows = copy_rows_with_executemany(ingest_url, copy_url)
    result = {
        "data": name,
        "records": records,
        "ingest_seconds": round(ingest_seconds, 2),
        "ingest_records_per_s": round(records / ingest_seconds),
        "executemany_seconds": round(copy_seconds, 2),
        "executemany_rows": rows,
        "executemany_records_per_s": round(records / copy_seconds),
        "ratio_to_executemany": round(copy_seconds / ingest_seconds, 3),
        "counts": counts,
    }
    print(
        f"{name:<28} ingest {result['ingest_records_per_s']:>7} records/s "
        f"({ingest_seconds:.1f} s) | executemany {result['executemany_records_per_s']:>7} "
        f"records/s ({copy_seconds:.1f} s, {rows} rows) | ingest/raw "
        f"{result['ratio_to_executemany']:.0%} | new {counts['new']} merged {counts['merged']} "
        f"quarantined {counts['quarantined']}",
        flush=True,
    )
    return result


CORPUS_FOLDERS = ("arxiv", "openalex", "s2")
"""The corpus's source files (its `truth/` is for checking, not ingesting)."""
COPY_CHUNK = 20_000


def _table_rows(engine: Engine, name: str, columns: list[str]) -> Iterator[list[Any]]:
    """The rows of one table as the driver returns them, in chunks (memory stays bounded)."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True).exec_driver_sql(
            f'SELECT {quoted} FROM "{name}"'
        )
        while chunk := result.fetchmany(COPY_CHUNK):
            yield [tuple(row) for row in chunk]


def copy_rows(cursor: Any, source: Engine, postgres: bool) -> tuple[float, int]:
    """Every table's rows from `source` written through `cursor` by the driver's plainest
    bulk path (`executemany` of one INSERT per table on SQLite, COPY FROM STDIN on
    PostgreSQL): seconds spent writing (reading the source is not timed), and rows. The rows
    the migrations seed (content_changes' first version) are deleted first, untimed: the
    source's copies of them load like the rest."""
    total, seconds = 0, 0.0
    for table in metadata.sorted_tables:
        cursor.execute(f'DELETE FROM "{table.name}"')
        columns = [c.name for c in table.columns]
        quoted = ", ".join(f'"{c}"' for c in columns)
        markers = ", ".join("?" * len(columns))
        insert = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({markers})'
        for rows in _table_rows(source, table.name, columns):
            started = time.perf_counter()
            if postgres:
                with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(insert, rows)
            seconds += time.perf_counter() - started
            total += len(rows)
    return seconds, total


def bulk_load(source_url: str, target_url: str) -> tuple[float, int]:
    """Seconds to load every row of `source_url` into a fresh `target_url` (same schema and
    indexes) by the driver's plainest bulk path (`copy_rows`), and the row count; one
    transaction, on a connection set up as ingest's (`Store.bulk_connection`: the same
    SQLite pragmas)."""
    source, target = create_engine(source_url), Store.open(target_url)
    with target.bulk_connection() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        seconds, total = copy_rows(raw.cursor(), source, target.dialect == "postgresql")
        started = time.perf_counter()
        raw.commit()
        seconds += time.perf_counter() - started
    source.dispose()
    target.close()
    return seconds, total


def measure_corpus(name: str, corpus: Path, make_url: Callable[[], str]) -> dict[str, Any]:
    """Ingest the corpus into a fresh database, then bulk-load the rows it wrote into another."""
    paths = [corpus / folder for folder in CORPUS_FOLDERS if (corpus / folder).is_dir()]
    ingest_url, bulk_url = make_url(), make_url()
    # The machine may be shared: the 1-minute load average when each phase starts and ends
    # says how comparable the two timings are.
    loads = [os.getloadavg()[0]]
    ingest_seconds, counts = timed_ingest(paths, ingest_url)
    loads.append(os.getloadavg()[0])
    records = counts["read"]
    bulk_seconds, rows = bulk_load(ingest_url, bulk_url)
    loads.append(os.getloadavg()[0])
    method = "COPY" if ingest_url.startswith("postgresql") else "executemany"
    result = {
        "data": name,
        "records": records,
        "ingest_seconds": round(ingest_seconds, 2),
        "ingest_records_per_s": round(records / ingest_seconds),
        "bulk_method": method,
        "bulk_seconds": round(bulk_seconds, 2),
        "bulk_rows": rows,
        "bulk_records_per_s": round(records / bulk_seconds),
        "ratio_to_bulk": round(bulk_seconds / ingest_seconds, 3),
        "load_average": {
            "ingest_start": round(loads[0], 1),
            "ingest_end": round(loads[1], 1),
            "bulk_end": round(loads[2], 1),
        },
        "counts": counts,
    }
    print(
        f"{name:<32} ingest {result['ingest_records_per_s']:>7} records/s "
        f"({ingest_seconds:.1f} s) | {method} {result['bulk_records_per_s']:>7} records/s "
        f"({bulk_seconds:.1f} s, {rows} rows) | ingest/raw {result['ratio_to_bulk']:.0%} | "
        f"new {counts['new']} merged {counts['merged']} quarantined {counts['quarantined']} | "
        f"load average {loads[0]:.1f} -> {loads[1]:.1f} -> {loads[2]:.1f}",
        flush=True,
    )
    return result


def _sqlite_urls(folder: Path) -> Callable[[], str]:
    numbers = iter(range(1_000_000))
    return lambda: f"sqlite:///{folder / f'bench-{next(numbers)}.db'}"


def _postgres_urls(server: PgServer) -> Callable[[], str]:
    numbers = iter(range(1_000_000))
    return lambda: server.new_database(f"bench_{next(numbers)}")


def _write_results(entry: str, value: object) -> None:
    """Replace one entry of the results file (bench/results/ingest.json), keeping the others."""
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored[entry] = value
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(stored, indent=2) + "\n")
    print(f"wrote {RESULTS} ({entry})")


def _record_corpus_result(
    corpus: Path, description: dict[str, Any], result: dict[str, Any]
) -> None:
    """Add one measurement to the entry of this corpus size (`corpus_100000`, ...), replacing
    an older one of the same database: SQLite and PostgreSQL, and the 100k slice and the 1M
    corpus, may be measured by separate processes."""
    entry = f"corpus_{description['works']}"
    stored = json.loads(RESULTS.read_text()).get(entry, {}) if RESULTS.exists() else {}
    results = [r for r in stored.get("results", []) if r["data"] != result["data"]]
    _write_results(entry, {"corpus": str(corpus), **description, "results": [*results, result]})


def run_corpus(corpus: Path, scratch: Path, databases: list[str]) -> None:
    # A slice cut from a corpus by hand may have no corpus.json: it is named by its folder.
    summary = corpus / "corpus.json"
    description = json.loads(summary.read_text()) if summary.exists() else {"works": corpus.name}
    works = description["works"]
    label = f"corpus {works:,} works" if isinstance(works, int) else f"corpus {works}"
    if "sqlite" in databases:
        result = measure_corpus(f"{label} -> sqlite", corpus, _sqlite_urls(scratch))
        _record_corpus_result(corpus, description, result)
    if "postgresql" in databases:
        server = start_server()
        try:
            result = measure_corpus(f"{label} -> postgresql", corpus, _postgres_urls(server))
        finally:
            server.stop()
        _record_corpus_result(corpus, description, result)


def run_real_data(shared: Path, scratch: Path, limit: int, skip_postgres: bool) -> None:
    tarball = shared / "data" / "acm-cr" / "acm-dl-bibtex.tar.gz"
    if not tarball.exists():
        sys.exit(f"ACM-CR not found at {tarball}: pass --shared")
    jsonl = scratch / "snapshot.jsonl"
    write_jsonl(tarball, jsonl, limit)
    datasets = [("acm-cr bibtex", tarball), ("kaggle jsonl", jsonl)]
    sqlite_urls = _sqlite_urls(scratch)
    results = [measure(f"{n} -> sqlite", p, sqlite_urls) for n, p in datasets]
    if not skip_postgres:
        server = start_server()
        try:
            postgres_urls = _postgres_urls(server)
            results += [measure(f"{n} -> postgresql", p, postgres_urls) for n, p in datasets]
        finally:
            server.stop()
    _write_results("results", results)


def main() -> None:
    global RESULTS  # --results names another file
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true", help="with --corpus only")
    parser.add_argument("--limit", type=int, default=100_000, help="JSONL records to generate")
    parser.add_argument("--corpus", type=Path, help="a corpus made by bench/corpus.py")
    parser.add_argument("--scratch", type=Path, help="where the SQLite files go (default: /tmp)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the JSON file to update")
    args = parser.parse_args()
    RESULTS = args.results
    # A stopped run (kill PID) still stops its PostgreSQL server and removes its scratch files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="paperscope-bench-", dir=args.scratch) as scratch:
        if args.corpus:
            databases = ["sqlite"] * (not args.skip_sqlite)
            databases += ["postgresql"] * (not args.skip_postgres)
            run_corpus(args.corpus, Path(scratch), databases)
        else:
            run_real_data(args.shared, Path(scratch), args.limit, args.skip_postgres)


if __name__ == "__main__":
    main()

"""Ingest speed: records/s into SQLite and PostgreSQL, beside plain `executemany` of the same rows.

Data: the 113k ACM-CR BibTeX records (../shared/data/acm-cr) and a 100k-record JSONL file in
the Kaggle arXiv snapshot format, generated from those same records' real titles and
abstracts. For each (data, database) pair the script

1. ingests the file with `paperscope ingest` in a fresh process into a fresh database
   (read, parse, detect duplicates, merge, quarantine, write every table), and
2. copies every row that ingest wrote into a second fresh database with the driver's plain
   `executemany`, table by table (no parsing, no lookups): the practical limit,

and prints records/s for both and their ratio. Results go to bench/results/ingest.json.

Usage: python bench/ingest.py [--shared ../shared] [--skip-postgres] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

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


def timed_ingest(path: Path, url: str) -> tuple[float, dict[str, int]]:
    """Seconds for `paperscope ingest PATH` in a fresh process, and the counts it printed."""
    Store.open(url).close()  # the schema exists before the clock starts, as for a user
    command = [sys.executable, "-m", "paperscope", "ingest", str(path), "--database", url]
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


def _sqlite_urls(folder: Path) -> Callable[[], str]:
    numbers = iter(range(1_000_000))
    return lambda: f"sqlite:///{folder / f'bench-{next(numbers)}.db'}"


def _postgres_urls(server: PgServer) -> Callable[[], str]:
    numbers = iter(range(1_000_000))
    return lambda: server.new_database(f"bench_{next(numbers)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--limit", type=int, default=100_000, help="JSONL records to generate")
    args = parser.parse_args()
    tarball = args.shared / "data" / "acm-cr" / "acm-dl-bibtex.tar.gz"
    if not tarball.exists():
        sys.exit(f"ACM-CR not found at {tarball}: pass --shared")
    with tempfile.TemporaryDirectory(prefix="paperscope-bench-") as scratch:
        folder = Path(scratch)
        jsonl = folder / "snapshot.jsonl"
        write_jsonl(tarball, jsonl, args.limit)
        datasets = [("acm-cr bibtex", tarball), ("kaggle jsonl", jsonl)]
        sqlite_urls = _sqlite_urls(folder)
        results = [measure(f"{n} -> sqlite", p, sqlite_urls) for n, p in datasets]
        if not args.skip_postgres:
            server = start_server()
            try:
                postgres_urls = _postgres_urls(server)
                results += [measure(f"{n} -> postgresql", p, postgres_urls) for n, p in datasets]
            finally:
                server.stop()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"results": results}, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Commands that read files into the database and report on what it holds."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import Connection, Select, func, select

from paperscope.cli.app import DatabaseOption, app, console, errors, open_store
from paperscope.cli.progress import progress_bar
from paperscope.config import Settings
from paperscope.ingest import IngestCounts
from paperscope.pipeline.runner import run_stage
from paperscope.pipeline.stages import RunOptions
from paperscope.read.works import table_counts
from paperscope.store import Store
from paperscope.store.schema import quarantine


def summary(counts: IngestCounts) -> str:
    """The counts on one line, then a line for each file that needs a word."""
    lines = [
        f"read {counts.read}, new {counts.new}, merged {counts.merged}, "
        f"updated {counts.updated}, unchanged {counts.unchanged}, "
        f"quarantined {counts.quarantined}, citations {counts.citations}, "
        f"abstracts {counts.abstracts}, authors {counts.authors}, "
        f"skipped files {counts.skipped_files}, references linked {counts.references_linked}"
    ]
    lines += [f"decoded {note}" for note in counts.encoding_notes]
    lines += [f"no records in {note}" for note in counts.empty_files]
    lines += [f"gave no records: {name}" for name in counts.files_without_records]
    return "\n".join(lines)


def run_ingest(store: Store, paths: list[Path], fmt: str | None, strict: bool) -> IngestCounts:
    """The ingest stage, with a progress bar on a terminal."""
    options = RunOptions(paths=tuple(paths), format_name=fmt, strict=strict)
    with progress_bar() as progress:
        result = run_stage(store, Settings(), "ingest", options, progress)
    counts: IngestCounts = result.details
    return counts


def _named_without_records(paths: list[Path], counts: IngestCounts) -> list[str]:
    """The files named on the command line (not folders) that gave no record at all."""
    failed = set(counts.files_without_records)
    return [str(path) for path in paths if path.is_file() and str(path.resolve()) in failed]


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or archives to ingest.")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Skip detection: use this format.")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop with exit code 3 at the first malformed record.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Parse paper metadata files into the database; safe to rerun.

    Exits 1 when a file named on the command line gave no record (everything else is kept).

    Example: paperscope ingest ../shared/data/aan ../shared/data/recordings/openalex-works
    """
    store = open_store(database)
    counts = run_ingest(store, paths, format, strict)
    console.print(summary(counts), markup=False)
    if counts.quarantined or counts.files_without_records:
        console.print(f"see the quarantined records with: paperscope quarantine --run {counts.run}")
    failed = _named_without_records(paths, counts)
    if failed:
        errors.print(f"no records from {', '.join(failed)}", markup=False)
        raise typer.Exit(1)


@app.command()
def formats() -> None:
    """List the formats paperscope reads (detected by content).

    Example: paperscope formats
    """
    from paperscope.sources.detect import all_formats

    table = Table("format", "what")
    for fmt in all_formats():
        table.add_row(fmt.name, fmt.description)
    console.print(table)


@app.command()
def stats(database: DatabaseOption = None) -> None:
    """Count what the database holds.

    Example: paperscope stats
    """
    with open_store(database).connect() as connection:
        for table, count in table_counts(connection).items():
            console.print(f"{table:>16}: {count}")


_MASKED = re.compile(r"'[^']*'|\"[^\"]*\"|\d[\d,.]*")


def reason_kind(reason: str) -> str:
    """A reason with its particulars (quoted values, numbers) masked, for counting alike ones."""
    return _MASKED.sub("…", reason)[:200]


@app.command("quarantine")
def show_quarantine(
    file: Annotated[
        str | None, typer.Option("--file", help="Only records of files whose name holds this.")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Only records whose reason holds this.")
    ] = None,
    run: Annotated[
        str | None,
        typer.Option("--run", help="Only what this ingest run quarantined ('latest': the last)."),
    ] = None,
    count: Annotated[
        bool, typer.Option("--count", help="Count by run, by file and by kind of reason.")
    ] = False,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    limit: Annotated[int, typer.Option(help="How many to show (newest first).")] = 20,
    database: DatabaseOption = None,
) -> None:
    """Show records that could not be ingested, newest first: file, position, field, reason.

    Example: paperscope quarantine --run latest --reason "size cap" --limit 5
    """
    if output not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    with open_store(database).connect() as connection:
        found = quarantined(connection, file=file, reason=reason, run=run)
        if count:
            counted = quarantine_counts(connection, found)
            if output == "json":
                console.print_json(json.dumps(counted))
            else:
                _print_counts(counted)
            return
        rows = connection.execute(found.order_by(*NEWEST_FIRST).limit(limit)).mappings().all()
    if output == "json":
        console.print_json(json.dumps([dict(row) for row in rows]))
        return
    for row in rows:
        field = f", field {row['field']}" if row["field"] else ""
        console.print(
            f"{row['file']}: {row['position']}{field}: {row['reason']}  [run {row['run'] or '-'}]",
            markup=False,
        )


NEWEST_FIRST = (quarantine.c.run.desc().nulls_last(), quarantine.c.id.desc())


def quarantined(
    connection: Connection,
    *,
    file: str | None = None,
    reason: str | None = None,
    run: str | None = None,
) -> Select[Any]:
    """The quarantine rows that match every filter given."""
    query = select(
        quarantine.c.id,
        quarantine.c.run,
        quarantine.c.format,
        quarantine.c.file,
        quarantine.c.position,
        quarantine.c.field,
        quarantine.c.reason,
        quarantine.c.raw,
    )
    if file:
        query = query.where(quarantine.c.file.contains(file, autoescape=True))
    if reason:
        query = query.where(quarantine.c.reason.contains(reason, autoescape=True))
    if run == "latest":
        latest = select(func.max(quarantine.c.run)).scalar_subquery()
        query = query.where(quarantine.c.run == latest)
    elif run:
        query = query.where(quarantine.c.run == run)
    return query


def quarantine_counts(connection: Connection, found: Select[Any]) -> dict[str, Any]:
    """How many rows `found` holds, by run, by file and by kind of reason (most first)."""
    rows = found.subquery()
    by_run: Counter[str] = Counter()
    by_file: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    total = 0
    query = select(rows.c.run, rows.c.file, rows.c.reason)
    for row_run, row_file, row_reason in connection.execute(query):
        total += 1
        by_run[row_run or "-"] += 1
        by_file[row_file] += 1
        by_reason[reason_kind(row_reason)] += 1
    return {
        "total": total,
        "runs": dict(sorted(by_run.items(), reverse=True)),
        "files": dict(by_file.most_common()),
        "reasons": dict(by_reason.most_common()),
    }


def _print_counts(counted: dict[str, Any]) -> None:
    console.print(f"{counted['total']} quarantined", markup=False)
    for title in ("runs", "files", "reasons"):
        table = Table(title[:-1], "records")
        for name, number in counted[title].items():
            table.add_row(name, str(number))
        console.print(table)

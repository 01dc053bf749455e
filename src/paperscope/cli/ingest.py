"""Commands that read files into the database and report on what it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.cli.progress import progress_bar
from paperscope.config import Settings
from paperscope.ingest import IngestCounts
from paperscope.pipeline.runner import run_stage
from paperscope.pipeline.stages import RunOptions
from paperscope.read.works import table_counts
from paperscope.store import Store


def summary(counts: IngestCounts) -> str:
    return (
        f"read {counts.read}, new {counts.new}, merged {counts.merged}, "
        f"updated {counts.updated}, unchanged {counts.unchanged}, "
        f"quarantined {counts.quarantined}, citations {counts.citations}, "
        f"abstracts {counts.abstracts}, authors {counts.authors}, "
        f"skipped files {counts.skipped_files}, references linked {counts.references_linked}"
    )


def run_ingest(store: Store, paths: list[Path], fmt: str | None, strict: bool) -> IngestCounts:
    """The ingest stage, with a progress bar on a terminal."""
    options = RunOptions(paths=tuple(paths), format_name=fmt, strict=strict)
    with progress_bar() as progress:
        result = run_stage(store, Settings(), "ingest", options, progress)
    counts: IngestCounts = result.details
    return counts


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

    Example: paperscope ingest ../shared/data/aan ../shared/data/recordings/openalex-works
    """
    store = open_store(database)
    counts = run_ingest(store, paths, format, strict)
    console.print(summary(counts))
    if counts.quarantined:
        console.print("see the quarantined records with: paperscope quarantine")


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


@app.command("quarantine")
def show_quarantine(
    limit: Annotated[int, typer.Option(help="How many to show.")] = 20,
    database: DatabaseOption = None,
) -> None:
    """Show records that could not be ingested, with file, position, field and reason.

    Example: paperscope quarantine --limit 5
    """
    from sqlalchemy import select

    from paperscope.store.schema import quarantine

    with open_store(database).connect() as connection:
        rows = connection.execute(select(quarantine).order_by(quarantine.c.id).limit(limit))
        for row in rows.mappings():
            field = f", field {row['field']}" if row["field"] else ""
            console.print(f"{row['file']}: {row['position']}{field}: {row['reason']}", markup=False)

"""The `paperscope` command: one subcommand per stage; errors become exit codes, not tracebacks."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from paperscope.config import Settings
from paperscope.errors import ConfigError, PaperscopeError
from paperscope.ingest import IngestCounts, ingest_paths
from paperscope.metrics.profile import Profile, build_profile
from paperscope.store import Store
from paperscope.store.queries import table_counts, works_by_name

app = typer.Typer(
    help="paperscope: research-paper metadata, authors and metrics you can check.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
errors = Console(stderr=True)


def _store(database: str | None) -> Store:
    settings = Settings()
    return Store.open(database or settings.resolved_database_url())


DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", "-d", help="SQLAlchemy URL; default from PAPERSCOPE_DATABASE_URL."),
]


class RichIngestProgress:
    """Draws the ingest as a rich progress bar (only on a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("ingest", total=None)

    def file_started(self, name: str, format_name: str) -> None:
        self.progress.update(self.task, description=f"{format_name}: {Path(name).name}")

    def records_done(self, count: int) -> None:
        self.progress.advance(self.task, count)

    def file_skipped(self, name: str, reason: str) -> None:
        self.progress.console.print(f"[dim]skipped {name}: {reason}[/dim]")


def _summary(counts: IngestCounts) -> str:
    return (
        f"read {counts.read}, new {counts.new}, merged {counts.merged}, "
        f"updated {counts.updated}, unchanged {counts.unchanged}, "
        f"quarantined {counts.quarantined}, citations {counts.citations}, "
        f"abstracts {counts.abstracts}, authors {counts.authors}, "
        f"skipped files {counts.skipped_files}"
    )


def run_ingest(store: Store, paths: list[Path], fmt: str | None, strict: bool) -> IngestCounts:
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("records"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=errors, disable=not errors.is_terminal) as progress:
        return ingest_paths(
            store,
            paths,
            format_name=fmt,
            strict=strict,
            batch_size=Settings().ingest_batch_size,
            progress=RichIngestProgress(progress),
        )


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
    store = _store(database)
    counts = run_ingest(store, paths, format, strict)
    console.print(_summary(counts))
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
    with _store(database).connect() as connection:
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

    with _store(database).connect() as connection:
        rows = connection.execute(select(quarantine).order_by(quarantine.c.id).limit(limit))
        for row in rows.mappings():
            field = f", field {row['field']}" if row["field"] else ""
            console.print(f"{row['file']}: {row['position']}{field}: {row['reason']}", markup=False)


def _render_profile(profile: Profile) -> str:
    lines = [
        profile.name,
        "",
        profile.primary_category or "-",
        f"h-index {profile.h_index}",
        f"{profile.papers} papers",
        f"{profile.citations} citations",
        f"i10-index {profile.i10_index} · g-index {profile.g_index}",
        "",
    ]
    for work in profile.works:
        authors = ", ".join(work.authors[:3]) + (" et al." if len(work.authors) > 3 else "")
        badge = "Code " + " ".join(work.code_urls) if work.code_urls else ""
        lines += [
            f"{work.primary_category or '-'} {work.year or '?'} {badge}".rstrip(),
            work.title,
            authors,
            f"{work.citations} citations (in corpus {work.in_corpus_citations}, "
            f"reported {work.reported_citations if work.reported_citations is not None else '-'})",
            "",
        ]
    return "\n".join(lines)


@app.command()
def author(
    name: Annotated[str, typer.Argument(help="The author's name as printed on papers.")],
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    database: DatabaseOption = None,
) -> None:
    """Show the works printed under a name, with metrics computed from exactly those works.

    Example: paperscope author "Michael Collins"
    """
    with _store(database).connect() as connection:
        profile = build_profile(name, works_by_name(connection, name))
    if not profile.works:
        raise PaperscopeError(f"no works by {name!r} in the database")
    if output == "json":
        payload = {
            "name": profile.name,
            "papers": profile.papers,
            "citations": profile.citations,
            "h_index": profile.h_index,
            "i10_index": profile.i10_index,
            "g_index": profile.g_index,
            "primary_category": profile.primary_category,
            "works": [
                {"title": w.title, "year": w.year, "citations": w.citations} for w in profile.works
            ],
        }
        console.print_json(json.dumps(payload))
        return
    console.print(_render_profile(profile), markup=False, highlight=False)


@app.command()
def demo(
    source: Annotated[
        list[Path] | None, typer.Option("--from", help="Ingest these files instead of the samples.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Build a demo database from sample data and show a summary and one author profile.

    Example: paperscope demo --from ../shared/data/aan
    """
    from paperscope.demo import demo_author, demo_sources

    store = _store(database)
    paths = source or demo_sources()
    counts = run_ingest(store, paths, None, False)
    console.print(_summary(counts))
    stats(database)
    with store.connect() as connection:
        name = demo_author(connection)
    if name:
        console.rule(f"author profile: {name}")
        author(name, "text", database)


def _harvest_options(
    category: str | None,
    date_from: str | None,
    date_until: str | None,
    search: str | None,
    filter_: str | None,
    kind: str | None,
    ids: list[str] | None,
    query: str | None,
) -> dict[str, object]:
    """The query fields the user gave, typed; the source's query class checks the rest."""
    from datetime import date

    options: dict[str, object] = {
        "category": category,
        "search": search,
        "filter": filter_,
        "kind": kind,
        "ids": tuple(ids) if ids else None,
        "query": query,
    }
    try:
        options["date_from"] = date.fromisoformat(date_from) if date_from else None
        options["date_until"] = date.fromisoformat(date_until) if date_until else None
    except ValueError as error:
        raise ConfigError(f"dates are YYYY-MM-DD: {error}") from error
    return {name: value for name, value in options.items() if value is not None}


@app.command()
def harvest(
    source: Annotated[str, typer.Argument(help="arxiv, arxiv-oai, openalex, s2 or hf")],
    category: Annotated[str | None, typer.Option(help="arXiv category, e.g. cs.CL")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    date_until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD")] = None,
    search: Annotated[str | None, typer.Option(help="Search words (arXiv, OpenAlex)")] = None,
    filter_: Annotated[str | None, typer.Option("--filter", help="OpenAlex filter")] = None,
    kind: Annotated[str | None, typer.Option(help="S2: batch, citations, ...")] = None,
    ids: Annotated[list[str] | None, typer.Option("--id", help="S2 paper/author id")] = None,
    query: Annotated[str | None, typer.Option(help="S2 bulk-search query")] = None,
    max_pages: Annotated[int | None, typer.Option(help="Stop after this many pages")] = None,
    then_ingest: Annotated[bool, typer.Option("--ingest/--no-ingest")] = True,
    database: DatabaseOption = None,
) -> None:
    """Fetch raw responses from a live API to disk (politely, resumably), then ingest them.

    Example: paperscope harvest arxiv --category cs.CL --from 2026-11-01 --until 2026-11-20
    """
    from paperscope.harvest import harvest as run_harvest

    settings = Settings()
    options = _harvest_options(category, date_from, date_until, search, filter_, kind, ids, query)
    try:
        result = run_harvest(source, options, settings, max_pages=max_pages)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"harvest {source}: {error}") from error
    state = "complete" if result.complete else "more pages remain"
    console.print(
        f"harvest {source}: {len(result.files_written)} pages written, "
        f"{result.pages_skipped} already done, {result.requests} requests ({state}) "
        f"-> {result.directory}"
    )
    if then_ingest and result.directory.exists():
        console.print(_summary(run_ingest(_store(database), [result.directory], None, False)))


@app.command()
def update(database: DatabaseOption = None) -> None:
    """Run the pipeline once for cron: harvest the configured queries, ingest what arrived.

    Configure with PAPERSCOPE_HARVEST_QUERIES (see the README). A run that finds another
    still going exits with code 75 and does nothing.

    Example: paperscope update
    """
    from paperscope.update import run_update

    for line in run_update(Settings(), _store(database)):
        console.print(line, markup=False)


def main() -> None:
    try:
        app()
    except PaperscopeError as error:
        errors.print(f"error: {error}", markup=False, highlight=False)
        sys.exit(error.exit_code)

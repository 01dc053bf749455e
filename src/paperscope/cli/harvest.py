"""Commands that fetch from live APIs and run the pipeline for cron."""

from __future__ import annotations

from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.cli.ingest import run_ingest, summary
from paperscope.config import Settings
from paperscope.errors import ConfigError


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
        console.print(summary(run_ingest(open_store(database), [result.directory], None, False)))


@app.command()
def update(database: DatabaseOption = None) -> None:
    """Run the pipeline once for cron: harvest the configured queries, ingest what arrived.

    Configure with PAPERSCOPE_HARVEST_QUERIES (see the README). A run that finds another
    still going exits with code 75 and does nothing.

    Example: paperscope update
    """
    from paperscope.cli.progress import progress_bar
    from paperscope.pipeline.runner import run_update

    with progress_bar() as progress:
        lines = run_update(Settings(), open_store(database), progress=progress)
    for line in lines:
        console.print(line, markup=False)

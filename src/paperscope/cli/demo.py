"""`paperscope demo`: a database built from sample data, ready to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.cli.ingest import run_ingest, stats, summary
from paperscope.cli.profiles import author


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

    store = open_store(database)
    paths = source or demo_sources()
    counts = run_ingest(store, paths, None, False)
    console.print(summary(counts))
    stats(database)
    with store.connect() as connection:
        name = demo_author(connection)
    if name:
        console.rule(f"author profile: {name}")
        author(name, "text", database)

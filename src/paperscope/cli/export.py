"""`paperscope export`: works as BibTeX, RIS, CSL-JSON or JSON Lines, to stdout or a file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from paperscope.cli.app import DatabaseOption, app, errors, open_store
from paperscope.errors import NotFoundError, QueryError

if TYPE_CHECKING:
    from paperscope.export.formats import ExportFormat
    from paperscope.store import Store


@app.command("export")
def export_command(
    format: Annotated[
        str, typer.Option("--format", "-f", help="bibtex, ris, csl-json or jsonl")
    ] = "bibtex",
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Works matching every keyword.")
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="Works with an author whose name holds this.")
    ] = None,
    ids: Annotated[
        list[str] | None,
        typer.Option("--ids", help="A work id or scheme:value (doi:..., arxiv:...); repeatable."),
    ] = None,
    library: Annotated[
        str | None, typer.Option("--library", help="A user's library, by email address.")
    ] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="With --library: one tag.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    page_size: Annotated[
        int, typer.Option("--page-size", help="Works loaded per page (memory holds one page).")
    ] = 1000,
    database: DatabaseOption = None,
) -> None:
    """Export works: all of them, those matching --query and/or --author, the --ids given, or
    a user's --library. The store is read page by page, so any size exports in bounded
    memory. Ids that name no work are reported and make the exit code 1.

    Example: paperscope export --query "graph neural network" --format ris -o gnn.ris
    """
    from paperscope.export.formats import export_format

    fmt = export_format(format)
    if library is not None and (query or author or ids):
        raise QueryError("--library exports a library: it does not combine with other choices")
    if tag is not None and library is None:
        raise QueryError("--tag chooses a tag of a --library")
    if ids and (query or author):
        raise QueryError("--ids names the works: it does not combine with --query or --author")
    store = open_store(database)
    out: TextIO = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        unknown = _export(store, fmt, out, query, author, ids or [], library, tag, page_size)
    finally:
        if output:
            out.close()
    for ref in unknown:
        errors.print(f"no work {ref!r}: left out", markup=False, highlight=False, soft_wrap=True)
    if unknown:
        raise typer.Exit(1)


def _export(
    store: Store,
    fmt: ExportFormat,
    out: TextIO,
    query: str | None,
    author: str | None,
    refs: list[str],
    library: str | None,
    tag: str | None,
    page_size: int,
) -> list[str]:
    from paperscope.accounts.users import find_user, normalise_email
    from paperscope.cli.progress import progress_bar
    from paperscope.export.formats import render
    from paperscope.export.library import library_items
    from paperscope.export.works import Selection, export_works, resolve_ids

    if library is not None:
        with store.connect() as connection:
            owner = find_user(connection, normalise_email(library))
            if owner is None:
                raise NotFoundError(f"no user {library!r}")
            out.write(render(fmt, library_items(connection, owner.id, tag)))
        return []
    unknown: list[str] = []
    selection = Selection(query=query, author=author)
    if refs:
        with store.connect() as connection:
            found, unknown = resolve_ids(connection, refs)
        selection = Selection(ids=tuple(found))
        if not found:
            return unknown
    with progress_bar() as progress:
        export_works(store, selection, fmt, out, progress, page_size)
    return unknown

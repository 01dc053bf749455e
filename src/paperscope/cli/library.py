"""A user's library from the command line: `library import FILE --user EMAIL` (BibTeX, RIS or
CSL-JSON from Zotero, Mendeley or JabRef) and `library export --user EMAIL`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console, errors, open_store
from paperscope.errors import NotFoundError

library_app = typer.Typer(help="A user's library: import from and export to reference managers.")
app.add_typer(library_app, name="library")

UserOption = Annotated[str, typer.Option("--user", help="The library owner's email address.")]
TagOption = Annotated[
    str | None, typer.Option("--tag", help="Only the items with this tag (a library folder).")
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]


@library_app.command("import")
def library_import(
    file: Annotated[Path, typer.Argument(help="A BibTeX, RIS or CSL-JSON library export.")],
    user: UserOption,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="bibtex, ris or csl-json (default: detect)")
    ] = None,
    tag: Annotated[
        str | None, typer.Option("--tag", help="File every imported item under this tag.")
    ] = None,
    keyword_tags: Annotated[
        bool,
        typer.Option(
            "--keyword-tags/--no-keyword-tags",
            help="Turn the file's keywords (Zotero's tags) into tags.",
        ),
    ] = True,
    database: DatabaseOption = None,
) -> None:
    """Import a Zotero, Mendeley or JabRef library: each item matched to a stored work by DOI,
    arXiv id, then title + year; unmatched items are kept (and matched when an ingest brings
    their work); unreadable items are listed with their position. The user is created if
    there is none with this address. Safe to rerun: nothing is duplicated.

    Example: paperscope library import "My Library.ris" --user ada@example.org --tag zotero
    """
    from paperscope.accounts.clock import utcnow
    from paperscope.accounts.library_import import import_library
    from paperscope.accounts.users import normalise_email, user_for_email
    from paperscope.config import Settings
    from paperscope.sources.base import Limits

    settings = Settings()
    limits = Limits(settings.max_record_bytes, settings.max_document_bytes)
    if not file.is_file():
        raise NotFoundError(f"no file {file}")
    email = normalise_email(user)
    with open_store(database).transaction() as connection, file.open("rb") as stream:
        owner = user_for_email(connection, email, utcnow(), verified=False)
        report = import_library(
            connection,
            owner.id,
            stream,
            file.name,
            utcnow(),
            format_name=format,
            tag=tag,
            keyword_tags=keyword_tags,
            limits=limits,
        )
    console.print(f"{file}: {report.summary}", markup=False, highlight=False, soft_wrap=True)
    for problem in report.problems:
        field = f", field {problem.field}" if problem.field else ""
        errors.print(
            f"{file}: {problem.position}{field}: {problem.reason}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if report.unreadable > len(report.problems):
        errors.print(f"... and {report.unreadable - len(report.problems)} more unreadable items")


@library_app.command("export")
def library_export_command(
    user: UserOption,
    format: Annotated[
        str, typer.Option("--format", "-f", help="bibtex, ris or csl-json")
    ] = "bibtex",
    tag: TagOption = None,
    output: OutputOption = None,
    database: DatabaseOption = None,
) -> None:
    """Export a user's library (or one tag of it) for a reference manager.

    Example: paperscope library export --user ada@example.org --format ris --tag to-read
    """
    from paperscope.accounts.users import find_user, normalise_email
    from paperscope.export.formats import LIBRARY_EXPORT_FORMATS, export_format
    from paperscope.export.library import library_export

    export_format(format, LIBRARY_EXPORT_FORMATS)
    with open_store(database).connect() as connection:
        owner = find_user(connection, normalise_email(user))
        if owner is None:
            raise NotFoundError(f"no user {user!r}")
        text = library_export(connection, owner.id, format, tag)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")

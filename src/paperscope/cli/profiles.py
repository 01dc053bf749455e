"""Author profiles and the scores behind them: `paperscope author`, `score` and `pages`."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console, errors, open_store
from paperscope.errors import NotFoundError, QueryError


@app.command()
def author(
    name: Annotated[str, typer.Argument(help="A name as printed on papers, or a person id.")],
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    database: DatabaseOption = None,
    sort: Annotated[str, typer.Option("--sort", help="date, score or citations")] = "date",
    today: Annotated[
        str | None, typer.Option("--today", help="YYYY-MM-DD: the day dates are printed for.")
    ] = None,
) -> None:
    """Show a person's works with metrics computed from exactly those works.

    A name that matches several people lists them first (years, categories, co-authors,
    person ids), then prints each person's profile. A resolved person's profile says how
    sure paperscope is that one person wrote its works, and why (`paperscope resolve`).

    Example: paperscope author "Michael Collins" --sort citations
    """
    from paperscope.cli.profile_text import (
        namesakes_text,
        profile_json,
        profile_text,
        section_heading,
    )
    from paperscope.metrics.profile import SORTS, lookup_people, person_profile

    if output not in ("text", "json"):
        raise QueryError(f"unknown format {output!r}: use text or json")
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}: use {', '.join(SORTS)}")
    day = _day(today)
    with open_store(database).connect() as connection:
        found = lookup_people(connection, name)
        if not found:
            raise NotFoundError(f"no works by {name!r} in the database")
        profiles = [person_profile(connection, person, sort, today=day) for person in found]
    if output == "json":
        payload = [profile_json(p) for p in profiles]
        console.print_json(json.dumps(payload[0] if len(payload) == 1 else payload))
        return
    if len(profiles) == 1:
        _print(profile_text(profiles[0]))
        if profiles[0].person.provisional:
            errors.print(
                f"note: {found[0].name!r} is provisional: the works printed under this name that "
                "no resolved person claims (run `paperscope resolve` to tell people apart)",
                markup=False,
                highlight=False,
            )
        return
    _print(namesakes_text(name, found))
    for number, profile in enumerate(profiles, start=1):
        _print("\n" + section_heading(number, len(profiles), profile.person) + "\n")
        _print(profile_text(profile))


def _day(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise QueryError(f"--today must be YYYY-MM-DD, not {text!r}") from error


def _print(text: str) -> None:
    console.print(text, markup=False, highlight=False, end="")


@app.command()
def score(
    full: Annotated[
        bool, typer.Option("--full", help="Recompute every work and person, not only new ones.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Compute citations, h/i10/g-index, novelty and AI scores, and store them.

    Incremental by default: only new works, the works they cite, and their authors' people
    are recomputed. --full recomputes everything (also done when the definitions changed).

    Example: paperscope score --full
    """
    from paperscope.cli.progress import progress_bar
    from paperscope.config import Settings
    from paperscope.pipeline.runner import run_stage
    from paperscope.pipeline.stages import RunOptions

    with progress_bar() as progress:
        result = run_stage(
            open_store(database), Settings(), "score", RunOptions(full=full), progress
        )
    console.print(result.details.summary(), markup=False, highlight=False)


@app.command()
def pages(
    min_works: Annotated[
        int, typer.Option("--min-works", min=1, help="Store pages with at least this many works.")
    ] = 100,
    database: DatabaseOption = None,
) -> None:
    """Store the author pages of prolific people and common names (100 works or more).

    Such a page is computed from thousands of works; stored, its first visit reads one row
    and the works it shows. A stored page is shown only while nothing it reads has changed
    (any ingest, resolve, score or correction retires them all until the next run);
    `paperscope update` runs this after `score`.

    Example: paperscope pages
    """
    from paperscope.cli.progress import progress_bar
    from paperscope.config import Settings
    from paperscope.pipeline.runner import run_stage
    from paperscope.pipeline.stages import RunOptions

    with progress_bar() as progress:
        options = RunOptions(min_works=min_works)
        result = run_stage(open_store(database), Settings(), "pages", options, progress)
    console.print(result.summary, markup=False, highlight=False)

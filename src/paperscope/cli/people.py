"""People: resolve authorships into people; show, merge, split, correct and re-cluster them."""

from __future__ import annotations

from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.errors import NotFoundError, QueryError

people_app = typer.Typer(
    help="Who is who: show, merge, split, correct and re-cluster people.", no_args_is_help=True
)
app.add_typer(people_app, name="people")


def _run_resolve(database: str | None, full: bool) -> None:
    from paperscope.cli.progress import progress_bar
    from paperscope.config import Settings
    from paperscope.pipeline.runner import run_stage
    from paperscope.pipeline.stages import RunOptions

    store = open_store(database)
    with progress_bar() as progress:
        result = run_stage(store, Settings(), "resolve", RunOptions(full=full), progress)
    report = result.details
    console.print(
        f"people ({report.mode}): {report.authorships} authorships in {report.blocks} blocks, "
        f"{report.people_created} people created, {report.people_removed} removed; "
        f"model: {report.model}",
        markup=False,
        highlight=False,
    )


@app.command()
def resolve(
    full: Annotated[
        bool, typer.Option("--full", help="Re-cluster every authorship, not only new ones.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Cluster authorships into people (references are linked by `paperscope ingest`).

    New authorships join an existing person of the same name block or form new people;
    stored corrections (people merge / split) and ORCIDs always hold.

    Example: paperscope resolve
    """
    _run_resolve(database, full)


@people_app.command("recluster")
def recluster(database: DatabaseOption = None) -> None:
    """Re-cluster every authorship from scratch (ids kept where a person did not change).

    Example: paperscope people recluster
    """
    _run_resolve(database, True)


@people_app.command("show")
def show(
    person: Annotated[str, typer.Argument(help="A person id, or a name as printed.")],
    database: DatabaseOption = None,
) -> None:
    """Show a person (or every person printing a name): works, confidence, and why.

    Example: paperscope people show "Haoyu Ren"
    """
    from paperscope.identity.manage import people_named, person_details

    with open_store(database).connect() as connection:
        ids = [int(person)] if person.isdigit() else people_named(connection, person)
        if not ids:
            raise NotFoundError(f"no resolved person printed as {person!r}: run paperscope resolve")
        details = [person_details(connection, pid) for pid in ids]
    if len(details) > 1:
        console.print(f"{len(details)} people print the name {person!r}:\n", markup=False)
    for d in details:
        confidence = f"{d.confidence:.2f}" if d.confidence is not None else "-"
        console.print(
            f"person {d.id}: {d.canonical_name} ({len(d.works)} works, confidence {confidence},"
            f" block {d.block_key or '-'})",
            markup=False,
            highlight=False,
        )
        if d.note:
            console.print(f"  note: {d.note}", markup=False, highlight=False)
        for w in d.works:
            c = f"{w.confidence:.2f}" if w.confidence is not None else "-"
            console.print(
                f"  {w.year or '????'}  [{c}]  {w.title}  ({w.external_id or w.work_id})",
                markup=False,
                highlight=False,
            )
        console.print("")


@people_app.command("merge")
def merge(
    keep: Annotated[int, typer.Argument(help="The person to keep.")],
    other: Annotated[int, typer.Argument(help="The person merged into it.")],
    database: DatabaseOption = None,
) -> None:
    """Merge two people for good (stored; survives re-ingest and re-clustering).

    Example: paperscope people merge 12 34
    """
    from paperscope.identity.manage import merge_people

    with open_store(database).transaction() as connection:
        correction = merge_people(connection, keep, other)
    console.print(f"merged person {other} into {keep} (correction {correction})", markup=False)


@people_app.command("split")
def split(
    person: Annotated[int, typer.Argument(help="The person to split.")],
    works: Annotated[
        list[str],
        typer.Option("--works", "-w", help="Works to move out: row id or scheme:value; repeat."),
    ],
    database: DatabaseOption = None,
) -> None:
    """Move some works of a person to a new person, for good (stored as a correction).

    Example: paperscope people split 12 --works arxiv:1711.04048 --works 57
    """
    from paperscope.identity.manage import split_person

    with open_store(database).transaction() as connection:
        new_id = split_person(connection, person, works)
    console.print(f"split {len(works)} works of person {person} into person {new_id}", markup=False)


@people_app.command("remove")
def remove(
    person: Annotated[int, typer.Argument(help="The person whose works are not theirs.")],
    works: Annotated[
        list[str],
        typer.Option("--works", "-w", help="Works to take off: row id or scheme:value; repeat."),
    ],
    database: DatabaseOption = None,
) -> None:
    """Take works off a person for good (each becomes a person of its own; stored).

    Unlike a split, the works removed need not be one other person's.

    Example: paperscope people remove 12 --works doi:10.1000/xyz
    """
    from paperscope.identity.manage import remove_works

    with open_store(database).transaction() as connection:
        correction = remove_works(connection, person, works)
    console.print(
        f"removed {len(works)} works from person {person} (correction {correction})", markup=False
    )


@people_app.command("revert")
def revert(
    correction: Annotated[int, typer.Argument(help="The correction to cancel.")],
    database: DatabaseOption = None,
) -> None:
    """Cancel a stored correction for good (an audited revert) and undo it now.

    Example: paperscope people revert 7
    """
    from paperscope.identity.manage import revert_correction

    with open_store(database).transaction() as connection:
        revert_id = revert_correction(connection, correction)
    console.print(f"reverted correction {correction} (correction {revert_id})", markup=False)


@people_app.command("history")
def history(
    person: Annotated[int, typer.Argument(help="A person id.")],
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    database: DatabaseOption = None,
) -> None:
    """The corrections that touch a person's works: who proposed, who approved, reverts.

    Example: paperscope people history 12 --format json
    """
    import json

    from paperscope.accounts.corrections import history as profile_history
    from paperscope.web.jsonable import plain

    if output not in ("text", "json"):
        raise QueryError(f"unknown format {output!r}: use text or json")
    with open_store(database).connect() as connection:
        found = profile_history(connection, person)
    if output == "json":
        console.print_json(json.dumps(plain(found)))
        return
    if found.corrected_by:
        console.print(f"corrected by {found.corrected_by}", markup=False)
    for e in found.entries:
        state = f", reverted by {e.reverted_by}" if e.reverted_by else ""
        who = f"proposed by {e.proposed_by or e.by}" + (
            f", approved by {e.approved_by}" if e.approved_by else ""
        )
        console.print(
            f"{e.correction_id:>5}  {e.created:%Y-%m-%d %H:%M}  {e.kind:<6}  {who}{state}"
            f"  {e.note or ''}",
            markup=False,
            highlight=False,
        )

"""Feedback that trains the feed, from the command line: `library dismiss|more-like-this|undo
WORK_ID --user EMAIL`, `library feedback --user EMAIL` and `library for-me --user EMAIL`
(the personal feed, each pick with why)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from paperscope.accounts.users import User
from paperscope.cli.app import DatabaseOption, console, open_store
from paperscope.cli.library import UserOption, library_app
from paperscope.errors import NotFoundError, QueryError
from paperscope.store import Store

WorkArgument = Annotated[str, typer.Argument(help="The paper's id (as in /paper/<id>).")]
OutputOption = Annotated[str, typer.Option("--format", help="text or json")]


def _owner(store: Store, email: str) -> User:
    from paperscope.accounts.users import find_user, normalise_email

    with store.connect() as connection:
        owner = find_user(connection, normalise_email(email))
    if owner is None:
        raise NotFoundError(f"no user {email!r}")
    return owner


def _change(work: str, user: str, action: str, database: str | None) -> None:
    from paperscope.accounts import feedback
    from paperscope.accounts.clock import utcnow
    from paperscope.untrusted import parse_id

    work_id = parse_id(work)
    if work_id is None:
        raise QueryError(f"not a paper id: {work[:40]!r}")
    store = open_store(database)
    owner = _owner(store, user)
    with store.transaction() as connection:
        if action == "undo":
            change = feedback.clear(connection, owner.id, work_id)
        else:
            kind = feedback.check_kind(action)
            change = feedback.give(connection, owner.id, work_id, kind, utcnow())
    now = feedback.LABELS[change.kind] if change.kind else "no feedback"
    state = "" if change.changed else " (unchanged)"
    console.print(f"paper {work_id}: {now}{state}", markup=False, highlight=False)


@library_app.command("dismiss")
def dismiss(work: WorkArgument, user: UserOption, database: DatabaseOption = None) -> None:
    """Mark a paper "not interested": hidden from the user's lists and digests, and a
    negative for their personal ranking. Undo with `library undo`.

    Example: paperscope library dismiss 1234 --user ada@example.org
    """
    _change(work, user, "dismissed", database)


@library_app.command("more-like-this")
def more_like_this(work: WorkArgument, user: UserOption, database: DatabaseOption = None) -> None:
    """Mark a paper "more like this": a positive for the user's personal ranking, beside
    their library. Undo with `library undo`.

    Example: paperscope library more-like-this 1234 --user ada@example.org
    """
    _change(work, user, "more", database)


@library_app.command("undo")
def undo(work: WorkArgument, user: UserOption, database: DatabaseOption = None) -> None:
    """Remove the user's feedback (not interested or more like this) on a paper.

    Example: paperscope library undo 1234 --user ada@example.org
    """
    _change(work, user, "undo", database)


def _check_output(output: str) -> None:
    if output not in ("text", "json"):
        raise QueryError(f"unknown format {output!r}: use text or json")


@library_app.command("feedback")
def feedback_list(
    user: UserOption, output: OutputOption = "text", database: DatabaseOption = None
) -> None:
    """The papers a user marked not interested or more like this, newest first.

    Example: paperscope library feedback --user ada@example.org --format json
    """
    from paperscope.accounts.feedback import feedback_page
    from paperscope.web.jsonable import plain

    _check_output(output)
    store = open_store(database)
    owner = _owner(store, user)
    with store.connect() as connection:
        page = feedback_page(connection, owner.id)
    if output == "json":
        console.print_json(json.dumps(plain(page)))
        return
    for title, entries in (("Not interested", page.dismissed), ("More like this", page.more)):
        console.print(f"{title} ({len(entries)})", markup=False, highlight=False)
        for entry in entries:
            line = f"  {entry.work.work_id}  {entry.created_at:%Y-%m-%d}  {entry.work.title}"
            console.print(line, markup=False, highlight=False, soft_wrap=True)


@library_app.command("for-me")
def for_me(
    user: UserOption,
    days: Annotated[int, typer.Option("--days", help="Papers of this many recent days.")] = 30,
    output: OutputOption = "text",
    database: DatabaseOption = None,
) -> None:
    """The user's personal feed: recent papers ranked by a model trained on their library
    and feedback, each with why; then the papers their dismissals held back.

    Example: paperscope library for-me --user ada@example.org --days 7
    """
    from paperscope.config import Settings
    from paperscope.embeddings.encoders import Encoder, get_encoder
    from paperscope.notify.feed import personal_feed
    from paperscope.search.service import active_model
    from paperscope.web.jsonable import plain

    _check_output(output)
    if not 1 <= days <= 3660:
        raise QueryError("--days must be between 1 and 3660")
    store = open_store(database)
    settings = Settings()
    owner = _owner(store, user)
    model = active_model(store, settings)

    def encoder() -> Encoder:
        return get_encoder(model, settings.data_dir)

    with store.connect() as connection:
        feed = personal_feed(connection, owner.id, encoder, days=days)
    if output == "json":
        console.print_json(json.dumps(plain(feed)))
        return
    console.print(
        f"{len(feed.entries)} picks among {feed.candidates} papers of the last {feed.days} days",
        markup=False,
        highlight=False,
    )
    for item in feed.entries:
        console.print(f"{item.work.work_id}  {item.work.title}", markup=False, highlight=False)
        console.print(f"    why: {item.reason}", markup=False, highlight=False, soft_wrap=True)
    if feed.held_back:
        console.print(f"Held back by your dismissals ({len(feed.held_back)}):", markup=False)
        for held in feed.held_back:
            console.print(
                f"  {held.work.work_id}  {held.work.title} (like “{held.dismissed_title}”)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

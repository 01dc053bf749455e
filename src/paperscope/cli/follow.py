"""Following from the command line: `follow add|remove|list --user EMAIL` and the home feed
of what a user follows, `home --user EMAIL` (the same data as /following and /home)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from sqlalchemy import Connection

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.errors import NotFoundError, QueryError

follow_app = typer.Typer(
    help="Follow people, venues, categories, searches and institutions (the home feed's "
    "sources; no e-mail)."
)
app.add_typer(follow_app, name="follow")

UserOption = Annotated[str, typer.Option("--user", help="The follower's email address.")]
FormatOption = Annotated[str, typer.Option("--format", help="text or json")]
KindArgument = Annotated[
    str, typer.Argument(help="person, venue, category, query (a search) or institution")
]
ValueArgument = Annotated[
    str,
    typer.Argument(
        help="A person id, a venue or category (cs.CL or CL), a search, or an institution "
        "as authors print their affiliation."
    ),
]


def _check_format(output: str) -> None:
    if output not in ("text", "json"):
        raise QueryError(f"unknown format {output!r}: use text or json")


def _print(text: str) -> None:
    """Untrusted text (names, titles) without control characters or bidi overrides."""
    from paperscope.web.markup import readable

    console.print(readable(text), markup=False, highlight=False, end="")


def _owner_id(connection: Connection, email: str) -> int:
    from paperscope.accounts.users import find_user, normalise_email

    owner = find_user(connection, normalise_email(email))
    if owner is None:
        raise NotFoundError(f"no user {email!r}")
    return owner.id


@follow_app.command("add")
def follow_add(
    kind: KindArgument,
    value: ValueArgument,
    user: UserOption,
    output: FormatOption = "text",
    database: DatabaseOption = None,
) -> None:
    """Follow a person, venue, category, search or institution: its newest papers come to
    the user's home feed (`paperscope home`, /home). Following the same thing again changes
    nothing. The user is created if there is none with this address.

    Example: paperscope follow add venue "ACL 2023" --user ada@example.org
    """
    from paperscope.accounts.clock import utcnow
    from paperscope.accounts.users import normalise_email, user_for_email
    from paperscope.notify import follows
    from paperscope.web.following import follow_item
    from paperscope.web.jsonable import plain

    _check_format(output)
    with open_store(database).transaction() as connection:
        owner = user_for_email(connection, normalise_email(user), utcnow(), verified=False)
        added = follows.add(connection, owner.id, kind, value, utcnow())
    if output == "json":
        console.print_json(json.dumps(plain(follow_item(added))))
    else:
        _print(f"following the {added.description} [follow {added.id}]\n")


@follow_app.command("remove")
def follow_remove(
    kind: KindArgument,
    value: ValueArgument,
    user: UserOption,
    database: DatabaseOption = None,
) -> None:
    """Stop following something (named as when it was followed, in any spelling of it).

    Example: paperscope follow remove category cs.CL --user ada@example.org
    """
    from paperscope.notify import follows

    with open_store(database).transaction() as connection:
        removed = follows.remove_value(connection, _owner_id(connection, user), kind, value)
    _print(f"no longer following the {removed.description}\n")


@follow_app.command("list")
def follow_list(
    user: UserOption, output: FormatOption = "text", database: DatabaseOption = None
) -> None:
    """What a user follows. JSON is what /api/following returns.

    Example: paperscope follow list --user ada@example.org --format json
    """
    from paperscope.notify import follows
    from paperscope.web.following import FollowingPage, follow_item
    from paperscope.web.jsonable import plain

    _check_format(output)
    with open_store(database).connect() as connection:
        mine = follows.for_user(connection, _owner_id(connection, user))
    page = FollowingPage(tuple(follow_item(f) for f in mine), follows.KINDS, follows.MAX_FOLLOWS)
    if output == "json":
        console.print_json(json.dumps(plain(page)))
        return
    lines = [f"{len(mine)} followed"] + [
        f"{f.kind}\t{f.label}\t[follow {f.id}{', ' + f.url if f.url else ''}]" for f in mine
    ]
    _print("\n".join(lines) + "\n")


@app.command()
def home(
    user: UserOption,
    page: Annotated[int, typer.Option("--page", help="Page of the feed (20 papers each).")] = 1,
    output: FormatOption = "text",
    database: DatabaseOption = None,
) -> None:
    """A user's home feed: the newest papers of what they follow (`paperscope follow`),
    newest first, each with the follows that picked it and why. JSON is what /api/home
    returns.

    Example: paperscope home --user ada@example.org --page 2 --format json
    """
    from paperscope.cli.paper_text import entry_lines
    from paperscope.notify import follows
    from paperscope.web.following import MAX_FEED_PAGE
    from paperscope.web.jsonable import plain

    _check_format(output)
    if not 1 <= page <= MAX_FEED_PAGE:
        raise QueryError(f"--page must be between 1 and {MAX_FEED_PAGE}, not {page}")
    with open_store(database).connect() as connection:
        feed = follows.home_feed(connection, _owner_id(connection, user), page)
    if output == "json":
        console.print_json(json.dumps(plain(feed)))
        return
    header = (
        f"Home: {feed.total} papers from {feed.follows} follows among the {feed.window} "
        f"newest, page {feed.page} of {feed.pages}"
    )
    blocks = [header]
    for entry in feed.entries:
        why = [f"why: you follow the {r.follow}: {r.reason}" for r in entry.reasons]
        blocks.append("\n".join([*entry_lines(entry.work), *why, f"[work {entry.work.work_id}]"]))
    _print("\n\n".join(blocks) + "\n")

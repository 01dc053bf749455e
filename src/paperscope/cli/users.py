"""Users and roles: list users, grant and revoke the admin role, see what waits for review."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.errors import QueryError

users_app = typer.Typer(help="Users and their roles (admins review claims).", no_args_is_help=True)
app.add_typer(users_app, name="users")

EmailArgument = Annotated[str, typer.Argument(help="The user's e-mail address.")]


@users_app.command("grant-admin")
def grant_admin(email: EmailArgument, database: DatabaseOption = None) -> None:
    """Make a user an admin (created when the address never signed in).

    An admin sees /admin, reviews claims and proposed corrections and reverts corrections.

    Example: paperscope users grant-admin ada@example.org
    """
    from paperscope.accounts.clock import utcnow
    from paperscope.accounts.roles import ADMIN, grant

    with open_store(database).transaction() as connection:
        user = grant(connection, email, ADMIN, utcnow())
    console.print(f"{user.email} is an admin", markup=False, highlight=False)


@users_app.command("revoke-admin")
def revoke_admin(email: EmailArgument, database: DatabaseOption = None) -> None:
    """Take the admin role away from a user.

    Example: paperscope users revoke-admin ada@example.org
    """
    from paperscope.accounts.roles import ADMIN, revoke

    with open_store(database).transaction() as connection:
        user = revoke(connection, email, ADMIN)
    console.print(f"{user.email} is no longer an admin", markup=False, highlight=False)


@users_app.command("list")
def list_users(
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    database: DatabaseOption = None,
) -> None:
    """Users with their roles, admins first.

    Example: paperscope users list --format json
    """
    from paperscope.accounts.roles import user_rows
    from paperscope.web.jsonable import plain

    if output not in ("text", "json"):
        raise QueryError(f"unknown format {output!r}: use text or json")
    with open_store(database).connect() as connection:
        rows = user_rows(connection)
    if output == "json":
        console.print_json(json.dumps(plain(rows)))
        return
    for row in rows:
        roles = ", ".join(row.roles) or "-"
        verified = "verified" if row.verified_at else "not verified"
        console.print(f"{row.id:>6}  {row.email}  [{roles}]  {verified}", markup=False)

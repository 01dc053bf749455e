"""Roles of users: `admin` (granted and revoked from the command line only).

An admin reviews claims and proposed corrections and sees the admin page. Granting a role
to an address that has never signed in creates its user, so the role holds from its first
sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from paperscope.accounts.users import User, find_user, normalise_email, user_for_email
from paperscope.errors import ForbiddenError, NotFoundError, QueryError
from paperscope.store.accounts_schema import users
from paperscope.store.admin_schema import user_roles

ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    email: str
    created_at: datetime
    verified_at: datetime | None
    roles: tuple[str, ...]


def grant(connection: Connection, email: str, role: str, now: datetime) -> User:
    """Give the user with this address `role` (creating the user when missing)."""
    user = user_for_email(connection, normalise_email(email), now, verified=False)
    if role not in roles_of(connection, user.id):
        connection.execute(insert(user_roles).values(user_id=user.id, role=role, granted_at=now))
    return user


def revoke(connection: Connection, email: str, role: str) -> User:
    """Take `role` away; NotFoundError when no such user or the user does not hold it."""
    user = find_user(connection, normalise_email(email))
    if user is None:
        raise NotFoundError(f"no user {email!r}")
    removed = connection.execute(
        delete(user_roles).where(user_roles.c.user_id == user.id, user_roles.c.role == role)
    ).rowcount
    if not removed:
        raise NotFoundError(f"{user.email} is not {role}")
    return user


def roles_of(connection: Connection, user_id: int) -> set[str]:
    return set(
        connection.execute(select(user_roles.c.role).where(user_roles.c.user_id == user_id))
        .scalars()
        .all()
    )


def is_admin(connection: Connection, user_id: int) -> bool:
    return ADMIN in roles_of(connection, user_id)


def require_admin(connection: Connection, user_id: int) -> None:
    if not is_admin(connection, user_id):
        raise ForbiddenError("only an admin may do this")


def check_reviewable(reviewer_id: int, author_id: int, item: str, status: str) -> None:
    """What every review (claims, correction proposals) checks after `require_admin`: the
    reviewer is not the one who asked (`author_id`), and the item is still pending (both
    tables call that status "pending"). `item` names it: "claim 7", "proposal 3"."""
    if author_id == reviewer_id:
        raise ForbiddenError(f"nobody reviews their own {item.split()[0]}: another admin must")
    if status != "pending":
        raise QueryError(f"{item} was already reviewed ({status})")


def user_rows(connection: Connection, limit: int = 500) -> list[UserRow]:
    """Users with their roles, admins first, then by address."""
    granted: dict[int, list[str]] = {}
    for user_id, role in connection.execute(select(user_roles.c.user_id, user_roles.c.role)):
        granted.setdefault(user_id, []).append(role)
    rows = connection.execute(
        select(users.c.id, users.c.email, users.c.created_at, users.c.verified_at)
        .order_by(users.c.email)
        .limit(limit)
    )
    found = [
        UserRow(r.id, r.email, r.created_at, r.verified_at, tuple(sorted(granted.get(r.id, []))))
        for r in rows
    ]
    return sorted(found, key=lambda u: (ADMIN not in u.roles, u.email))

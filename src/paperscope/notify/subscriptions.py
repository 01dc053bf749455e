"""Subscriptions: what a subscriber wants (a search, a person, a category, the trending
list, or "for me"), how often, and whether an empty period sends a note or nothing.

A subscription starts `pending` until its address confirms (double opt-in) and ends
`ended` when unsubscribed. Unsubscribe tokens are `<id>.<hmac(secret, id:nonce)>` with a
random per-subscription nonce: they cannot be guessed or derived from the id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select, update

from paperscope.accounts.keys import mac, same_mac
from paperscope.errors import NotFoundError, QueryError
from paperscope.notify.periods import PERIODS
from paperscope.store.accounts_schema import subscriptions, users
from paperscope.store.schema import people
from paperscope.untrusted import parse_id

KINDS = ("trending", "query", "person", "category", "personal")
NOTHING_NEW = ("note", "skip")


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    user_id: int
    email: str
    kind: str
    value: str
    period: str
    nothing_new: str
    status: str
    nonce: str
    confirmed_at: datetime | None


def _check(connection: Connection, kind: str, value: str, period: str, nothing_new: str) -> str:
    if kind not in KINDS:
        raise QueryError(f"unknown subscription kind {kind!r}; use one of {', '.join(KINDS)}")
    if period not in PERIODS:
        raise QueryError(f"unknown period {period!r}; use daily or weekly")
    if nothing_new not in NOTHING_NEW:
        raise QueryError("when nothing is new, choose 'note' or 'skip'")
    value = value.strip()
    if len(value) > 300:
        raise QueryError("the subscription text is longer than 300 characters")
    if kind in ("query", "category") and not value:
        raise QueryError(f"a {kind} subscription needs a {kind}")
    if kind == "person":
        person_id = parse_id(value)
        if person_id is None:
            raise QueryError("a person subscription needs the person's numeric id")
        found = connection.execute(select(people.c.id).where(people.c.id == person_id)).first()
        if found is None:
            raise NotFoundError(f"no person {value}")
    if kind == "trending":
        value = ""
    return value


def create(
    connection: Connection,
    user_id: int,
    kind: str,
    value: str,
    period: str,
    nothing_new: str,
    now: datetime,
    *,
    confirmed: bool,
) -> int:
    """A new subscription; `confirmed` (the address is already verified) skips the opt-in."""
    value = _check(connection, kind, value, period, nothing_new)
    return int(
        connection.execute(
            insert(subscriptions)
            .values(
                user_id=user_id,
                kind=kind,
                value=value,
                period=period,
                nothing_new=nothing_new,
                status="active" if confirmed else "pending",
                unsubscribe_nonce=secrets.token_urlsafe(24),
                created_at=now,
                confirmed_at=now if confirmed else None,
            )
            .returning(subscriptions.c.id)
        ).scalar_one()
    )


def _select() -> Select[Any]:
    return select(subscriptions, users.c.email).join(users, users.c.id == subscriptions.c.user_id)


def _record(row: Row[Any]) -> Subscription:
    r = row._mapping
    return Subscription(
        r["id"],
        r["user_id"],
        r["email"],
        r["kind"],
        r["value"],
        r["period"],
        r["nothing_new"],
        r["status"],
        r["unsubscribe_nonce"],
        r["confirmed_at"],
    )


def get(connection: Connection, subscription_id: int) -> Subscription | None:
    row = connection.execute(_select().where(subscriptions.c.id == subscription_id)).first()
    return _record(row) if row else None


def for_user(connection: Connection, user_id: int) -> list[Subscription]:
    rows = connection.execute(
        _select().where(subscriptions.c.user_id == user_id).order_by(subscriptions.c.id)
    )
    return [_record(row) for row in rows]


def active(connection: Connection, period: str | None = None) -> list[Subscription]:
    query = _select().where(subscriptions.c.status == "active")
    if period:
        query = query.where(subscriptions.c.period == period)
    return [_record(row) for row in connection.execute(query.order_by(subscriptions.c.id))]


def confirm(connection: Connection, subscription_id: int, now: datetime) -> None:
    connection.execute(
        update(subscriptions)
        .where(subscriptions.c.id == subscription_id, subscriptions.c.status == "pending")
        .values(status="active", confirmed_at=now)
    )


def end(connection: Connection, subscription_id: int, now: datetime) -> None:
    connection.execute(
        update(subscriptions)
        .where(subscriptions.c.id == subscription_id, subscriptions.c.status != "ended")
        .values(status="ended", ended_at=now)
    )


def end_for_user(connection: Connection, user_id: int, subscription_id: int, now: datetime) -> None:
    """End a subscription of this user; another user's id is NotFound (not Forbidden)."""
    found = get(connection, subscription_id)
    if found is None or found.user_id != user_id:
        raise NotFoundError("no such subscription")
    end(connection, subscription_id, now)


def unsubscribe_token(secret: bytes, subscription: Subscription) -> str:
    return (
        f"{subscription.id}.{mac(secret, 'unsubscribe', f'{subscription.id}:{subscription.nonce}')}"
    )


def from_unsubscribe_token(
    connection: Connection, secret: bytes, token: str
) -> Subscription | None:
    head, dot, signature = token.partition(".")
    subscription_id = parse_id(head)
    if not dot or subscription_id is None or len(token) > 200:
        return None
    found = get(connection, subscription_id)
    if found is None:
        return None
    expected = mac(secret, "unsubscribe", f"{found.id}:{found.nonce}")
    return found if same_mac(signature, expected) else None


def describe(subscription: Subscription, person_name: str | None = None) -> str:
    kind, value = subscription.kind, subscription.value
    if kind == "trending":
        return "trending papers"
    if kind == "query":
        return f"papers matching “{value}”"
    if kind == "person":
        return f"papers by {person_name or 'person ' + value}"
    if kind == "category":
        return f"papers in {value}"
    return f"papers for you (from your library{' tag ' + value if value else ''})"

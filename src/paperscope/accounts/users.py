"""Users, emailed one-time links, sessions and rate limits (all in the database).

Nothing here tells a caller whether an address is known: issuing a link works the same
for any well-formed address, and the user row is created only when a link is used.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperscope.accounts.keys import new_signed_token, signature_ok, token_hash
from paperscope.errors import QueryError
from paperscope.store.accounts_schema import email_tokens, rate_events, sessions, users

LINK_TTL = timedelta(minutes=30)
CONFIRM_TTL = timedelta(days=3)
SESSION_TTL = timedelta(days=30)
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)


class LinkError(QueryError):
    """An emailed link is forged, expired or already used (one message for all three)."""

    def __init__(self) -> None:
        super().__init__("this link is invalid, expired or already used; ask for a new one")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str


@dataclass(frozen=True, slots=True)
class UsedLink:
    email: str
    subscription_id: int | None


def normalise_email(address: str) -> str:
    """A lower-cased, well-formed address (no spaces, no CR/LF); QueryError otherwise."""
    cleaned = address.strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise QueryError("please enter a valid email address")
    return cleaned


def user_for_email(connection: Connection, email: str, now: datetime, verified: bool) -> User:
    """The user with this address, created when missing; `verified` stamps verified_at."""
    row = connection.execute(select(users.c.id).where(users.c.email == email)).first()
    if row is None:
        try:
            with connection.begin_nested():
                user_id = connection.execute(
                    insert(users).values(email=email, created_at=now).returning(users.c.id)
                ).scalar_one()
        except IntegrityError:
            user_id = connection.execute(
                select(users.c.id).where(users.c.email == email)
            ).scalar_one()
    else:
        user_id = row.id
    if verified:
        connection.execute(
            update(users)
            .where(users.c.id == user_id, users.c.verified_at.is_(None))
            .values(verified_at=now)
        )
    return User(user_id, email)


def find_user(connection: Connection, email: str) -> User | None:
    """The user with this (normalised) address, or None; never creates one."""
    row = connection.execute(
        select(users.c.id, users.c.email).where(users.c.email == email)
    ).first()
    return User(row.id, row.email) if row else None


def get_user(connection: Connection, user_id: int) -> User | None:
    row = connection.execute(select(users.c.id, users.c.email).where(users.c.id == user_id)).first()
    return User(row.id, row.email) if row else None


def is_verified(connection: Connection, user_id: int) -> bool:
    verified = connection.execute(
        select(users.c.verified_at).where(users.c.id == user_id)
    ).scalar_one_or_none()
    return verified is not None


def issue_link(
    connection: Connection,
    secret: bytes,
    purpose: str,
    email: str,
    now: datetime,
    subscription_id: int | None = None,
) -> str:
    """A new single-use token for `purpose` ("signin" or "confirm"); only its hash is kept."""
    token = new_signed_token(secret, purpose)
    ttl = LINK_TTL if purpose == "signin" else CONFIRM_TTL
    connection.execute(
        insert(email_tokens).values(
            token_hash=token_hash(token),
            purpose=purpose,
            email=email,
            subscription_id=subscription_id,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token


def peek_link(
    connection: Connection, secret: bytes, purpose: str, token: str, now: datetime
) -> bool:
    """Whether the token would be accepted now (for the GET page before the POST uses it)."""
    if not signature_ok(secret, purpose, token):
        return False
    row = connection.execute(
        select(email_tokens.c.used_at, email_tokens.c.expires_at).where(
            email_tokens.c.token_hash == token_hash(token), email_tokens.c.purpose == purpose
        )
    ).first()
    return row is not None and row.used_at is None and row.expires_at > now


def use_link(
    connection: Connection, secret: bytes, purpose: str, token: str, now: datetime
) -> UsedLink:
    """Consume a token exactly once (a conditional UPDATE is the claim); LinkError otherwise."""
    if not signature_ok(secret, purpose, token):
        raise LinkError
    hashed = token_hash(token)
    claimed = connection.execute(
        update(email_tokens)
        .where(
            email_tokens.c.token_hash == hashed,
            email_tokens.c.purpose == purpose,
            email_tokens.c.used_at.is_(None),
            email_tokens.c.expires_at > now,
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise LinkError
    row = connection.execute(
        select(email_tokens.c.email, email_tokens.c.subscription_id).where(
            email_tokens.c.token_hash == hashed
        )
    ).one()
    return UsedLink(row.email, row.subscription_id)


def start_session(connection: Connection, user_id: int, now: datetime) -> str:
    """A new session id for the cookie; the table keeps only its hash."""
    session_id = secrets.token_urlsafe(32)
    connection.execute(
        insert(sessions).values(
            id_hash=token_hash(session_id),
            user_id=user_id,
            created_at=now,
            expires_at=now + SESSION_TTL,
        )
    )
    return session_id


def session_user(connection: Connection, session_id: str, now: datetime) -> User | None:
    row = connection.execute(
        select(users.c.id, users.c.email)
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(sessions.c.id_hash == token_hash(session_id), sessions.c.expires_at > now)
    ).first()
    return User(row.id, row.email) if row else None


def end_session(connection: Connection, session_id: str) -> None:
    connection.execute(delete(sessions).where(sessions.c.id_hash == token_hash(session_id)))


def allow(connection: Connection, bucket: str, limit: int, per: timedelta, now: datetime) -> bool:
    """Count an attempt in `bucket`; False when `limit` attempts were made within `per`.

    Kept in the database so that the limit holds across web workers and restarts.
    """
    since = now - per
    connection.execute(
        delete(rate_events).where(rate_events.c.created_at < now - timedelta(days=2))
    )
    used = connection.execute(
        select(func.count()).where(
            and_(rate_events.c.bucket == bucket[:128], rate_events.c.created_at > since)
        )
    ).scalar_one()
    if used >= limit:
        return False
    connection.execute(insert(rate_events).values(bucket=bucket[:128], created_at=now))
    return True

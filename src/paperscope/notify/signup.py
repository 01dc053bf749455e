"""The emailed-link flows: sign in, subscribe (double opt-in) and confirm.

Used by the web pages and `paperscope subscribers add`; each flow answers the same way
whether or not an address is known, and is rate limited per address and per client address
(in the database).

A confirmation mail that cannot be sent does not lose the subscription: it stays `pending`
with no confirmation link (the link that was never mailed is deleted), and is *owed*:
`send_owed_confirmations` (run by `paperscope digest send`) mails a new link, and asking
again for the same subscription mails one at once. A server that refuses the address
permanently (5xx) ends the pending subscription instead, so it is not owed forever.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import Connection, delete, exists, select

from paperscope.accounts import users as accounts
from paperscope.accounts.keys import token_hash
from paperscope.accounts.users import User
from paperscope.config import Settings
from paperscope.errors import PaperscopeError
from paperscope.notify import newworks, subscriptions
from paperscope.notify.mailer import SendError, send_one
from paperscope.notify.messages import base, link_message
from paperscope.store import Store
from paperscope.store.accounts_schema import email_tokens
from paperscope.store.accounts_schema import subscriptions as subscriptions_table

PER_ADDRESS = (5, timedelta(hours=1))
PER_CLIENT = (20, timedelta(hours=1))


class RateLimited(PaperscopeError):
    """Too many requests from this address or client; try again later."""

    exit_code = 2


def _address_bucket(action: str, email: str) -> str:
    return f"{action}:a:{hashlib.sha256(email.encode()).hexdigest()[:40]}"


def _check_rates(store: Store, action: str, email: str, client: str, now: datetime) -> None:
    with store.transaction() as connection:
        by_client = accounts.allow(connection, f"{action}:c:{client[:64]}", *PER_CLIENT, now)
        by_address = by_client and accounts.allow(
            connection, _address_bucket(action, email), *PER_ADDRESS, now
        )
    if not (by_client and by_address):
        raise RateLimited("too many requests; please wait a while and try again")


def request_signin(
    store: Store, settings: Settings, secret: bytes, raw_email: str, client: str, now: datetime
) -> None:
    """Email a sign-in link to any well-formed address (known or not)."""
    email = accounts.normalise_email(raw_email)
    _check_rates(store, "signin", email, client, now)
    with store.transaction() as connection:
        token = accounts.issue_link(connection, secret, "signin", email, now)
    link = f"{base(settings)}/signin/verify?token={quote(token)}"
    send_one(settings, link_message(settings, email, "signin", link, "", now))


def complete_signin(store: Store, secret: bytes, token: str, now: datetime) -> tuple[User, str]:
    """Use a sign-in link: the user (created on first sign-in) and a new session id."""
    with store.transaction() as connection:
        used = accounts.use_link(connection, secret, "signin", token, now)
        user = accounts.user_for_email(connection, used.email, now, verified=True)
        return user, accounts.start_session(connection, user.id, now)


def request_subscription(
    store: Store,
    settings: Settings,
    secret: bytes,
    *,
    raw_email: str,
    kind: str,
    value: str,
    period: str,
    nothing_new: str,
    client: str,
    now: datetime,
    signed_in: User | None,
) -> bool:
    """Subscribe; True when active at once (the signed-in user's own, verified address),
    False when a confirmation link was mailed (double opt-in)."""
    email = accounts.normalise_email(raw_email) if raw_email.strip() or not signed_in else ""
    if signed_in and (not email or email == signed_in.email):
        with store.transaction() as connection:
            subscriptions.create(
                connection, signed_in.id, kind, value, period, nothing_new, now, confirmed=True
            )
            newworks.mark_seen(connection, now)
        return True
    _check_rates(store, "subscribe", email, client, now)
    with store.transaction() as connection:
        user = accounts.user_for_email(connection, email, now, verified=False)
        subscription_id = _pending_twin(connection, user.id, kind, value, period)
        if subscription_id is None:  # asking again re-sends the same one's confirmation
            subscription_id = subscriptions.create(
                connection, user.id, kind, value, period, nothing_new, now, confirmed=False
            )
    send_confirmation(store, settings, secret, subscription_id, now)
    return False


def _pending_twin(
    connection: Connection, user_id: int, kind: str, value: str, period: str
) -> int | None:
    """A pending subscription of this user for the same thing, if one exists."""
    table = subscriptions_table
    query = select(table.c.id).where(
        table.c.user_id == user_id,
        table.c.kind == kind,
        table.c.value == value.strip(),
        table.c.period == period,
        table.c.status == "pending",
    )
    found = connection.execute(query.order_by(table.c.id).limit(1)).scalar()
    return int(found) if found is not None else None


def send_confirmation(
    store: Store, settings: Settings, secret: bytes, subscription_id: int, now: datetime
) -> None:
    """Mail a new confirmation link for a pending subscription.

    SendError when it cannot: the link is deleted again (nobody received it), and the
    subscription stays owed, unless the server refused the address permanently, which
    ends it."""
    with store.transaction() as connection:
        found = subscriptions.get(connection, subscription_id)
        if found is None or found.status != "pending":
            return
        token = accounts.issue_link(
            connection, secret, "confirm", found.email, now, subscription_id
        )
    link = f"{base(settings)}/subscribe/confirm?token={quote(token)}"
    what = f"a {found.period} digest of {subscriptions.describe(found)}"
    try:
        send_one(settings, link_message(settings, found.email, "confirm", link, what, now))
    except SendError as error:
        with store.transaction() as connection:
            connection.execute(
                delete(email_tokens).where(email_tokens.c.token_hash == token_hash(token))
            )
            if not error.temporary:
                subscriptions.end(connection, subscription_id, now)
        raise


@dataclass(slots=True)
class ConfirmationsReport:
    sent: list[str] = field(default_factory=list)
    owed: list[tuple[str, str]] = field(default_factory=list)
    """(address, error) of confirmations still owed (a temporary failure)."""
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(address, error) refused permanently: those pending subscriptions were ended."""


def owed_confirmations(connection: Connection) -> list[int]:
    """Pending subscriptions whose confirmation link was never mailed."""
    table = subscriptions_table
    mailed = exists().where(
        email_tokens.c.subscription_id == table.c.id, email_tokens.c.purpose == "confirm"
    )
    query = select(table.c.id).where(table.c.status == "pending", ~mailed).order_by(table.c.id)
    return [int(i) for i in connection.execute(query).scalars()]


def send_owed_confirmations(
    store: Store, settings: Settings, secret: bytes, now: datetime
) -> ConfirmationsReport:
    """Mail the confirmation of every pending subscription whose mail could not be sent;
    stops at the first unreachable server (the rest stay owed)."""
    report = ConfirmationsReport()
    with store.connect() as connection:
        owed = [(i, subscriptions.get(connection, i)) for i in owed_confirmations(connection)]
    unreachable: SendError | None = None
    for subscription_id, found in owed:
        if found is None:
            continue
        if unreachable is not None:
            report.owed.append((found.email, f"not tried: {unreachable}"))
            continue
        try:
            send_confirmation(store, settings, secret, subscription_id, now)
        except SendError as error:
            if not error.temporary:
                report.refused.append((found.email, str(error)))
            else:
                report.owed.append((found.email, str(error)))
                unreachable = error if error.unreachable else None
            continue
        report.sent.append(found.email)
    return report


def confirm_subscription(
    store: Store, secret: bytes, token: str, now: datetime
) -> subscriptions.Subscription:
    with store.transaction() as connection:
        used = accounts.use_link(connection, secret, "confirm", token, now)
        if used.subscription_id is None:
            raise accounts.LinkError
        accounts.user_for_email(connection, used.email, now, verified=True)
        newworks.mark_seen(connection, now)
        subscriptions.confirm(connection, used.subscription_id, now)
        found = subscriptions.get(connection, used.subscription_id)
    if found is None:
        raise accounts.LinkError
    return found

"""The emailed-link flows: sign in, subscribe (double opt-in) and confirm.

Used by the web pages; each flow answers the same way whether or not an address is
known, and is rate limited per address and per client address (in the database).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from urllib.parse import quote

from paperscope.accounts import users as accounts
from paperscope.accounts.users import User
from paperscope.config import Settings
from paperscope.errors import PaperscopeError
from paperscope.notify import newworks, subscriptions
from paperscope.notify.mailer import send_one
from paperscope.notify.messages import base, link_message
from paperscope.store import Store

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
        subscription_id = subscriptions.create(
            connection, user.id, kind, value, period, nothing_new, now, confirmed=False
        )
        found = subscriptions.get(connection, subscription_id)
        assert found is not None
        token = accounts.issue_link(connection, secret, "confirm", email, now, subscription_id)
    link = f"{base(settings)}/subscribe/confirm?token={quote(token)}"
    what = f"a {period} digest of {subscriptions.describe(found)}"
    send_one(settings, link_message(settings, email, "confirm", link, what, now))
    return False


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

"""Subscribe-and-confirm through the real mail flow, for tests."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote

from mailsink import MailServer, text_of
from paperscope.accounts.keys import load_secret
from paperscope.config import Settings
from paperscope.embeddings.encoders import HashingEncoder
from paperscope.notify.signup import confirm_subscription, request_subscription
from paperscope.notify.subscriptions import Subscription
from paperscope.store import Store


def hashing() -> HashingEncoder:
    return HashingEncoder()


def link_token(server: MailServer, email: str, path: str) -> str:
    """The token of the newest link to `path` mailed to `email`."""
    message = server.sink.to(email)[-1]
    found = re.search(re.escape(path) + r"\?token=(\S+)", text_of(message))
    assert found, text_of(message)
    return unquote(found.group(1))


def subscribe(
    store: Store,
    settings: Settings,
    server: MailServer,
    email: str,
    now: datetime,
    *,
    kind: str = "trending",
    value: str = "",
    period: str = "daily",
    nothing_new: str = "note",
) -> Subscription:
    """Subscribe `email`, then confirm with the link from the mail (double opt-in)."""
    secret = load_secret(settings)
    active = request_subscription(
        store,
        settings,
        secret,
        raw_email=email,
        kind=kind,
        value=value,
        period=period,
        nothing_new=nothing_new,
        client="127.0.0.1",
        now=now,
        signed_in=None,
    )
    assert active is False
    token = link_token(server, email, "/subscribe/confirm")
    return confirm_subscription(store, secret, token, now)

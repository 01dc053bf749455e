"""Tokens, addresses, unsubscribe links and rate limits, below the web layer."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from paperscope.accounts import users as accounts
from paperscope.accounts.keys import load_secret, mac
from paperscope.config import Settings
from paperscope.errors import QueryError
from paperscope.notify import subscriptions
from paperscope.store import Store

NOW = datetime(2026, 11, 20, 8, 0)


def test_secret_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = load_secret(settings)
    assert first == load_secret(settings) and len(first) >= 48
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert load_secret(Settings(data_dir=tmp_path, secret_key="configured")) == b"configured"


@pytest.mark.parametrize(
    "address",
    ["", "no-at-sign", "a@b.org\r\nBcc: victim@example.org", "a b@c.org", "x@" + "a" * 260],
)
def test_malformed_addresses_are_refused(address: str) -> None:
    with pytest.raises(QueryError):
        accounts.normalise_email(address)


def test_links_are_single_use_expiring_and_purpose_bound(store: Store) -> None:
    secret = b"k" * 32
    with store.transaction() as connection:
        token = accounts.issue_link(connection, secret, "signin", "a@example.org", NOW)
    with store.transaction() as connection:
        assert accounts.peek_link(connection, secret, "signin", token, NOW)
        assert not accounts.peek_link(connection, secret, "confirm", token, NOW)
        with pytest.raises(accounts.LinkError):
            accounts.use_link(connection, secret, "signin", token, NOW + timedelta(minutes=31))
        used = accounts.use_link(connection, secret, "signin", token, NOW + timedelta(minutes=29))
        assert used.email == "a@example.org"
        with pytest.raises(accounts.LinkError):
            accounts.use_link(connection, secret, "signin", token, NOW)


def test_unsubscribe_tokens_cannot_be_guessed_or_transplanted(store: Store) -> None:
    secret = b"s" * 32
    with store.transaction() as connection:
        user = accounts.user_for_email(connection, "a@example.org", NOW, verified=True)
        ids = [
            subscriptions.create(
                connection, user.id, "trending", "", "daily", "note", NOW, confirmed=True
            )
            for _ in range(2)
        ]
        first, second = (subscriptions.get(connection, i) for i in ids)
        assert first is not None and second is not None
        token = subscriptions.unsubscribe_token(secret, first)
        assert subscriptions.from_unsubscribe_token(connection, secret, token) == first
        head, _, signature = token.partition(".")
        assert len(signature) >= 43  # 256-bit HMAC
        forged = [
            f"{second.id}.{signature}",  # another subscription's id with this signature
            f"{head}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
            f"{head}.{mac(secret, 'unsubscribe', str(first.id))}",  # without the random nonce
            subscriptions.unsubscribe_token(b"other secret", first),
            head,
            "",
        ]
        for guess in forged:
            assert subscriptions.from_unsubscribe_token(connection, secret, guess) is None
        assert first.nonce != second.nonce


def test_rate_limit_counts_in_the_database(store: Store) -> None:
    with store.transaction() as connection:
        results = [
            accounts.allow(connection, "b", 3, timedelta(hours=1), NOW + timedelta(minutes=n))
            for n in range(4)
        ]
        assert results == [True, True, True, False]
        assert accounts.allow(connection, "b", 3, timedelta(hours=1), NOW + timedelta(hours=2))

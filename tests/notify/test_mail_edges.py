"""Mail edges against the real SMTP server of the tests (aiosmtpd), on SQLite and PostgreSQL:
one-click unsubscribe intact on the wire, confirmations that could not be sent are kept and
sent later, and a digest the server refuses permanently is given up after a bounded number
of tries (a temporary failure never is)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from corpus import add_work
from flows import hashing, link_token, subscribe
from sqlalchemy import select
from typer.testing import CliRunner

from mailsink import MailServer
from paperscope.accounts.keys import load_secret
from paperscope.cli import app
from paperscope.config import Settings
from paperscope.notify.digest import REFUSED_AFTER, send_digests
from paperscope.notify.mailer import SendError
from paperscope.notify.signup import (
    confirm_subscription,
    owed_confirmations,
    request_subscription,
    send_owed_confirmations,
)
from paperscope.store import Store
from paperscope.store.accounts_schema import deliveries, subscriptions

T0 = datetime(2026, 11, 20, 8, 0)
LONG_BASE = "https://paperscope.example.org/a/rather/long/public/prefix/for/the/app"


def _run(store: Store, settings: Settings, now: datetime) -> object:
    return send_digests(
        store, settings, "daily", now=now, encoder_factory=hashing, backoff=(0.0, 0.0)
    )


def _unreachable(settings: Settings) -> Settings:
    port = settings.smtp_port + 1 if settings.smtp_port < 65535 else 1
    return settings.model_copy(update={"smtp_port": port})


# --- List-Unsubscribe -----------------------------------------------------------------------


def test_list_unsubscribe_keeps_the_long_url_intact_on_the_wire(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    settings = mail_settings.model_copy(update={"base_url": LONG_BASE})
    subscribe(store, settings, mail_server, "long@example.org", T0)
    add_work(store, "A paper", "x")
    _run(store, settings, T0 + timedelta(hours=1))
    [raw] = [r for r in mail_server.sink.raw if b"List-Unsubscribe:" in r]
    header = re.search(rb"^List-Unsubscribe:(.*?)\r?\n(?![ \t])", raw, re.M | re.S)
    assert header is not None
    value = header.group(1).strip()
    assert value.startswith(b"<https://") and value.endswith(b">")
    url = value[1:-1].decode("ascii")
    assert len(url) > 78 and url.startswith(LONG_BASE + "/unsubscribe/")
    assert b"=?" not in value and b"\n" not in value  # no encoded-word, not folded
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    # The URL is the one-click link that works (RFC 8058: a POST with no CSRF token).
    [parsed] = [m for m in mail_server.sink.messages if m["List-Unsubscribe"]]
    assert str(parsed["List-Unsubscribe"]) == f"<{url}>"


def test_a_hostile_unsubscribe_url_cannot_inject_headers(mail_settings: Settings) -> None:
    from paperscope.notify.messages import digest_message

    with pytest.raises(ValueError, match="unsubscribe URL"):
        digest_message(
            mail_settings,
            to="x@example.org",
            message_id="<m@example.org>",
            title="t",
            period="daily",
            entries=[],
            unsubscribe_url="https://example.org/u\r\nBcc: victim@example.org",
            manage_url="https://example.org/m",
            now=T0,
        )


# --- confirmations when the server is down -------------------------------------------------


def _env(settings: Settings, url: str, port: int) -> dict[str, str]:
    return {
        "PAPERSCOPE_DATABASE_URL": url,
        "PAPERSCOPE_DATA_DIR": str(settings.data_dir),
        "PAPERSCOPE_BASE_URL": settings.base_url,
        "PAPERSCOPE_SMTP_PORT": str(port),
        "PAPERSCOPE_EMBEDDING_MODEL": "hashing",
    }


def test_subscribers_add_with_the_server_down_exits_clearly_and_digest_send_confirms_later(
    sqlite_url: str,
    mail_settings: Settings,
    mail_server: MailServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = CliRunner()
    for key, value in _env(mail_settings, sqlite_url, mail_server.port + 1).items():
        monkeypatch.setenv(key, value)  # nobody listens on port + 1
    added = runner.invoke(app, ["subscribers", "add", "late@example.org", "--kind", "trending"])
    assert added.exit_code == 75, added.output
    assert "Traceback" not in added.output and isinstance(added.exception, SystemExit)
    assert "could not be sent now" in added.output and "digest send" in added.output
    store = Store.open(sqlite_url)
    with store.connect() as connection:
        assert connection.execute(select(subscriptions.c.status)).scalar_one() == "pending"
        assert len(owed_confirmations(connection)) == 1
    status = runner.invoke(app, ["digest", "status"])
    assert "1 confirmation link(s) still owed" in status.output

    still_down = runner.invoke(app, ["digest", "send", "--backoff", "0"])
    assert still_down.exit_code == 1 and "confirmation still owed" in still_down.output

    monkeypatch.setenv("PAPERSCOPE_SMTP_PORT", str(mail_server.port))
    sent = runner.invoke(app, ["digest", "send", "--backoff", "0"])
    assert sent.exit_code == 0, sent.output
    assert "confirmation links mailed: 1" in sent.output
    token = link_token(mail_server, "late@example.org", "/subscribe/confirm")
    confirmed = confirm_subscription(store, load_secret(mail_settings), token, T0)
    assert confirmed.status == "active"
    again = runner.invoke(app, ["digest", "send", "--backoff", "0"])
    assert "confirmation links mailed" not in again.output  # owed no more
    mailed = mail_server.sink.to("late@example.org")
    assert len([m for m in mailed if not m["List-Unsubscribe"]]) == 1  # one confirmation
    store.close()


def test_asking_again_resends_the_same_pending_subscription(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    secret = load_secret(mail_settings)

    def ask(settings: Settings) -> None:
        request_subscription(
            store,
            settings,
            secret,
            raw_email="again@example.org",
            kind="category",
            value="cs.CL",
            period="daily",
            nothing_new="note",
            client="cli",
            now=T0,
            signed_in=None,
        )

    with pytest.raises(SendError) as failure:
        ask(_unreachable(mail_settings))
    assert failure.value.temporary
    ask(mail_settings)  # the resend: the same subscription, now mailed
    with store.connect() as connection:
        rows = connection.execute(select(subscriptions.c.id, subscriptions.c.status)).all()
        assert len(rows) == 1 and rows[0].status == "pending"
        assert owed_confirmations(connection) == []
    token = link_token(mail_server, "again@example.org", "/subscribe/confirm")
    assert confirm_subscription(store, secret, token, T0).status == "active"


def test_a_confirmation_refused_permanently_ends_the_pending_subscription(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    secret = load_secret(mail_settings)
    mail_server.sink.unknown.add("ghost@example.org")
    with pytest.raises(SendError) as failure:
        request_subscription(
            store,
            mail_settings,
            secret,
            raw_email="ghost@example.org",
            kind="trending",
            value="",
            period="daily",
            nothing_new="note",
            client="cli",
            now=T0,
            signed_in=None,
        )
    assert not failure.value.temporary and "550" in str(failure.value)
    with store.connect() as connection:
        assert connection.execute(select(subscriptions.c.status)).scalar_one() == "ended"
        assert owed_confirmations(connection) == []
    report = send_owed_confirmations(store, mail_settings, secret, T0)
    assert report.sent == [] and report.owed == []


# --- digests refused permanently -------------------------------------------------------------


def _delivery(store: Store) -> tuple[str, int, str | None]:
    with store.connect() as connection:
        row = connection.execute(
            select(deliveries.c.state, deliveries.c.attempts, deliveries.c.last_error)
        ).one()
    return row.state, row.attempts, row.last_error


@pytest.mark.parametrize("where", ["rcpt", "data"])
def test_a_digest_refused_permanently_is_given_up_after_bounded_tries(
    store: Store, mail_settings: Settings, mail_server: MailServer, where: str
) -> None:
    subscribe(store, mail_settings, mail_server, "gone@example.org", T0)
    add_work(store, "A paper", "x")
    if where == "rcpt":
        mail_server.sink.unknown.add("gone@example.org")
    else:
        mail_server.sink.reject = 100
    code = "550" if where == "rcpt" else "554"
    for run in range(1, REFUSED_AFTER):
        report = _run(store, mail_settings, T0 + timedelta(hours=run))
        assert [o.state for o in report.outcomes] == ["failed"]  # type: ignore[attr-defined]
        assert _delivery(store)[:2] == ("pending", run)  # one try per run: 5xx is not retried
    last = _run(store, mail_settings, T0 + timedelta(hours=REFUSED_AFTER))
    assert [o.state for o in last.outcomes] == ["refused"]  # type: ignore[attr-defined]
    state, attempts, error = _delivery(store)
    assert state == "refused" and attempts == REFUSED_AFTER
    assert error is not None and code in error and "given up" in error
    for later in range(1, 4):  # never tried again, whatever happens next
        mail_server.sink.unknown.clear()
        mail_server.sink.reject = 0
        report = _run(store, mail_settings, T0 + timedelta(hours=REFUSED_AFTER, minutes=later))
        assert report.outcomes == []  # type: ignore[attr-defined]
    assert _delivery(store)[:2] == ("refused", REFUSED_AFTER)
    assert [m for m in mail_server.sink.to("gone@example.org") if m["List-Unsubscribe"]] == []


def test_temporary_failures_are_retried_forever(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    subscribe(store, mail_settings, mail_server, "busy@example.org", T0)
    add_work(store, "A paper", "x")
    mail_server.sink.refuse = 1000
    for run in range(1, REFUSED_AFTER + 3):
        report = _run(store, mail_settings, T0 + timedelta(hours=run))
        assert [o.state for o in report.outcomes] == ["failed"]  # type: ignore[attr-defined]
    down = _run(store, _unreachable(mail_settings), T0 + timedelta(hours=10))
    assert [o.state for o in down.outcomes] == ["failed"]  # type: ignore[attr-defined]
    state, attempts, _ = _delivery(store)
    assert state == "pending" and attempts == 3 * (REFUSED_AFTER + 2)  # 3 tries per run
    mail_server.sink.refuse = 0
    sent = _run(store, mail_settings, T0 + timedelta(hours=11))
    assert [o.state for o in sent.outcomes] == ["sent"]  # type: ignore[attr-defined]


def test_digest_send_and_status_show_a_refused_digest(
    sqlite_url: str,
    mail_settings: Settings,
    mail_server: MailServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store.open(sqlite_url)
    subscribe(store, mail_settings, mail_server, "nobody@example.org", T0)
    add_work(store, "A paper", "x")
    store.close()
    for key, value in _env(mail_settings, sqlite_url, mail_server.port).items():
        monkeypatch.setenv(key, value)
    mail_server.sink.unknown.add("nobody@example.org")
    runner = CliRunner()
    outputs = [runner.invoke(app, ["digest", "send", "--backoff", "0"]) for _ in range(4)]
    assert [r.exit_code for r in outputs] == [1, 1, 1, 0]
    assert "refused 1" in outputs[2].output and "given up" in outputs[2].output
    assert "refused 0" in outputs[3].output and "failed 0" in outputs[3].output
    status = runner.invoke(app, ["digest", "status"])
    assert "refused" in status.output and "550" in status.output
    assert "1 digest(s) refused permanently" in status.output

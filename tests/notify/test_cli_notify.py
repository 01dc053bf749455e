"""The notify commands: subscribers add/list, digest send (exit status), digest status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from corpus import add_work
from flows import link_token
from typer.testing import CliRunner

from mailsink import MailServer
from paperscope.accounts.clock import utcnow
from paperscope.accounts.keys import load_secret
from paperscope.cli import app
from paperscope.config import Settings
from paperscope.notify.signup import confirm_subscription
from paperscope.store import Store


def _env(settings: Settings, url: str, port: int) -> dict[str, str]:
    return {
        "PAPERSCOPE_DATABASE_URL": url,
        "PAPERSCOPE_DATA_DIR": str(settings.data_dir),
        "PAPERSCOPE_BASE_URL": settings.base_url,
        "PAPERSCOPE_SMTP_PORT": str(port),
        "PAPERSCOPE_EMBEDDING_MODEL": "hashing",
    }


def test_cli_subscribe_send_fail_loudly_then_recover(
    sqlite_url: str,
    mail_settings: Settings,
    mail_server: MailServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = CliRunner()
    for key, value in _env(mail_settings, sqlite_url, mail_server.port).items():
        monkeypatch.setenv(key, value)
    added = runner.invoke(
        app,
        [
            "subscribers",
            "add",
            "cli@example.org",
            "--kind",
            "category",
            "--value",
            "cs.CL",
            "--nothing-new",
            "skip",
        ],
    )
    assert added.exit_code == 0, added.output
    store = Store.open(sqlite_url)
    token = link_token(mail_server, "cli@example.org", "/subscribe/confirm")
    confirm_subscription(store, load_secret(mail_settings), token, utcnow() - timedelta(seconds=1))
    add_work(store, "A CL paper", categories=("cs.CL",))
    store.close()
    listed = runner.invoke(app, ["subscribers", "list"])
    assert "cli@example.org" in listed.output and "active" in listed.output

    monkeypatch.setenv("PAPERSCOPE_SMTP_PORT", str(mail_server.port + 1))  # nobody listens
    failed = runner.invoke(app, ["digest", "send", "--backoff", "0"])
    assert failed.exit_code == 1 and "failed 1" in failed.output
    monkeypatch.setenv("PAPERSCOPE_SMTP_PORT", str(mail_server.port))
    sent = runner.invoke(app, ["digest", "send", "--backoff", "0"])
    assert sent.exit_code == 0 and "sent 1" in sent.output, sent.output
    again = runner.invoke(app, ["digest", "send"])
    assert again.exit_code == 0 and "planned 0; sent 0" in again.output
    status = runner.invoke(app, ["digest", "status"])
    assert "sent" in status.output and "cs.CL" not in status.output
    bad = runner.invoke(app, ["digest", "send", "--period", "hourly"])
    assert bad.exit_code != 0
    assert len([m for m in mail_server.sink.messages if m["List-Unsubscribe"]]) == 1

"""Digests end to end against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from corpus import add_work
from flows import hashing, subscribe
from sqlalchemy import select, update

from mailsink import MailServer, html_of, text_of
from paperscope.config import Settings
from paperscope.notify.digest import send_digests
from paperscope.store import Store
from paperscope.store.accounts_schema import deliveries

T0 = datetime(2026, 11, 20, 8, 0)


def run(store: Store, settings: Settings, now: datetime, period: str = "daily", **kw: object):  # type: ignore[no-untyped-def]
    return send_digests(
        store, settings, period, now=now, encoder_factory=hashing, backoff=(0.0, 0.0), **kw
    )


def digests(server: MailServer, email: str) -> list:  # type: ignore[type-arg]
    return [m for m in server.sink.to(email) if m["List-Unsubscribe"]]


def test_cycle_new_works_sent_once_then_nothing_new_note(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    old = add_work(store, "An old paper already here", "Before the subscription.")
    subscribe(store, mail_settings, mail_server, "ada@example.org", T0)
    new = add_work(store, "A fresh paper", "Ingested after confirming.", upvotes=7)

    report = run(store, mail_settings, T0 + timedelta(hours=1))
    assert report.count("sent") == 1 and not report.failed
    [message] = digests(mail_server, "ada@example.org")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://paperscope.test/unsubscribe/")
    assert message["Message-ID"].startswith("<digest.")
    text = text_of(message)
    assert "A fresh paper" in text and "An old paper" not in text
    assert f"http://paperscope.test/paper/{new}" in text and f"/paper/{old}" not in text
    assert "Why: trending: 7 upvotes" in text
    assert "1 author · Nov 20 · 7 upvotes" in text
    assert 'href="http://paperscope.test/paper/' in html_of(message)

    # A rerun in the same window sends nothing, even with new works (they wait for the next).
    add_work(store, "Later the same day", "Arrives after the first run.")
    again = run(store, mail_settings, T0 + timedelta(hours=2))
    assert again.planned == 0 and again.count("sent") == 0
    assert len(digests(mail_server, "ada@example.org")) == 1

    # Next day: the work that arrived after the first run is there; nothing is repeated.
    run(store, mail_settings, T0 + timedelta(days=1))
    second = digests(mail_server, "ada@example.org")[-1]
    assert "Later the same day" in text_of(second) and "A fresh paper" not in text_of(second)
    assert second["Message-ID"] != message["Message-ID"]

    # The day after: nothing new -> a short note (the subscriber chose "note").
    run(store, mail_settings, T0 + timedelta(days=2))
    note = digests(mail_server, "ada@example.org")[-1]
    assert "nothing new" in str(note["Subject"]) and "Nothing new this time" in text_of(note)
    assert len(digests(mail_server, "ada@example.org")) == 3


def test_nothing_new_skip_is_recorded_not_silent(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    subscribe(store, mail_settings, mail_server, "quiet@example.org", T0, nothing_new="skip")
    report = run(store, mail_settings, T0 + timedelta(hours=1))
    assert report.count("nothing-new") == 1 and report.count("sent") == 0
    assert digests(mail_server, "quiet@example.org") == []
    with store.connect() as connection:
        states = connection.execute(select(deliveries.c.state)).scalars().all()
    assert states == ["skipped"]


def test_hostile_title_is_escaped_in_html_and_kept_in_text(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    subscribe(store, mail_settings, mail_server, "eve@example.org", T0)
    hostile = '<script>alert("x")</script> & <a href="http://evil">Click</a>'
    add_work(store, hostile, "Abstract with <img src=x onerror=alert(1)> inside.\n.\nEnd.")
    run(store, mail_settings, T0 + timedelta(hours=1))
    [message] = digests(mail_server, "eve@example.org")
    html = html_of(message)
    assert "<script>" not in html and "<img" not in html and 'href="http://evil"' not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    assert hostile in text_of(message)
    assert "\n.\n" not in text_of(message)  # whitespace collapsed; a lone dot never ends DATA


def test_smtp_failures_retry_report_and_keep_for_next_run(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    subscribe(store, mail_settings, mail_server, "bob@example.org", T0)
    add_work(store, "Paper for Bob", "x")
    mail_server.sink.refuse = 2
    slept: list[float] = []
    recovered = run(store, mail_settings, T0 + timedelta(hours=1), sleep=slept.append)
    assert recovered.count("sent") == 1 and slept == []  # delays are 0: not slept
    assert len(digests(mail_server, "bob@example.org")) == 1

    add_work(store, "Second paper for Bob", "y")
    mail_server.sink.refuse = 10
    report = run(store, mail_settings, T0 + timedelta(days=1))
    assert len(report.failed) == 1 and "451" in report.failed[0].note
    with store.connect() as connection:
        row = connection.execute(select(deliveries).order_by(deliveries.c.id.desc())).first()
    assert row is not None and row.state == "pending" and "451" in row.last_error
    assert len(digests(mail_server, "bob@example.org")) == 1

    mail_server.sink.refuse = 0
    later = run(store, mail_settings, T0 + timedelta(days=1, hours=3))
    assert later.count("sent") == 1
    last = digests(mail_server, "bob@example.org")[-1]
    assert "Second paper for Bob" in text_of(last)
    assert len(digests(mail_server, "bob@example.org")) == 2


def test_unreachable_server_fails_loudly_and_keeps_everything(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    for name in ("a", "b", "c"):
        subscribe(store, mail_settings, mail_server, f"{name}@example.org", T0)
    add_work(store, "Paper", "x")
    down = mail_settings.model_copy(
        update={"smtp_port": mail_server.port + 1 if mail_server.port < 65535 else 1}
    )
    report = run(store, down, T0 + timedelta(hours=1))
    assert len(report.failed) == 3
    assert sum("unreachable" in o.note for o in report.failed) == 2
    report = run(store, mail_settings, T0 + timedelta(hours=2))
    assert report.count("sent") == 3


def test_crashed_mid_send_row_is_resolved_not_resent(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    subscribe(store, mail_settings, mail_server, "carl@example.org", T0)
    add_work(store, "Paper", "x")
    from paperscope.notify.digest import plan

    plan(store, mail_settings, "daily", T0 + timedelta(hours=1), hashing)
    with store.transaction() as connection:  # as if killed after the final dot
        connection.execute(update(deliveries).values(state="sending"))
    report = run(store, mail_settings, T0 + timedelta(hours=1))
    assert report.count("uncertain") == 1 and report.count("sent") == 0
    assert digests(mail_server, "carl@example.org") == []
    with store.connect() as connection:
        assert connection.execute(select(deliveries.c.state)).scalar_one() == "sent"


def test_unsubscribed_before_sending_is_cancelled(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    subscription = subscribe(store, mail_settings, mail_server, "dan@example.org", T0)
    add_work(store, "Paper", "x")
    from paperscope.notify import subscriptions
    from paperscope.notify.digest import plan

    plan(store, mail_settings, "daily", T0 + timedelta(hours=1), hashing)
    with store.transaction() as connection:
        subscriptions.end(connection, subscription.id, T0 + timedelta(hours=1))
    report = run(store, mail_settings, T0 + timedelta(hours=1))
    assert report.count("cancelled") == 1
    assert digests(mail_server, "dan@example.org") == []


def test_weekly_and_daily_are_separate(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    subscribe(store, mail_settings, mail_server, "w@example.org", T0, period="weekly")
    add_work(store, "Paper", "x")
    assert run(store, mail_settings, T0 + timedelta(hours=1)).planned == 0
    assert run(store, mail_settings, T0 + timedelta(hours=1), "weekly").count("sent") == 1
    # T0 is a Friday: Sunday is the same ISO week, so no second weekly digest.
    assert run(store, mail_settings, T0 + timedelta(days=2), "weekly").planned == 0
    assert run(store, mail_settings, T0 + timedelta(days=3), "weekly").planned == 1


def test_a_run_that_loses_the_claim_never_sends_the_final_dot(
    store: Store, mail_settings: Settings, mail_server: MailServer
) -> None:
    from paperscope.notify.digest import _owed, _Sender, plan

    subscribe(store, mail_settings, mail_server, "race@example.org", T0)
    add_work(store, "Paper", "x")
    now = T0 + timedelta(hours=1)
    plan(store, mail_settings, "daily", now, hashing)
    [due] = _owed(store, "daily")
    with store.transaction() as connection:  # another run claims it first
        connection.execute(update(deliveries).values(state="sending"))
    sender = _Sender(store, mail_settings, now, lambda _: None)
    try:
        assert sender.attempt(due)[0] == "lost-race"
    finally:
        sender.close()
    assert digests(mail_server, "race@example.org") == []  # the body alone is discarded

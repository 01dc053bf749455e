"""Subscribe on the web, confirm from the mail, receive a digest, unsubscribe in one click
(RFC 8058) — and the same through the full app from create_app."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from accounts_helpers import accounts_client, csrf_of, form_token, mailed_link
from fastapi.testclient import TestClient
from sqlalchemy import select

from mailsink import MailServer, html_of
from notify.corpus import add_work
from paperscope.accounts.clock import utcnow
from paperscope.config import Settings
from paperscope.embeddings.encoders import HashingEncoder
from paperscope.notify.digest import send_digests
from paperscope.store import Store
from paperscope.store.accounts_schema import subscriptions


def _digests(server: MailServer, email: str) -> list:  # type: ignore[type-arg]
    return [m for m in server.sink.to(email) if m["List-Unsubscribe"]]


def _status(store: Store) -> str:
    with store.connect() as connection:
        return str(connection.execute(select(subscriptions.c.status)).scalar_one())


def test_subscribe_confirm_digest_and_one_click_unsubscribe(
    settings: Settings, store: Store, mail_server: MailServer
) -> None:
    web = accounts_client(settings, store)
    token = form_token(web, "/subscribe")
    answer = web.post(
        "/subscribe",
        data={
            "email": "sam@example.org",
            "kind": "query",
            "value": "graph networks",
            "period": "daily",
            "nothing_new": "note",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert _status(store) == "pending"

    confirm = mailed_link(mail_server, "sam@example.org", "/subscribe/confirm")
    page = web.get("/subscribe/confirm", params={"token": confirm})
    assert _status(store) == "pending"  # a GET (a mail scanner) changes nothing
    done = web.post("/subscribe/confirm", data={"token": confirm, "csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and "graph networks" in done.text
    assert _status(store) == "active"

    add_work(store, "Graph networks for parsing", "We parse with graph networks.")
    add_work(store, "Unrelated vision paper", "Pixels.")
    now = utcnow() + timedelta(minutes=1)
    send_digests(store, settings, "daily", now=now, encoder_factory=HashingEncoder, backoff=())
    [digest] = _digests(mail_server, "sam@example.org")
    assert "Graph networks for parsing" in html_of(digest)
    assert "Unrelated vision paper" not in html_of(digest)
    assert "matches your search “graph networks” (in the title)" in html_of(digest)

    url = re.fullmatch(r"<(http://paperscope\.test(/unsubscribe/\S+))>", digest["List-Unsubscribe"])
    assert url is not None
    path = url.group(2)
    stranger = TestClient(web.app, base_url="http://paperscope.test")
    assert stranger.get(path[:-3] + "abc").status_code == 404
    assert "Stop the daily digest" in stranger.get(path).text
    assert _status(store) == "active"
    one_click = stranger.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200 and _status(store) == "ended"
    assert stranger.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200

    add_work(store, "More graph networks", "Graph networks again.")
    later = now + timedelta(days=1)
    report = send_digests(store, settings, "daily", now=later, encoder_factory=HashingEncoder)
    assert report.planned == 0 and len(_digests(mail_server, "sam@example.org")) == 1


def test_subscribe_box_of_the_daily_page_works_through_create_app(
    settings: Settings, store: Store, mail_server: MailServer
) -> None:
    app_module = pytest.importorskip("paperscope.web.app")
    client = TestClient(app_module.create_app(settings, store), base_url="http://paperscope.test")
    daily = client.get("/")
    assert daily.status_code == 200 and "Get trending papers in your email inbox" in daily.text
    answer = client.post(
        "/subscribe",
        data={"email": "dora@example.org", "kind": "trending", "csrf_token": csrf_of(daily.text)},
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    confirm = mailed_link(mail_server, "dora@example.org", "/subscribe/confirm")
    page = client.get("/subscribe/confirm", params={"token": confirm})
    done = client.post(
        "/subscribe/confirm", data={"token": confirm, "csrf_token": csrf_of(page.text)}
    )
    assert done.status_code == 200 and _status(store) == "active"
    assert client.post("/subscribe", data={"email": "x@example.org"}).status_code == 403

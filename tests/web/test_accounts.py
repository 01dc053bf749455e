"""Account pages: emailed-link sign-in, sessions, CSRF, rate limits, library isolation,
subscribe / confirm / one-click unsubscribe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from accounts_helpers import accounts_client, csrf_of, form_token, sign_in
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy import select

from mailsink import MailServer
from notify.corpus import add_work
from paperscope.accounts.clock import utcnow
from paperscope.accounts.keys import load_secret, new_signed_token
from paperscope.accounts.users import issue_link
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.accounts_schema import subscriptions


@pytest.fixture
def web(settings: Settings, store: Store) -> TestClient:
    return accounts_client(settings, store)


def test_sign_in_by_link_gives_an_http_only_lax_session(
    web: TestClient, mail_server: MailServer
) -> None:
    assert web.get("/library", follow_redirects=False).headers["location"] == "/signin"
    sign_in(web, mail_server, "Ada@Example.org")
    cookie = next(c for c in web.cookies.jar if c.name == "ps_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure
    library = web.get("/library")
    assert library.status_code == 200 and "Your library" in library.text
    web.post("/signout", data={"csrf_token": csrf_of(library.text)})
    assert web.get("/library", follow_redirects=False).status_code == 303


def test_https_base_url_makes_cookies_secure(
    settings: Settings, store: Store, mail_server: MailServer
) -> None:
    secure = accounts_client(settings.model_copy(update={"base_url": "https://x.test"}), store)
    header = secure.get("/signin").headers["set-cookie"]
    assert "Secure" in header and "HttpOnly" in header and "SameSite=lax" in header


def _flip_first(text: str) -> str:
    """The text with its first character changed: always a change, and (unlike the last
    character of unpadded base64) one that always changes the decoded bytes."""
    return ("B" if text[0] == "A" else "A") + text[1:]


def test_forged_reused_expired_and_misdirected_links_are_rejected(
    web: TestClient, settings: Settings, store: Store, mail_server: MailServer
) -> None:
    secret = load_secret(settings)
    token_field = form_token(web)

    def verify(token: str) -> int:
        return web.post(
            "/signin/verify", data={"token": token, "csrf_token": token_field}
        ).status_code

    with store.transaction() as connection:
        good = issue_link(connection, secret, "signin", "ada@example.org", utcnow())
        old = issue_link(
            connection, secret, "signin", "ada@example.org", utcnow() - timedelta(hours=1)
        )
        confirm = issue_link(connection, secret, "confirm", "ada@example.org", utcnow())
    raw, _, signature = good.partition(".")
    assert verify(f"{raw}.{_flip_first(signature)}") == 400  # forged signature
    assert verify(f"{_flip_first(raw)}.{signature}") == 400  # forged token
    assert verify(new_signed_token(b"another key", "signin")) == 400
    assert verify(new_signed_token(secret, "signin")) == 400  # well signed, never issued
    assert verify(old) == 400  # expired
    assert verify(confirm) == 400  # a confirmation link is not a sign-in link
    assert web.get("/signin/verify", params={"token": old}).status_code == 400
    assert (
        web.post(
            "/signin/verify",
            data={"token": good, "csrf_token": token_field},
            follow_redirects=False,
        ).status_code
        == 303
    )
    again = TestClient(web.app, base_url="http://paperscope.test")
    reused = again.post("/signin/verify", data={"token": good, "csrf_token": form_token(again)})
    assert reused.status_code == 400  # used once already


def test_answers_do_not_reveal_whether_an_address_is_known(
    web: TestClient, mail_server: MailServer
) -> None:
    sign_in(web, mail_server, "known@example.org")
    anonymous = TestClient(web.app, base_url="http://paperscope.test")
    token = form_token(anonymous)
    known = anonymous.post("/signin", data={"email": "known@example.org", "csrf_token": token})
    unknown = anonymous.post("/signin", data={"email": "nobody@example.org", "csrf_token": token})
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("known@", "X@") == unknown.text.replace("nobody@", "X@")
    assert len(mail_server.sink.to("nobody@example.org")) == 1


def test_csrf_is_enforced_on_every_form(web: TestClient, mail_server: MailServer) -> None:
    assert web.post("/signin", data={"email": "a@example.org"}).status_code == 403
    other = TestClient(web.app, base_url="http://paperscope.test")
    foreign = form_token(other)
    assert (
        web.post("/signin", data={"email": "a@example.org", "csrf_token": foreign}).status_code
        == 403
    )
    before = form_token(web)
    sign_in(web, mail_server, "a@example.org")
    for path, data in (
        ("/library/save", {"work_id": "1", "tags": "x"}),
        ("/library/remove", {"work_id": "1"}),
        ("/upvote", {"work_id": "1"}),
        ("/subscribe", {"kind": "trending"}),
        ("/signout", {}),
    ):
        assert web.post(path, data=data).status_code == 403, path
        stale = {**data, "csrf_token": before}  # minted before signing in
        assert web.post(path, data=stale).status_code == 403, path
    assert mail_server.sink.to("nobody") == []


def test_library_tags_upvotes_export_and_isolation(
    web: TestClient, store: Store, mail_server: MailServer, settings: Settings
) -> None:
    work = add_work(store, "Attention {Is} All & You Need", "Transformers.")
    other_work = add_work(store, "Another paper", "Other.")
    sign_in(web, mail_server, "alice@example.org")
    token = form_token(web, "/library")
    web.post(
        "/library/save", data={"work_id": str(work), "tags": "nlp, to read", "csrf_token": token}
    )
    web.post("/library/save", data={"work_id": str(other_work), "tags": "", "csrf_token": token})
    web.post("/upvote", data={"work_id": str(work), "csrf_token": token})
    page = web.get("/library", params={"tag": "nlp"})
    assert "Attention {Is} All &amp; You Need" in page.text and "Another paper" not in page.text
    assert "upvoted" in page.text
    bib = web.get("/library/export.bib")
    assert bib.status_code == 200 and r"Attention \{Is\} All \& You Need" in bib.text
    assert bib.text.count("@") == 2
    assert (
        web.post("/library/save", data={"work_id": "999999", "csrf_token": token}).status_code
        == 404
    )
    web.post("/subscribe", data={"kind": "personal", "value": "nlp", "csrf_token": token})
    with store.connect() as connection:
        [alice_subscription] = connection.execute(select(subscriptions.c.id)).scalars().all()

    bob = accounts_client(settings, store)
    sign_in(bob, mail_server, "bob@example.org")
    bob_token = form_token(bob, "/library")
    assert "Attention" not in bob.get("/library").text
    assert bob.get("/library/export.bib").text == ""
    assert "personal" not in bob.get("/subscriptions").text.split("Add one")[0]
    bob.post("/library/remove", data={"work_id": str(work), "csrf_token": bob_token})
    ended = bob.post(f"/subscriptions/{alice_subscription}/end", data={"csrf_token": bob_token})
    assert ended.status_code == 404
    assert "Attention" in web.get("/library").text
    with store.connect() as connection:
        assert connection.execute(select(subscriptions.c.status)).scalar_one() == "active"
    own = web.post(f"/subscriptions/{alice_subscription}/end", data={"csrf_token": token})
    assert own.status_code == 200 and "— ended" in own.text
    anonymous = TestClient(web.app, base_url="http://paperscope.test")
    anonymous_token = form_token(anonymous)
    response = anonymous.post(
        "/library/save", data={"work_id": str(work), "csrf_token": anonymous_token}
    )
    assert response.status_code == 401


def test_rate_limits_per_address_and_per_client(web: TestClient, mail_server: MailServer) -> None:
    token = form_token(web)
    codes = [
        web.post("/signin", data={"email": "r@example.org", "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]
    assert len(mail_server.sink.to("r@example.org")) == 5
    codes = [
        web.post("/signin", data={"email": f"r{n}@example.org", "csrf_token": token}).status_code
        for n in range(16)
    ]
    assert codes[:14] == [200] * 14 and codes[14:] == [429, 429]  # 20 tries per client and hour


def test_paper_action_partials_save_and_upvote(
    web: TestClient, store: Store, mail_server: MailServer
) -> None:
    partials = web.app.state.web.templates  # the environment with the template globals

    @web.app.get("/_paper/{work_id}", response_class=HTMLResponse)
    def paper(request: Request, work_id: int) -> HTMLResponse:
        return partials.TemplateResponse(
            request, "accounts/_paper_actions.html", {"work_id": work_id}
        )

    work = add_work(store, "A paper to keep", "Abstract.")
    assert "Sign in</a> to save" in web.get(f"/_paper/{work}").text
    sign_in(web, mail_server, "keeper@example.org")
    page = web.get(f"/_paper/{work}").text
    assert 'action="/library/save"' in page and 'action="/upvote"' in page
    saved = web.post(
        "/library/save",
        data={
            "work_id": str(work),
            "tags": "keep",
            "next": f"/paper/{work}",
            "csrf_token": csrf_of(page),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/paper/{work}"
    evil = web.post(
        "/upvote",
        data={"work_id": str(work), "next": "//evil.example", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert evil.headers["location"] == f"/paper/{work}"  # never an open redirect
    assert "A paper to keep" in web.get("/library", params={"tag": "keep"}).text

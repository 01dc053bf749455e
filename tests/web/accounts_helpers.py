"""Helpers of the account-page tests: the app from create_app on a test client, sign-in."""

from __future__ import annotations

import re
from urllib.parse import unquote

from fastapi.testclient import TestClient

from mailsink import MailServer, text_of
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.web.app import create_app


def accounts_client(settings: Settings, store: Store) -> TestClient:
    return TestClient(create_app(settings, store), base_url="http://paperscope.test")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def form_token(client: TestClient, path: str = "/signin") -> str:
    return csrf_of(client.get(path).text)


def mailed_link(server: MailServer, email: str, path: str) -> str:
    message = server.sink.to(email)[-1]
    found = re.search(re.escape(path) + r"\?token=(\S+)", text_of(message))
    assert found, text_of(message)
    return unquote(found.group(1))


def sign_in(client: TestClient, server: MailServer, email: str) -> None:
    response = client.post("/signin", data={"email": email, "csrf_token": form_token(client)})
    assert response.status_code == 200, response.text
    token = mailed_link(server, email, "/signin/verify")
    page = client.get("/signin/verify", params={"token": token})
    assert page.status_code == 200
    done = client.post(
        "/signin/verify",
        data={"token": token, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text

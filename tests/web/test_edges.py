"""Web edges: ids outside the id columns' range (or not ASCII digits) answer 400/404, never
500, on every route that takes one; forwarded headers are believed from configured proxies only
(so the per-client rate limit cannot be dodged); HSTS over https."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from accounts_helpers import csrf_of, form_token, sign_in
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from web_corpus import WebCorpus

from mailsink import MailServer
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.accounts_schema import subscriptions
from paperscope.untrusted import MAX_ID
from paperscope.web.app import create_app

BAD_IDS = [
    "99999999999999999999999",
    "2147483648",  # 2^31: one past the largest INTEGER on PostgreSQL
    "9223372036854775807",
    "9223372036854775808",  # 2^63: past SQLite's integers
    "18446744073709551616",  # 2^64
    "9" * 400,
    "-1",
    "-9223372036854775809",
    "²",  # str.isdigit() says yes, int() says no
    "٣",  # Arabic-Indic three: int() reads it
    "１",  # fullwidth one
    "1_000",
    "+5",
    "1e3",
    "0x10",
    "%20",
    "1%00",
]
ID_ROUTES = [
    "/paper/{}",
    "/paper/{}.bib",
    "/paper/{}.json",
    "/author/{}",
    "/api/paper/{}",
    "/api/author/{}",
    "/feeds/author/{}.rss",
    "/feeds/author/{}.atom",
    "/paper/{}/neighbourhood",
    "/api/paper/{}/neighbourhood",
]
_PATH_ID = re.compile(r"\{[a-z_]*_id\}")


def test_every_route_taking_an_id_is_checked_here(web_client: TestClient) -> None:
    """A new route with an id in its path must join ID_ROUTES (and read it as RowId)."""
    app: Any = web_client.app
    paths = {route.path for route in app.routes if _PATH_ID.search(getattr(route, "path", ""))}
    spelled = {_PATH_ID.sub("{}", path).replace("{fmt}", "rss") for path in paths}
    assert spelled - set(ID_ROUTES) == set()


@pytest.mark.parametrize("route", ID_ROUTES)
def test_ids_beyond_range_or_not_digits_answer_4xx(web_client: TestClient, route: str) -> None:
    for bad in BAD_IDS:
        response = web_client.get(route.format(bad))
        assert response.status_code in (400, 404), (route, bad, response.status_code)
        assert "Traceback" not in response.text


@pytest.mark.parametrize("route", ID_ROUTES)
def test_the_largest_id_is_simply_not_found(web_client: TestClient, route: str) -> None:
    assert web_client.get(route.format(MAX_ID)).status_code == 404
    assert web_client.get(route.format(0)).status_code == 404


def test_the_schema_states_the_id_range(web_client: TestClient) -> None:
    schema = web_client.get("/openapi.json").json()
    parameter = schema["paths"]["/api/paper/{work_id}"]["get"]["parameters"][0]
    assert parameter["schema"]["type"] == "integer"
    assert parameter["schema"]["minimum"] == 0
    assert parameter["schema"]["maximum"] == MAX_ID


def test_a_good_id_still_works(web_client: TestClient, web_corpus: WebCorpus) -> None:
    work_id = web_corpus.work["synthetic-day-1"]
    for route in ("/paper/{}", "/paper/{}.bib", "/paper/{}.json", "/api/paper/{}"):
        assert web_client.get(route.format(work_id)).status_code == 200
    assert web_client.get(f"/paper/00{work_id}").status_code == 200  # leading zeros read


# --- forms, on the account pages (SQLite and PostgreSQL) ---------------------------------


@pytest.fixture
def signed_in(settings: Settings, store: Store, mail_server: MailServer) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store), base_url="http://paperscope.test") as client:
        sign_in(client, mail_server, "ada@example.org")
        yield client


@pytest.mark.parametrize("path", ["/library/save", "/library/remove", "/upvote"])
def test_form_ids_are_ascii_digits(signed_in: TestClient, path: str) -> None:
    token = csrf_of(signed_in.get("/library").text)
    for bad in ["²", "٣", "-1", "9" * 30, "1_0", "", " 1"]:
        response = signed_in.post(path, data={"work_id": bad, "csrf_token": token})
        assert response.status_code == 400, (path, bad, response.status_code)
    missing = signed_in.post(
        path, data={"work_id": str(MAX_ID), "csrf_token": token}, follow_redirects=False
    )
    assert missing.status_code in (303, 404)  # removing nothing is fine; saving it is 404


def test_subscription_ids_and_values_are_checked(signed_in: TestClient) -> None:
    token = csrf_of(signed_in.get("/subscriptions").text)
    for bad in ["²", "9" * 30, "-1"]:
        response = signed_in.post(f"/subscriptions/{bad}/end", data={"csrf_token": token})
        assert response.status_code == 400, bad
        response = signed_in.post(
            "/subscribe",
            data={"kind": "person", "value": bad, "period": "daily", "csrf_token": token},
        )
        assert response.status_code == 400, bad
    for bad in ["².abc", f"{'9' * 30}.abc", "-1.abc"]:
        assert signed_in.get(f"/unsubscribe/{bad}").status_code == 404, bad
        assert signed_in.post(f"/unsubscribe/{bad}").status_code == 404, bad


def test_nul_in_a_form_or_a_tag_is_a_400(signed_in: TestClient) -> None:
    token = csrf_of(signed_in.get("/library").text)
    assert signed_in.get("/library", params={"tag": "a\x00b"}).status_code == 400
    assert signed_in.get("/library/export.bib", params={"tag": "a\x00b"}).status_code == 400
    response = signed_in.post(
        "/subscribe",
        data={"kind": "query", "value": "x\x00y", "period": "daily", "csrf_token": token},
    )
    assert response.status_code == 400


NON_ASCII = ["é", "abc.é", "abc.\u00e9\u00e9", "x.\U0001f600", "1.²"]


def test_non_ascii_tokens_and_csrf_are_refused_not_500(signed_in: TestClient, store: Store) -> None:
    """Signatures are compared as bytes: a non-ASCII token or CSRF field is just wrong (found
    by schemathesis: `hmac.compare_digest` raised TypeError on them)."""
    token = csrf_of(signed_in.get("/subscriptions").text)
    made = signed_in.post(
        "/subscribe",
        data={"kind": "category", "value": "cs.LG", "period": "daily", "csrf_token": token},
    )
    assert made.status_code == 200
    with store.connect() as connection:
        subscription = connection.execute(select(subscriptions.c.id)).scalars().first()
    assert subscription is not None
    for bad in NON_ASCII:
        for path in ("/signin/verify", "/subscribe/confirm"):
            assert signed_in.get(path, params={"token": bad}).status_code < 500, (path, bad)
            posted = signed_in.post(path, data={"token": bad, "csrf_token": token})
            assert posted.status_code < 500, (path, bad)
        for unsubscribe in (f"/unsubscribe/{subscription}.{bad}", f"/unsubscribe/{bad}"):
            assert signed_in.get(unsubscribe).status_code == 404, bad
            assert signed_in.post(unsubscribe).status_code == 404, bad
        forged = signed_in.post("/library/save", data={"work_id": "1", "csrf_token": bad})
        assert forged.status_code == 403, bad


# --- forwarded headers and HSTS ------------------------------------------------------------

PROXY = ("10.0.0.7", 40000)
STRANGER = ("203.0.113.9", 40000)


def _client(settings: Settings, store: Store, address: tuple[str, int]) -> TestClient:
    app = create_app(settings, store)
    return TestClient(app, base_url="http://paperscope.test", client=address)


def _signin_codes(client: TestClient, count: int, forwarded: bool) -> list[int]:
    token = form_token(client)
    codes = []
    for n in range(count):
        headers = {"X-Forwarded-For": f"198.51.100.{n}"} if forwarded else {}
        data = {"email": f"x{n}@example.org", "csrf_token": token}
        codes.append(client.post("/signin", data=data, headers=headers).status_code)
    return codes


def test_a_stranger_cannot_multiply_sign_in_mails_with_x_forwarded_for(
    settings: Settings, store: Store, mail_server: MailServer
) -> None:
    trusting = settings.model_copy(update={"trusted_proxies": "10.0.0.0/8"})
    with _client(trusting, store, STRANGER) as stranger:
        codes = _signin_codes(stranger, 22, forwarded=True)
    assert codes[:20] == [200] * 20 and codes[20:] == [429, 429]  # 20 per client and hour
    assert len(mail_server.sink.messages) == 20


def test_a_configured_proxy_is_believed(
    settings: Settings, store: Store, mail_server: MailServer
) -> None:
    trusting = settings.model_copy(update={"trusted_proxies": "10.0.0.0/8, 127.0.0.1"})
    with _client(trusting, store, PROXY) as proxy:
        codes = _signin_codes(proxy, 22, forwarded=True)  # 22 different clients behind it
    assert codes == [200] * 22


def test_no_proxy_is_trusted_by_default(
    settings: Settings, store: Store, mail_server: MailServer
) -> None:
    assert settings.trusted_proxies == ""
    with _client(settings, store, ("127.0.0.1", 40000)) as local:
        codes = _signin_codes(local, 21, forwarded=True)
    assert codes[20:] == [429]


def test_trusted_proxies_must_be_addresses() -> None:
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(_env_file=None, trusted_proxies="proxy.example.org")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="http"):
        Settings(_env_file=None, base_url="javascript:alert(1)")  # type: ignore[call-arg]


def test_hsts_over_https_only(web_corpus: WebCorpus) -> None:
    plain_settings = web_corpus.settings
    app = create_app(plain_settings, web_corpus.store)
    with TestClient(app, base_url="http://paperscope.test") as plain:
        assert "strict-transport-security" not in plain.get("/about").headers
    with TestClient(app, base_url="https://paperscope.test") as direct:
        assert direct.get("/about").headers["strict-transport-security"] == "max-age=31536000"
    proxied = plain_settings.model_copy(update={"trusted_proxies": "10.0.0.1"})
    with TestClient(create_app(proxied, web_corpus.store), client=("10.0.0.1", 1)) as proxy:
        forwarded = proxy.get("/about", headers={"X-Forwarded-Proto": "https"})
        assert forwarded.headers["strict-transport-security"] == "max-age=31536000"
        assert "strict-transport-security" not in proxy.get("/about").headers
    with TestClient(app, client=STRANGER) as stranger:
        spoofed = stranger.get("/about", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in spoofed.headers
    public = plain_settings.model_copy(update={"base_url": "https://papers.example.org"})
    with TestClient(create_app(public, web_corpus.store)) as behind:
        headers = behind.get("/api/daily").headers
        assert headers["strict-transport-security"] == "max-age=31536000"
        assert behind.get("/nowhere").headers["strict-transport-security"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_paperscope_serve_believes_no_forwarded_header_by_default(
    tmp_path: Path, mail_settings: Settings, mail_server: MailServer
) -> None:
    """The real server (`paperscope serve`, uvicorn) on loopback: before the fix uvicorn's own
    proxy handling believed X-Forwarded-For from 127.0.0.1, so every sign-in request could
    claim a new client and the per-client limit never bit."""
    port = _free_port()
    env = {
        **os.environ,
        "PAPERSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "PAPERSCOPE_DATA_DIR": str(mail_settings.data_dir),
        "PAPERSCOPE_SMTP_PORT": str(mail_server.port),
        "PAPERSCOPE_EMBEDDING_MODEL": "hashing",
        "FORWARDED_ALLOW_IPS": "*",  # uvicorn's own setting: must not matter any more
    }
    env.pop("PAPERSCOPE_TRUSTED_PROXIES", None)
    command = [sys.executable, "-m", "paperscope", "serve", "--port", str(port), "--no-access-log"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "paperscope serve did not start"
                time.sleep(0.2)
            found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
            assert found
            codes = [
                client.post(
                    "/signin",
                    data={"email": f"s{n}@example.org", "csrf_token": found.group(1)},
                    headers={"X-Forwarded-For": f"198.51.100.{n}", "X-Forwarded-Proto": "https"},
                ).status_code
                for n in range(21)
            ]
            assert codes == [200] * 20 + [429]
            about = client.get("/about", headers={"X-Forwarded-Proto": "https"})
            assert "strict-transport-security" not in about.headers
            while client.get("/healthz").json()["warming"] == "yes":  # its warm-up thread
                assert time.monotonic() < deadline + 60, "the warm-up did not end"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_healthz_says_while_the_server_warms_up(web_client: TestClient) -> None:
    app = web_client.app
    release = threading.Event()
    warm_up = threading.Thread(target=release.wait, daemon=True)
    warm_up.start()
    app.state.warm_up = warm_up  # type: ignore[attr-defined]
    try:
        assert web_client.get("/healthz").json() == {"status": "ok", "warming": "yes"}
    finally:
        release.set()
        warm_up.join(timeout=10)
    assert web_client.get("/healthz").json() == {"status": "ok", "warming": "no"}
    app.state.warm_up = None  # type: ignore[attr-defined]
    assert web_client.get("/healthz").json()["warming"] == "no"

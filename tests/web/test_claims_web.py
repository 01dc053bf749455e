"""Claims, corrections and the admin page on the web (SQLite and PostgreSQL): who may do
what (401 signed out, 403 for the wrong user, CSRF on every form), nobody reviewing their
own claim, and the profile's "corrected by its owner" with its history."""

from __future__ import annotations

import re

import httpx
import pytest
from accounts_helpers import accounts_client, csrf_of, sign_in
from fastapi.testclient import TestClient
from sqlalchemy import update

from claims_helpers import FOLDING, janes, person_with, pipeline, work_row
from mailsink import MailServer
from paperscope.accounts import roles
from paperscope.accounts.clock import utcnow
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.schema import authorships


@pytest.fixture
def resolved(settings: Settings, store: Store) -> Store:
    pipeline(store, settings, "ingest", "resolve")
    return store


def _admin(settings: Settings, store: Store, server: MailServer, email: str) -> TestClient:
    with store.transaction() as connection:
        roles.grant(connection, email, roles.ADMIN, utcnow())
    client = accounts_client(settings, store)
    sign_in(client, server, email)
    return client


def _user(settings: Settings, store: Store, server: MailServer, email: str) -> TestClient:
    client = accounts_client(settings, store)
    sign_in(client, server, email)
    return client


def _post(client: TestClient, page: str, url: str, **data: str) -> httpx.Response:
    """POST a form to `url` with the CSRF token of `page`, as a browser would."""
    token = csrf_of(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_claim_review_and_correction_with_authorization(
    settings: Settings, resolved: Store, mail_server: MailServer
) -> None:
    person = person_with(resolved, FOLDING)
    other = next(p for p in janes(resolved) if p != person)
    profile = f"/author/{person}"
    anonymous = accounts_client(settings, resolved)
    assert "Sign in</a> to claim" in anonymous.get(profile).text
    assert anonymous.get("/admin").status_code == 401
    assert anonymous.get("/api/admin").status_code == 401

    jane = _user(settings, resolved, mail_server, "jane@example.org")
    assert "This is me" in jane.get(profile).text
    assert jane.post(f"{profile}/claim", data={}).status_code == 403  # no CSRF token
    claimed = _post(jane, profile, f"{profile}/claim")
    assert claimed.status_code == 303
    assert "waiting for an admin" in jane.get(profile).text
    # Not an admin: the page, its JSON and every action are forbidden.
    assert jane.get("/admin").status_code == 403
    assert jane.get("/api/admin").status_code == 403
    assert _post(jane, profile, "/admin/claims/1", action="approve").status_code == 403
    assert _post(jane, profile, "/admin/corrections/1/revert").status_code == 403
    # Not the owner yet: no corrections.
    assert (
        _post(jane, profile, f"{profile}/corrections", kind="split", works="1").status_code == 403
    )

    with resolved.transaction() as connection:  # an ORCID printed on her works
        connection.execute(
            update(authorships)
            .where(authorships.c.person_id == person)
            .values(orcid="0000-0002-1825-0097")
        )
    admin = _admin(settings, resolved, mail_server, "admin@example.org")
    page = admin.get("/admin")
    assert page.status_code == 200 and "jane@example.org" in page.text
    assert "Printed on the works: 0000-0002-1825-0097" in _text(page.text)
    claim_id = re.search(r'data-claim="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    assert admin.post(f"/admin/claims/{claim_id}", data={"action": "approve"}).status_code == 403
    assert _post(admin, "/admin", f"/admin/claims/{claim_id}", action="approve").status_code == 303
    assert "you own this profile" in jane.get(profile).text

    # The owner proposes: not on someone else's profile, and only their own works.
    assert (
        _post(jane, profile, f"/author/{other}/corrections", kind="split", works="1").status_code
        == 403
    )
    moved = work_row(resolved, "1703.00003")
    proposed = _post(jane, profile, f"{profile}/corrections", kind="split", works=str(moved))
    assert proposed.status_code == 303
    assert janes(resolved)[person] == FOLDING  # waits for review
    assert "Waiting for review" in jane.get(profile).text
    page = admin.get("/admin")
    proposal_id = re.search(r'data-proposal="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    assert (
        _post(jane, profile, f"/admin/proposals/{proposal_id}", action="approve").status_code == 403
    )
    assert (
        _post(admin, "/admin", f"/admin/proposals/{proposal_id}", action="approve").status_code
        == 303
    )
    assert janes(resolved)[person] == {"1501.00001", "1602.00002"}

    shown = _text(anonymous.get(profile).text)
    assert "Corrected by its owner." in shown and "split by its owner" in shown
    public = anonymous.get(f"/api/author/{person}/corrections").json()
    assert public["history"]["corrected_by"] == "its owner"
    assert public["history"]["entries"][0]["proposed_by"] is None  # no addresses in public
    seen_by_admin = admin.get(f"/api/author/{person}/corrections").json()
    assert seen_by_admin["history"]["entries"][0]["approved_by"] == "admin@example.org"
    data = admin.get("/api/admin").json()
    assert {"users", "pending_claims", "pending_proposals", "quarantine", "runs"} <= set(data)
    assert [r["stage"] for r in data["runs"][:2]] == ["resolve", "ingest"]
    assert data["users"][0]["roles"] == ["admin"]


def test_nobody_approves_their_own_claim_on_the_web(
    settings: Settings, resolved: Store, mail_server: MailServer
) -> None:
    person = person_with(resolved, FOLDING)
    admin = _admin(settings, resolved, mail_server, "admin@example.org")
    assert _post(admin, f"/author/{person}", f"/author/{person}/claim").status_code == 303
    page = admin.get("/admin")
    assert "your own claim: another admin reviews it" in page.text
    claim_id = re.search(r'data-claim="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    refused = _post(admin, "/admin", f"/admin/claims/{claim_id}", action="approve")
    assert refused.status_code == 403
    assert "own claim" in refused.text
    second = _admin(settings, resolved, mail_server, "second@example.org")
    assert _post(second, "/admin", f"/admin/claims/{claim_id}", action="reject").status_code == 303
    assert "This is me" in admin.get(f"/author/{person}").text  # rejected: may claim again


def test_proposal_text_is_escaped_and_pages_have_no_inline_script(
    settings: Settings, resolved: Store, mail_server: MailServer
) -> None:
    person = person_with(resolved, FOLDING)
    other = next(p for p in janes(resolved) if p != person)
    admin = _admin(settings, resolved, mail_server, "admin@example.org")
    jane = _user(settings, resolved, mail_server, "jane@example.org")
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    _post(jane, f"/author/{person}", f"/author/{person}/claim")
    claim_id = re.search(r'data-claim="(\d+)"', admin.get("/admin").text).group(1)  # type: ignore[union-attr]
    _post(admin, "/admin", f"/admin/claims/{claim_id}", action="approve")
    proposed = _post(
        jane, f"/author/{person}", f"/author/{person}/corrections", kind="merge",
        other_person=str(other), note=hostile,
    )  # fmt: skip
    assert proposed.status_code == 303
    for client, path in ((admin, "/admin"), (jane, f"/author/{person}")):
        html = client.get(path).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "<script" not in html and "<img" not in html and "style=" not in html
    bad = _post(jane, f"/author/{person}", f"/author/{person}/corrections", kind="rename")
    assert bad.status_code == 400
    none = _post(jane, f"/author/{person}", f"/author/{person}/corrections", kind="split")
    assert none.status_code == 400 and "at least one work" in none.text

"""Following on the web, on SQLite and PostgreSQL: the Follow/Unfollow buttons of the person,
venue, category and search pages (POSTs with CSRF), the Following page, the home feed and
their JSON twins agreeing, and nobody seeing or removing another user's follows."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from accounts_helpers import accounts_client, csrf_of, sign_in
from fastapi.testclient import TestClient

from mailsink import MailServer
from notify.corpus import add_person, add_work
from paperscope.config import Settings
from paperscope.store import Store


@pytest.fixture
def web(settings: Settings, store: Store) -> TestClient:
    return accounts_client(settings, store)


def _button(page: str) -> dict[str, str]:
    """The fields of the page's Follow/Unfollow form."""
    found = re.search(r'<form method="post" action="(/(?:un)?follow)"(.*?)</form>', page, re.S)
    assert found, page
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', found.group(2))
    }
    fields["action"] = found.group(1)
    label = re.search(r'<button type="submit"[^>]*>(\w+)</button>', found.group(2))
    assert label
    fields["label"] = label.group(1)
    return fields


def _press(client: TestClient, path: str) -> str:
    """Open `path`, press its Follow/Unfollow button; the label it shows afterwards."""
    fields = _button(client.get(path).text)
    action, _ = fields.pop("action"), fields.pop("label")
    done = client.post(action, data=fields, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == path
    return _button(client.get(path).text)["label"]


def test_follow_from_each_page_then_the_feed_and_its_json(
    web: TestClient, store: Store, mail_server: MailServer
) -> None:
    grace = add_person(store, "Grace Hopper")
    hers = add_work(
        store,
        "Compilers for everyone",
        authors=(("Grace Hopper", grace),),
        categories=("cs.PL",),
        published=date(2026, 1, 5),
    )
    at_acl = add_work(
        store, "Parsing news", venue="ACL 2019", categories=("cs.CL",), published=date(2026, 3, 1)
    )
    graphs = add_work(store, "Graph networks", categories=("cs.LG",), published=date(2026, 4, 1))
    vision = add_work(store, "Pixels", categories=("cs.CV",), published=date(2026, 2, 1))
    add_work(store, "Unrelated", categories=("cs.DB",), published=date(2026, 5, 1))

    assert "Sign in to follow" in web.get(f"/author/{grace}").text
    sign_in(web, mail_server, "pat@example.org")
    for path in (
        f"/author/{grace}",
        "/venue?name=ACL+2019",
        "/category/cs.CV",
        "/search?q=graph&mode=keyword",
    ):
        assert _button(web.get(path).text)["label"] == "Follow", path
        assert _press(web, path) == "Unfollow", path

    following = web.get("/following")
    assert following.status_code == 200
    text = " ".join(following.text.split())
    for shown in ("Grace Hopper", "ACL 2019", "cs.CV", "graph"):
        assert shown in text
    listed = web.get("/api/following").json()
    assert [(f["kind"], f["value"]) for f in listed["follows"]] == [
        ("category", "cs.CV"),
        ("person", str(grace)),
        ("query", "graph"),
        ("venue", "acl"),
    ]

    home = web.get("/home")
    assert home.status_code == 200
    ids = [int(i) for i in re.findall(r'data-work-id="(\d+)"', home.text)]
    assert ids == [graphs, at_acl, vision, hers]
    assert "You follow the person Grace Hopper: by Grace Hopper (as “Grace Hopper”)" in home.text
    feed = web.get("/api/home").json()
    assert [e["work"]["work_id"] for e in feed["entries"]] == ids
    assert feed["entries"][0]["reasons"][0]["reason"] == (
        "matches your search “graph” (in the title)"
    )
    assert (feed["total"], feed["pages"], feed["follows"]) == (4, 1, 4)

    # Unfollowing from the Following page takes the person's works out of the feed.
    person = next(f for f in listed["follows"] if f["kind"] == "person")
    done = web.post(
        "/unfollow",
        data={"follow_id": str(person["id"]), "csrf_token": csrf_of(following.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/following"
    assert hers not in [e["work"]["work_id"] for e in web.get("/api/home").json()["entries"]]


def test_follow_a_search_or_institution_from_the_following_page(
    web: TestClient, store: Store, mail_server: MailServer
) -> None:
    work = add_work(store, "Robots", authors=(("Rod Brooks", None),), affiliations=("CSAIL, MIT",))
    sign_in(web, mail_server, "pat@example.org")
    token = csrf_of(web.get("/following").text)
    done = web.post(
        "/follow",
        data={"kind": "institution", "value": "MIT", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/following"
    feed = web.get("/api/home").json()
    assert [e["work"]["work_id"] for e in feed["entries"]] == [work]
    assert feed["entries"][0]["reasons"][0]["reason"] == "Rod Brooks at CSAIL, MIT"
    missing = web.post(
        "/follow", data={"kind": "institution", "value": "Caltech", "csrf_token": token}
    )
    assert missing.status_code == 404
    bad = web.post("/follow", data={"kind": "journal", "value": "Nature", "csrf_token": token})
    assert bad.status_code == 400


def test_strangers_csrf_and_other_users(
    web: TestClient, store: Store, settings: Settings, mail_server: MailServer
) -> None:
    add_work(store, "Parsing", categories=("cs.CL",))
    for path in ("/following", "/home"):
        response = web.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/signin"
    for path in ("/api/following", "/api/home"):
        assert web.get(path).status_code == 401
    assert web.post("/follow", data={"kind": "category", "value": "cs.CL"}).status_code == 401

    sign_in(web, mail_server, "pat@example.org")
    refused = web.post("/follow", data={"kind": "category", "value": "cs.CL"})
    assert refused.status_code == 403  # no CSRF token
    assert web.get("/api/following").json()["follows"] == []
    token = csrf_of(web.get("/following").text)
    web.post("/follow", data={"kind": "category", "value": "cs.CL", "csrf_token": token})
    mine = web.get("/api/following").json()["follows"]
    assert len(mine) == 1

    other = accounts_client(settings, store)
    sign_in(other, mail_server, "sam@example.org")
    assert other.get("/api/following").json()["follows"] == []
    assert other.get("/api/home").json()["entries"] == []
    assert "Parsing" not in other.get("/home").text
    theirs = csrf_of(other.get("/following").text)
    stolen = other.post("/unfollow", data={"follow_id": str(mine[0]["id"]), "csrf_token": theirs})
    assert stolen.status_code == 404
    assert web.get("/api/following").json()["follows"] == mine


def test_hostile_names_are_escaped_and_pages_run_no_inline_script(
    web: TestClient, store: Store, mail_server: MailServer
) -> None:
    hostile = "<script>alert('x')</script> Lab"
    add_work(
        store,
        "<img src=x onerror=alert(1)> Robots",
        authors=(("<b>Rod</b>", None),),
        affiliations=(hostile,),
    )
    sign_in(web, mail_server, "pat@example.org")
    token = csrf_of(web.get("/following").text)
    web.post("/follow", data={"kind": "institution", "value": hostile, "csrf_token": token})
    for path in ("/following", "/home"):
        page = web.get(path).text
        assert "<script" not in page and "<img" not in page and "<b>Rod" not in page, path
        assert " onclick=" not in page and "style=" not in page, path
    assert "&lt;script&gt;" in web.get("/home").text

"""People search, experts and reviewers: each page and its JSON twin agree, bad input gets a
clear 4xx, hostile text is escaped (the hand-written corpus, SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from accounts_helpers import csrf_of
from fastapi.testclient import TestClient
from markupsafe import escape
from web_corpus import WebCorpus

TOPIC = "TinyML federated meta-learning"


def _person_keys(html: str, tag: str) -> list[str]:
    return re.findall(rf'<{tag} class="[^"]*" data-person-key="([^"]+)"', html)


def test_people_page_tells_namesakes_apart(web_client: TestClient, web_corpus: WebCorpus) -> None:
    page = web_client.get("/people", params={"q": "Haoyu Ren"})
    assert page.status_code == 200
    keys = _person_keys(page.text, "li")
    assert keys == [f"person:{web_corpus.haoyu}", f"person:{web_corpus.namesake}"]
    assert "different people" in page.text and "Darko Anicic" in page.text  # a co-author
    assert "2021–2024" in page.text and "2022" in page.text
    body = web_client.get("/api/people", params={"q": "Haoyu Ren"}).json()
    assert [p["person_key"] for p in body["people"]] == keys
    assert body["total"] == 2 and body["people"][0]["papers"] == 5
    assert body["how"] and "How people are found" in page.text


def test_people_by_surname_or_key(web_client: TestClient, web_corpus: WebCorpus) -> None:
    body = web_client.get("/api/people", params={"q": "Ren"}).json()
    keys = [p["person_key"] for p in body["people"]]
    assert f"person:{web_corpus.haoyu}" in keys and f"person:{web_corpus.namesake}" in keys
    by_key = web_client.get("/api/people", params={"q": "name:darko anicic"}).json()
    assert [p["name"] for p in by_key["people"]] == ["Darko Anicic"]
    assert web_client.get("/people").status_code == 200  # the empty form


def test_experts_page_and_json_agree(web_client: TestClient, web_corpus: WebCorpus) -> None:
    page = web_client.get("/experts", params={"q": TOPIC})
    assert page.status_code == 200
    body = web_client.get("/api/experts", params={"q": TOPIC}).json()
    keys = [e["person"]["person_key"] for e in body["experts"]]
    assert _person_keys(page.text, "section") == keys
    assert f"person:{web_corpus.haoyu}" in keys[:2]
    assert f"person:{web_corpus.namesake}" not in keys[:3]
    first = body["experts"][0]
    assert first["rank"] == 1 and first["works"] and len(first["works"]) <= 3
    for contribution, work in zip(first["contributions"], first["works"], strict=True):
        assert contribution["work_id"] == work["work_id"]
        assert contribution["citations"] == work["citations"]
        assert f"match {contribution['match']:.2f} × weight" in page.text
    assert "How the ranking is computed" in page.text and str(escape(body["how"])) in page.text
    assert body["mode"] == "hybrid" and body["total"] >= 4
    assert web_client.get("/experts").status_code == 200  # the empty form


def test_experts_pages_page_through_one_ranking(web_client: TestClient) -> None:
    whole = web_client.get("/api/experts", params={"q": TOPIC, "per_page": 50}).json()
    second = web_client.get("/api/experts", params={"q": TOPIC, "per_page": 2, "page": 2}).json()
    assert [e["person"]["person_key"] for e in second["experts"]] == [
        e["person"]["person_key"] for e in whole["experts"][2:4]
    ]


def _reviewers_form(web_client: TestClient, **fields: str) -> dict[str, str]:
    token = csrf_of(web_client.get("/reviewers").text)
    return {
        "csrf_token": token,
        "abstract": TOPIC,
        "authors": "Darko Anicic | Siemens",
        "years": "3",
        "as_of": "2024",
        **fields,
    }


def test_reviewers_form_excludes_coauthors_with_evidence(
    web_client: TestClient, web_corpus: WebCorpus
) -> None:
    page = web_client.post("/reviewers", data=_reviewers_form(web_client))
    assert page.status_code == 200, page.text
    excluded = re.search(r'<ol class="excluded">(.*?)</ol>', page.text, re.S)
    assert excluded is not None
    assert f'data-person-key="person:{web_corpus.haoyu}"' in excluded.group(1)
    assert "co-authored &#39;Alpha: the most upvoted paper of the day&#39; (2024)" in page.text
    assert 'data-person-key="name:darko anicic"' in excluded.group(1)  # the author
    suggested = _person_keys(page.text.split('<ol class="excluded">')[1], "section")
    assert f"person:{web_corpus.haoyu}" not in suggested
    assert "How reviewers are chosen" in page.text


def test_reviewers_json_twin_agrees_with_the_form(
    web_client: TestClient, web_corpus: WebCorpus
) -> None:
    body = {
        "abstract": TOPIC,
        "authors": [{"name": "Darko Anicic", "affiliation": "Siemens"}],
        "years": 3,
        "as_of": 2024,
    }
    answer = web_client.post("/api/reviewers", json=body)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    reasons = {
        item["person"]["person_key"]: [c["reason"] for c in item["conflicts"]]
        for item in data["excluded"]
    }
    assert reasons[f"person:{web_corpus.haoyu}"] == ["co-author"]
    assert reasons["name:darko anicic"] == ["author"]
    page = web_client.post("/reviewers", data=_reviewers_form(web_client))
    assert _person_keys(page.text.split("Suggested reviewers")[1], "section") == [
        e["person"]["person_key"] for e in data["reviewers"]
    ]
    assert data["first_year"] == 2021 and data["authors"][0]["window_works"] == 5


def test_reviewers_form_needs_its_csrf_token(web_client: TestClient) -> None:
    fields = _reviewers_form(web_client)
    del fields["csrf_token"]
    assert web_client.post("/reviewers", data=fields).status_code == 403


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/experts?q=", 400, "the query is empty"),
        ("/experts?q=" + "a" * 10_001, 400, "too long"),
        ("/experts?q=TinyML&page=0", 400, "page must be between"),
        ("/experts?q=TinyML&page=100", 400, "out of range"),
        ("/people?q=", 400, "the name is empty"),
        ("/people?q=" + "a" * 201, 400, "too long"),
        ("/people?q=%21%21%21", 400, "is not a name"),
        ("/people?q=Haoyu%20Ren&page=9", 400, "out of range"),
    ],
)
def test_bad_requests_get_clear_pages(
    web_client: TestClient, path: str, status: int, words: str
) -> None:
    response = web_client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert words in response.text and "Traceback" not in response.text


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/api/experts", 400, "empty"),
        ("/api/experts?q=TinyML&per_page=500", 400, "per_page must be between"),
        ("/api/people", 400, "empty"),
    ],
)
def test_bad_api_requests_get_json_errors(
    web_client: TestClient, path: str, status: int, words: str
) -> None:
    response = web_client.get(path)
    assert response.status_code == status
    assert words in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"abstract": "", "authors": [{"name": "A B"}]}, "empty"),
        ({"abstract": TOPIC, "authors": []}, "author list is empty"),
        ({"abstract": TOPIC, "authors": [{"name": "A B"}], "years": -1}, "years must be"),
        ({"abstract": TOPIC}, "authors"),
        ({"abstract": TOPIC, "authors": "Ada"}, "authors"),
    ],
)
def test_bad_reviewer_requests_get_json_errors(
    web_client: TestClient, body: dict[str, object], words: str
) -> None:
    response = web_client.post("/api/reviewers", json=body)
    assert response.status_code == 400
    assert words in response.json()["error"]["message"]


def test_oversized_reviewer_bodies_are_refused_before_reading(web_client: TestClient) -> None:
    huge = {"abstract": "a" * 300_000, "authors": [{"name": "A B"}]}
    response = web_client.post("/api/reviewers", json=huge)
    assert response.status_code == 413 and "too large" in response.json()["error"]["message"]
    page = web_client.post("/reviewers", data=_reviewers_form(web_client, abstract="a" * 300_000))
    assert page.status_code == 413 and "too large" in page.text


def test_hostile_text_is_escaped_on_every_people_page(
    web_client: TestClient, web_corpus: WebCorpus
) -> None:
    experts = web_client.get("/experts", params={"q": "Delta bold quoted title markup"}).text
    assert "Eve &lt;i&gt;Hacker&lt;/i&gt;" in experts and "<i>Hacker" not in experts
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Delta" in experts
    assert "<script>alert" not in experts
    people = web_client.get("/people", params={"q": "Eve <i>Hacker</i>"}).text
    assert "Eve &lt;i&gt;Hacker&lt;/i&gt;" in people and "<i>Hacker" not in people
    hostile = "<script>alert('abstract')</script> TinyML"
    page = web_client.post(
        "/reviewers",
        data=_reviewers_form(web_client, abstract=hostile, authors="<b>Mallory</b> | <i>Evil</i>"),
    ).text
    assert "<script>alert('abstract')" not in page and "<b>Mallory" not in page
    assert "&lt;script&gt;alert(&#39;abstract&#39;)&lt;/script&gt; TinyML" in page
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in page

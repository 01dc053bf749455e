"""Untrusted text is escaped, bad parameters get clear 4xx answers, no trace ever leaks, and
every response carries the security headers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from web_corpus import WebCorpus

from paperscope.web.app import create_app

HOSTILE_TITLE = "<script>alert('x')</script> Delta & <b>bold</b> \"quoted\" title"


def test_hostile_title_and_abstract_render_escaped_and_readable(
    web_client: TestClient, web_corpus: WebCorpus
) -> None:
    for path in (f"/paper/{web_corpus.work['synthetic-day-4']}", "/?date=2024-03-05"):
        html = web_client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Delta &amp; &lt;b&gt;bold" in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "$\\mathcal{O}(n \\log n)$" in html  # LaTeX shown as written
        assert "\x07" not in html and "\u202e" not in html  # control characters dropped
        assert "Eve &lt;i&gt;Hacker&lt;/i&gt;" in html
    api = web_client.get(f"/api/paper/{web_corpus.work['synthetic-day-4']}").json()
    assert api["title"] == HOSTILE_TITLE  # the API returns the text itself, JSON-encoded


def test_feeds_are_valid_xml_with_the_text_intact(web_client: TestClient) -> None:
    for fmt in ("rss", "atom"):
        response = web_client.get(f"/feeds/daily.{fmt}", params={"date": "2024-03-05"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(f"application/{fmt}+xml")
        root = ET.fromstring(response.content)
        titles = [el.text for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "title"]
        assert HOSTILE_TITLE in titles
        assert "Alpha: the most upvoted paper of the day" in titles


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/trending.rss",
        "/feeds/search.atom?q=TinyML",
        "/feeds/author.rss?name=Darko%20Anicic",
    ],
)
def test_every_list_has_a_feed(web_client: TestClient, path: str) -> None:
    response = web_client.get(path)
    assert response.status_code == 200
    ET.fromstring(response.content)


def test_author_feed_by_person(web_client: TestClient, web_corpus: WebCorpus) -> None:
    response = web_client.get(f"/feeds/author/{web_corpus.haoyu}.atom")
    root = ET.fromstring(response.content)
    entries = [el for el in root if el.tag.endswith("entry")]
    assert len(entries) == 5


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/?date=yesterday", 400, "date must be a date"),
        ("/search?q=x&mode=psychic", 400, "mode must be one of"),
        ("/search?q=x&page=0", 400, "page must be between"),
        ("/search?q=x&has_code=maybe", 400, "has_code must be true or false"),
        ("/search?q=" + "a" * 600, 400, "too long"),
        ("/author/123456", 404, "Not found"),
        ("/author?name=Nobody%20Atall", 404, "Not found"),
        ("/paper/abc", 400, "Bad request"),
        ("/paper/999999", 404, "no work"),
        ("/feeds/daily.xml", 400, "rss or atom"),
        ("/no/such/page", 404, "There is no page"),
    ],
)
def test_bad_requests_get_clear_html_pages(
    web_client: TestClient, path: str, status: int, words: str
) -> None:
    response = web_client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert words in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/daily?date=2024-13-01", 400),
        ("/api/search?q=x&mode=psychic", 400),
        ("/api/paper/999999", 404),
        ("/api/paper/abc", 400),
        ("/api/author/999999", 404),
        ("/api/trending?limit=100000", 400),
    ],
)
def test_bad_api_requests_get_json_errors(web_client: TestClient, path: str, status: int) -> None:
    response = web_client.get(path)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status and error["message"]


def test_unexpected_errors_show_a_plain_message(web_corpus: WebCorpus) -> None:
    app = create_app(web_corpus.settings, web_corpus.store)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    with TestClient(app, raise_server_exceptions=False) as boom_client:
        response = boom_client.get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "Something went wrong" in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    "path", ["/", "/api/daily", "/static/style.css", "/nowhere", "/feeds/trending.rss"]
)
def test_security_headers_on_every_response(web_client: TestClient, path: str) -> None:
    headers = web_client.get(path).headers
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/", "/trending", "/api/daily", "/feeds/daily.rss"])
def test_head_answers_like_get_without_a_body(web_client: TestClient, path: str) -> None:
    got = web_client.get(path)
    head = web_client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-security-policy"] == got.headers["content-security-policy"]


def test_pages_have_no_inline_script(web_client: TestClient, web_corpus: WebCorpus) -> None:
    paths = ["/", "/trending", "/search?q=TinyML", f"/author/{web_corpus.haoyu}", "/about"]
    hostile = web_corpus.work["synthetic-day-4"]
    paths += [f"/paper/{hostile}", f"/paper/{hostile}/neighbourhood"]
    for path in paths:
        html = web_client.get(path).text
        assert "<script" not in html and " onclick=" not in html and "style=" not in html

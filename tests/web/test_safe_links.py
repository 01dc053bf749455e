"""Only http(s) URLs become links: hostile code links and source pages, whether a source
sends them now (Hugging Face `githubRepo`, a BibTeX `url`, a synthetic `code`) or a database
from before the rule holds them, are never stored as links nor offered as one by a page, a
feed, an export, the JSON API or a digest (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from hostile_links import (
    HOSTILE_URLS,
    hostile_strings_in_json,
    html_links,
    plant_hostile_links,
    unsafe_html_links,
    write_hostile_sources,
)
from sqlalchemy import delete, insert, select
from web_corpus import WebCorpus, build_corpus

from paperscope.config import Settings
from paperscope.notify.entries import DigestItem
from paperscope.notify.messages import digest_message
from paperscope.read.works import load_works
from paperscope.store.schema import code_links, references, work_ids, works
from paperscope.untrusted import is_safe_url
from paperscope.web.app import create_app
from paperscope.web.templating import build_templates
from stages import ingest

_names = itertools.count()
PLANTED = ("synthetic-day-1", "synthetic-day-2", "synthetic-old-1")


@dataclass(frozen=True, slots=True)
class Hostile:
    corpus: WebCorpus
    client: TestClient
    planted: tuple[int, ...]
    """Works given hostile rows directly in the database (as an old database may hold)."""
    ingested: tuple[int, ...]
    """Works whose source sent hostile links through the readers."""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hostile]:
    folder = tmp_path_factory.mktemp("hostile-links")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'web.db'}"
    else:
        url = request.getfixturevalue("pg_server").new_database(
            f"links_{os.getpid()}_{next(_names)}"
        )
    corpus = build_corpus(url, folder)
    for path in write_hostile_sources(folder):
        ingest(corpus.store, path)
    with corpus.store.connect() as connection:
        ingested = tuple(
            connection.execute(
                select(work_ids.c.work_id).where(work_ids.c.scheme.in_(("hf", "bibkey")))
            ).scalars()
        )
    planted = tuple(corpus.work[key] for key in PLANTED)
    plant_hostile_links(corpus.store, planted)
    with TestClient(create_app(corpus.settings, corpus.store)) as client:
        yield Hostile(corpus, client, planted, ingested)
    corpus.store.close()


def test_ingest_stores_only_http_links(hostile: Hostile) -> None:
    assert len(hostile.ingested) == 5  # three good Hugging Face papers, two BibTeX entries
    with hostile.corpus.store.connect() as connection:
        stored = connection.execute(
            select(code_links.c.url).where(code_links.c.work_id.in_(hostile.ingested))
        ).scalars()
        pages = connection.execute(
            select(works.c.url).where(works.c.id.in_(hostile.ingested))
        ).scalars()
        assert all(is_safe_url(url) for url in stored)
        assert all(url is None or is_safe_url(url) for url in pages)


def _pages(hostile: Hostile) -> list[str]:
    corpus = hostile.corpus
    paths = [
        "/",
        "/?date=2024-03-05",
        "/?date=2024-01-08",
        "/trending",
        "/search?q=TinyML",
        "/search?q=Alpha",
        "/search?q=links",
        f"/author/{corpus.haoyu}",
        "/author?name=Eve%20Mallory",
    ]
    paths += [f"/paper/{work_id}" for work_id in (*hostile.planted, *hostile.ingested)]
    return paths


def test_no_page_offers_an_unsafe_link(hostile: Hostile) -> None:
    for path in _pages(hostile):
        response = hostile.client.get(path)
        assert response.status_code == 200, path
        assert unsafe_html_links(response.text) == [], path
        assert "javascript:" not in response.text.lower(), path


def test_the_paper_page_keeps_its_safe_links(hostile: Hostile) -> None:
    alpha = hostile.client.get(f"/paper/{hostile.corpus.work['synthetic-day-1']}").text
    hrefs = [value for tag, _, value in html_links(alpha) if tag == "a"]
    assert "https://github.com/example/alpha" in hrefs  # the real code link still shows
    assert len([h for h in hrefs if h.startswith("https://github.com/")]) == 1


def test_json_api_and_exports_carry_no_unsafe_url(hostile: Hostile) -> None:
    client = hostile.client
    paths = ["/api/daily?date=2024-03-05", "/api/daily?date=2024-01-08", "/api/trending"]
    paths += ["/api/search?q=TinyML", "/api/search?q=links", f"/api/author/{hostile.corpus.haoyu}"]
    for work_id in (*hostile.planted, *hostile.ingested):
        paths += [f"/api/paper/{work_id}", f"/paper/{work_id}.json"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert hostile_strings_in_json(response.content) == [], path
    for work_id in (*hostile.planted, *hostile.ingested):
        bib = client.get(f"/paper/{work_id}.bib").text
        assert "javascript:" not in bib.lower() and "data:" not in bib.lower()


def test_feeds_link_only_to_this_site(hostile: Hostile) -> None:
    paths = [
        "/feeds/daily.rss?date=2024-03-05",
        "/feeds/daily.atom?date=2024-01-08",
        "/feeds/trending.atom",
        "/feeds/search.rss?q=links",
        f"/feeds/author/{hostile.corpus.haoyu}.rss",
    ]
    for path in paths:
        response = hostile.client.get(path)
        assert response.status_code == 200, path
        root = ET.fromstring(response.content)
        for element in root.iter():
            links = [element.get("href")] if element.tag.endswith("link") else []
            if element.tag.endswith("link") and element.text:
                links.append(element.text)
            for link in links:
                assert link is None or link.startswith("http://testserver/"), (path, link)
        assert "javascript:" not in response.text.lower(), path


def test_a_digest_offers_no_unsafe_link(hostile: Hostile) -> None:
    with hostile.corpus.store.connect() as connection:
        entries = load_works(connection, list(hostile.planted + hostile.ingested))
    message = digest_message(
        Settings(_env_file=None, base_url="https://paperscope.example"),  # type: ignore[call-arg]
        to="ada@example.org",
        message_id="<digest.1@paperscope.example>",
        title="trending papers",
        period="daily",
        entries=[DigestItem(entry, "trending") for entry in entries],
        unsubscribe_url="https://paperscope.example/unsubscribe/1.x",
        manage_url="https://paperscope.example/subscriptions",
        now=datetime(2024, 3, 6, 7, 0, tzinfo=UTC),
    )
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html = html_part.get_content()
    assert html_links(html) and unsafe_html_links(html) == []
    assert "javascript:" not in html.lower() and "javascript:" not in text_part.get_content()


def test_the_template_rule_alone_refuses_hostile_stored_links(hostile: Hostile) -> None:
    """Even a WorkSummary holding hostile code links (read from elsewhere) renders none."""
    with hostile.corpus.store.connect() as connection:
        entry = load_works(connection, [hostile.corpus.work["synthetic-day-1"]])[0]
    template = build_templates().env.from_string(
        '{% from "_entries.html" import entry_card %}{{ entry_card(entry) }}'
    )
    for url in HOSTILE_URLS:
        forged = replace(entry, code_urls=(url, *entry.code_urls))
        html = template.render(entry=forged)
        assert 'class="code"' in html  # the badge is there ...
        assert unsafe_html_links(html) == [], url  # ... but not as a hostile link


def test_a_reference_list_links_only_resolvers_and_http(hostile: Hostile) -> None:
    """Unresolved references a source sent as text (or as a hostile DOI) are shown as cited,
    linked only when the link is an http(s) URL; the page and its JSON twin agree."""
    work_id = hostile.corpus.work["synthetic-day-2"]
    rows = [
        {"cited_scheme": "title", "cited_value": url, "citing_scheme": "test", "citing_value": "x"}
        for url in (*HOSTILE_URLS, "https://example.org/cited")
    ]
    rows.append({"cited_scheme": "doi", "cited_value": "javascript:alert(1)"})
    rows[-1].update(citing_scheme="test", citing_value="x")
    store = hostile.corpus.store
    with store.transaction() as connection:
        connection.execute(insert(references), [{**row, "citing_work_id": work_id} for row in rows])
    try:
        page = hostile.client.get(f"/paper/{work_id}?refs_per_page=100")
        assert page.status_code == 200
        assert unsafe_html_links(page.text) == []
        hrefs = {value for tag, _, value in html_links(page.text) if tag == "a"}
        assert "https://example.org/cited" in hrefs
        assert "https://doi.org/javascript:alert(1)" in hrefs  # a DOI resolver link, harmless
        body = hostile.client.get(f"/api/paper/{work_id}?refs_per_page=100").json()
        urls = [item["url"] for item in body["references"]["items"]]
        assert all(url is None or is_safe_url(url) for url in urls)
        assert "https://example.org/cited" in urls
    finally:
        with store.transaction() as connection:
            connection.execute(delete(references).where(references.c.citing_scheme == "test"))

"""Venue and category pages, and the author page's positions, co-author graph and topics, with
their JSON twins, over the explore corpus (tests/web/explore_corpus.py; SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from accounts_helpers import accounts_client
from explore_corpus import (
    HOSTILE_COAUTHOR,
    HOSTILE_TITLE,
    HOSTILE_VENUE,
    VENUE,
    ExploreCorpus,
)
from fastapi.testclient import TestClient

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.web import scopes
from paperscope.web.app import create_app

PRINTINGS = (
    VENUE,
    "Proceedings of the 2021 Conference on Tiny Widgets",
    "Conference on Tiny Widgets (Volume 1: Long Papers)",
    "conference on tiny widgets",
)


def _venue(client: TestClient, **params: str) -> Any:
    response = client.get("/api/venue", params={"name": VENUE, **params})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("printing", PRINTINGS)
def test_every_printing_of_a_venue_opens_the_same_page(
    explore_client: TestClient, printing: str
) -> None:
    body = explore_client.get("/api/venue", params={"name": printing}).json()
    venue = body["venue"]
    assert venue["key"] == "conference on tiny widgets"
    assert venue["works"] == body["stats"]["works"] == 17
    assert venue["printing_count"] == 6
    assert sum(p["works"] for p in venue["printings"]) == 17


def test_venue_top_papers_people_volume_and_rising_topics(
    explore_client: TestClient, explore_corpus: ExploreCorpus
) -> None:
    body = _venue(explore_client)
    entries = body["papers"]["entries"]
    work = explore_corpus.work
    # e6: 9 reported (1 in corpus); e1: cited by e2, e4, e6, e8, e9; e3: cited by e9, e12
    assert [e["work_id"] for e in entries[:3]] == [work["e6"], work["e1"], work["e3"]]
    assert [e["citations"] for e in entries[:3]] == [9, 5, 2]
    citations = [e["citations"] for e in entries]
    assert citations == sorted(citations, reverse=True)
    assert (body["papers"]["total"], body["papers"]["pages"]) == (17, 1)
    assert body["stats"]["volume_per_year"] == [
        [2017, 2],
        [2018, 3],
        [2019, 3],
        [2020, 6],
        [2021, 3],
    ]
    people = body["stats"]["people"]
    assert [(p["name"], p["papers"]) for p in people[:3]] == [
        ("Ada Lovelace", 11),
        ("Grace Hopper", 6),
        ("Alan Turing", 5),
    ]
    assert people[0]["person_id"] == explore_corpus.ada
    assert people[2]["person_id"] is None and people[2]["person_key"] == "name:alan turing"
    # Ada's citations here: e1 5 + e3 2 + e6 9 + e9 0 ... (every other work of hers: 0)
    assert people[0]["citations"] == 16
    rising = body["stats"]["rising"]
    assert (rising["anchor"], rising["recent_since"]) == ("2021-06-15", "2020-06-15")
    assert (rising["recent_works"], rising["earlier_works"]) == (5, 11)
    terms = {t["term"]: t for t in rising["terms"]}
    assert list(terms) == ["Graph", "Transformers"]  # `Graph Transformer` shares a word
    graph = terms["Graph"]
    assert (graph["recent"], graph["earlier"]) == (5, 0)
    assert graph["z"] == pytest.approx(2.68, abs=0.01) and graph["z"] >= rising["z_min"]


def test_people_by_citations_and_a_wider_window(explore_client: TestClient) -> None:
    body = _venue(explore_client, people="citations", months="24")
    citations = [p["citations"] for p in body["stats"]["people"]]
    assert citations == sorted(citations, reverse=True)
    assert body["stats"]["people_sort"] == "citations"
    rising = body["stats"]["rising"]
    assert (rising["months"], rising["recent_works"], rising["earlier_works"]) == (24, 10, 7)
    assert rising["terms"] == []  # 5 of 10 against 0 of 7: z 1.71, below 1.96


def test_venue_page_agrees_with_its_json(explore_client: TestClient) -> None:
    body = _venue(explore_client)
    html = explore_client.get("/venue", params={"name": VENUE}).text
    assert "<h1>Proceedings of the 2020 Conference on Tiny Widgets</h1>" in html  # most works
    assert "17 works, printed 6 ways." in html
    titles = re.findall(r'<h2 class="title"><a href="/paper/(\d+)">', html)
    assert [int(t) for t in titles] == [e["work_id"] for e in body["papers"]["entries"]]
    assert '<span class="extra">9 citations</span>' in html
    assert "<title>2020: 6</title>" in html  # the volume chart's bar
    assert '<th scope="row">Graph</th>' in html and "5 of 5 (100.0%)" in html
    assert 'href="/author?person=name%3Aalan%20turing"' in html
    assert html.count("how this is computed") >= 1 and "log-odds ratio" in html


def test_paging_through_the_most_cited(
    explore_corpus: ExploreCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scopes, "PER_PAGE", 5)
    with TestClient(create_app(explore_corpus.settings, explore_corpus.store)) as client:
        pages = [
            client.get("/api/venue", params={"name": VENUE, "page": str(n)}).json()["papers"]
            for n in (1, 2, 3, 4)
        ]
        html = client.get("/venue", params={"name": VENUE, "page": "2"}).text
        beyond = client.get("/api/venue", params={"name": VENUE, "page": "5"})
    ids = [e["work_id"] for page in pages for e in page["entries"]]
    assert len(ids) == len(set(ids)) == 17 and pages[0]["pages"] == 4
    counts = [e["citations"] for page in pages for e in page["entries"]]
    assert counts == sorted(counts, reverse=True)
    assert 'rel="prev"' in html and 'rel="next"' in html and "page 2 of 4" in html
    assert beyond.status_code == 400 and "page must be between 1 and 4" in beyond.text


def test_category_by_name_tag_and_spelling(
    explore_client: TestClient, explore_corpus: ExploreCorpus
) -> None:
    full = explore_client.get("/api/category/cs.LG").json()
    assert full["category"] == {"category": "cs.LG", "works": 17, "also": []}
    assert full["stats"]["people"][0]["name"] == "Ada Lovelace"
    assert [t["term"] for t in full["stats"]["rising"]["terms"]] == ["Graph", "Transformers"]
    tag = explore_client.get("/api/category/LG").json()
    assert tag["category"] == {"category": "cs.LG", "works": 17, "also": [["math.LG", 1]]}
    assert explore_client.get("/api/category/cs.lg").json()["category"]["category"] == "cs.LG"
    cross = explore_client.get("/api/category/ML").json()  # stat.ML: two cross-listed works
    assert cross["category"]["category"] == "stat.ML" and cross["stats"]["works"] == 2
    ids = {e["work_id"] for e in cross["papers"]["entries"]}
    assert ids == {explore_corpus.work["e4"], explore_corpus.work["e9"]}
    html = explore_client.get("/category/LG").text
    assert "<h1>cs.LG <span" in html and 'href="/category/math.LG"' in html


def test_links_to_venue_and_category_pages(
    explore_client: TestClient, explore_corpus: ExploreCorpus
) -> None:
    paper = explore_client.get(f"/paper/{explore_corpus.work['e6']}").text
    assert 'href="/venue?name=Proceedings%20of%20the%202019%20Conference' in paper
    assert 'href="/category/cs.LG"' in paper
    daily = explore_client.get("/?date=2021-06-15").text  # a list entry
    assert 'href="/category/cs.LG"' in daily and 'class="venue" href="/venue?name=' in daily
    author = explore_client.get(f"/author/{explore_corpus.ada}").text
    assert 'href="/venue?name=ICPR%202018"' in author and 'href="/category/cs.LG"' in author


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/venue", 400, "name a venue"),
        ("/venue?name=Nowhere%20Symposium", 404, "no works with the venue"),
        ("/venue?name=x&months=0", 400, "months must be between 1 and 60"),
        ("/venue?name=x&people=h-index", 400, "people must be one of"),
        ("/venue?name=x&page=0", 400, "page must be between"),
        ("/category/cs.XX", 404, "no works in the category"),
        ("/category/cs.LG%21", 400, "is not a category"),
        ("/category/cs.LG?months=abc", 400, "months must be a whole number"),
        ("/venue?name=" + "a" * 600, 400, "too long"),
    ],
)
def test_bad_venue_and_category_requests(
    explore_client: TestClient, path: str, status: int, words: str
) -> None:
    response = explore_client.get(path)
    assert response.status_code == status and words in response.text
    api = explore_client.get("/api" + path)
    assert api.status_code == status and words in api.json()["error"]["message"]


def test_hostile_venue_title_and_coauthor_are_escaped(
    explore_client: TestClient, explore_corpus: ExploreCorpus
) -> None:
    venue = explore_client.get("/venue", params={"name": HOSTILE_VENUE})
    assert venue.status_code == 200
    assert "<script>alert" not in venue.text
    assert "&lt;script&gt;alert(&#39;v&#39;)&lt;/script&gt; Workshop &amp; Co 2020" in venue.text
    assert (
        explore_client.get("/api/venue", params={"name": HOSTILE_VENUE}).json()["venue"]["name"]
        == HOSTILE_VENUE
    )
    listed = explore_client.get("/venue", params={"name": VENUE}).text
    assert "<script>alert('t')" not in listed and "<b>bold" not in listed
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; Graph Transformer &amp;" in listed
    assert HOSTILE_TITLE in {e["title"] for e in _venue(explore_client)["papers"]["entries"]}
    author = explore_client.get(f"/author/{explore_corpus.ada}").text
    assert "<img src=x" not in author
    assert "Mallory &lt;img src=x onerror=alert(1)&gt; &amp; Co" in author
    paper = explore_client.get(f"/paper/{explore_corpus.work['e18']}").text
    assert "<script>alert('v')" not in paper and "&lt;script&gt;alert(&#39;v&#39;)" in paper


def test_new_pages_have_no_inline_script_or_style(
    explore_client: TestClient, explore_corpus: ExploreCorpus
) -> None:
    for path, params in (
        ("/venue", {"name": VENUE}),
        ("/venue", {"name": HOSTILE_VENUE}),
        ("/category/cs.LG", {}),
        (f"/author/{explore_corpus.ada}", {}),
    ):
        response = explore_client.get(path, params=params)
        assert response.status_code == 200
        html = response.text
        assert "<script" not in html and " onclick=" not in html and "style=" not in html


def test_author_positions_graph_and_topics_in_the_json(
    explore_client: TestClient, explore_corpus: ExploreCorpus
) -> None:
    profile = explore_client.get(f"/api/author/{explore_corpus.ada}").json()["profile"]
    # first: e1 e6 e9 e13; last: e4 e8 e14 e20; sole: e3 e12; middle: e2 e5
    assert profile["positions"] == {
        "papers": 12,
        "first": 4,
        "last": 4,
        "sole": 2,
        "middle": 2,
        "unknown": 0,
        "first_share": 0.3333,
        "last_share": 0.3333,
        "sole_share": 0.1667,
    }
    graph = profile["coauthor_graph"]
    nodes = [(n["name"], n["works"]) for n in graph["nodes"]]
    assert nodes[:3] == [("Ada Lovelace", 12), ("Grace Hopper", 6), ("Alan Turing", 5)]
    assert graph["coauthors"] == len(graph["nodes"]) - 1 == 6
    assert graph["nodes"][1]["person_id"] == explore_corpus.grace
    assert HOSTILE_COAUTHOR in {n["name"] for n in graph["nodes"]}  # JSON: the text itself
    edges = {(e["source"], e["target"]): e["works"] for e in graph["edges"]}
    assert edges[(0, 1)] == 6 and edges[(0, 2)] == 5
    assert edges[(1, 2)] == 4  # Grace and Alan together on e2, e4, e8, e9
    topics = profile["topics"]
    assert topics["years"] == [2017, 2018, 2019, 2020]
    widget = topics["terms"][0]
    assert widget["topic"] == "Widget" and widget["works"] == 11
    assert widget["per_year"] == [[2017, 2], [2018, 4], [2019, 2], [2020, 3]]
    assert topics["categories"][0]["topic"] == "cs.LG"


def test_author_page_draws_the_graph_and_topics(
    explore_client: TestClient, explore_corpus: ExploreCorpus
) -> None:
    html = explore_client.get(f"/author/{explore_corpus.ada}").text
    svg = re.search(r'<svg[^>]*class="graph".*?</svg>', html, re.S)
    assert svg is not None
    root = ET.fromstring(svg.group(0))  # well-formed: every label escaped
    links = [el.get("href") for el in root.iter() if el.tag.endswith("}a")]
    assert f"/author/{explore_corpus.grace}" in links
    assert "/author?person=name%3Aalan%20turing" in links and len(links) == 7
    assert "First author" in html and "33% of 12" in html
    grid = re.search(r'<svg[^>]*class="topics-grid".*?</svg>', html, re.S)
    assert grid is not None
    assert "Widget (term), 2020: 3 works" in grid.group(0)
    ET.fromstring(grid.group(0))


def test_stored_statistics_equal_the_computed_ones(explore_corpus: ExploreCorpus) -> None:
    """`paperscope score` stores every venue's and category's statistics (read by the pages
    for the default window); computed now from the same works they are the same."""
    from sqlalchemy import select

    from paperscope.metrics.scopes import live_stats, stored_stats
    from paperscope.read.venues import Scope
    from paperscope.store.metrics_schema import scope_stats_table

    with explore_corpus.store.connect() as connection:
        scopes = list(connection.execute(select(scope_stats_table.c.scope)).scalars())
        assert "venue:conference on tiny widgets" in scopes and "category:stat.ML" in scopes
        assert len(scopes) == 3 + 5  # venues: tiny widgets, icpr, the hostile one; categories
        for scope_id in scopes:
            kind, key = scope_id.split(":", 1)
            scope = Scope("venue" if kind == "venue" else "category", key)
            for sort in ("papers", "citations"):
                stored = stored_stats(connection, scope, people_sort=sort, months=12)
                live = live_stats(connection, scope, people_sort=sort, months=12)
                assert stored is not None and stored.computed_on is not None
                assert stored.volume_per_year == live.volume_per_year, scope_id
                assert stored.people == live.people, (scope_id, sort)
                assert stored.rising == live.rising, scope_id
                assert stored.works == live.works
        assert stored_stats(connection, scope, people_sort="papers", months=24) is None


def test_pages_say_where_their_statistics_come_from(explore_client: TestClient) -> None:
    stored = _venue(explore_client)["stats"]
    assert stored["computed_on"] is not None  # the default window: stored by score
    assert _venue(explore_client, months="24")["stats"]["computed_on"] is None  # computed now
    html = explore_client.get("/venue", params={"name": VENUE}).text
    assert f"as <code>paperscope score</code> computed them on {stored['computed_on']}" in html
    ranked = "the order of the papers below as <code>paperscope score</code> ranked them on"
    assert f"{ranked} {stored['computed_on']}" in html
    assert (
        f"Printings as <code>paperscope score</code> counted them on {stored['computed_on']}"
        in html
    )
    other = explore_client.get("/venue", params={"name": VENUE, "months": "24"}).text
    assert "rising topics and people computed now" in other and "ranked them on" in other
    assert f"<code>paperscope score</code> ranked them on {stored['computed_on']}" in html
    assert _venue(explore_client, months="24")["papers"]["ranked_on"] == stored["computed_on"]


def test_the_stored_order_of_the_most_cited_works_is_the_computed_one(
    explore_corpus: ExploreCorpus,
) -> None:
    """`score` stores each venue's and category's most cited works in `top_cited`'s order,
    which the pages read while it covers the page; a page past it is ranked now."""
    from sqlalchemy import select

    from paperscope.metrics.scopes import MOST_CITED_STORED, stored_ranking
    from paperscope.read.venues import Scope, count_members, top_cited
    from paperscope.store.metrics_schema import scope_stats_table
    from paperscope.web.scopes import paper_list

    with explore_corpus.store.connect() as connection:
        for scope_id in connection.execute(select(scope_stats_table.c.scope)).scalars():
            kind, key = scope_id.split(":", 1)
            scope = Scope("venue" if kind == "venue" else "category", key)
            stored = stored_ranking(connection, scope)
            assert stored is not None and stored[1] is not None
            ranking, _ = stored
            live = top_cited(connection, scope, offset=0, limit=MOST_CITED_STORED)
            assert ranking == live and ranking, scope_id
            total = count_members(connection, scope)
            first = paper_list(connection, scope, total, 1)
            assert first.ranked_on == stored[1]
            assert [entry.work_id for entry in first.entries] == live[:20]
        scope = Scope("category", "stat.ML")
        assert paper_list(connection, scope, 10_000, 2).ranked_on is None  # past the stored


def test_a_stored_venue_is_the_venue_found_now(explore_corpus: ExploreCorpus) -> None:
    """`score` stores each venue's printings (the venue page reads them instead of every
    work of the venue); found now from the works they are the same."""
    from sqlalchemy import select

    from paperscope.metrics.scopes import stored_venue
    from paperscope.read.venues import find_venue
    from paperscope.store.metrics_schema import scope_stats_table

    with explore_corpus.store.connect() as connection:
        keys = [
            scope.split(":", 1)[1]
            for scope in connection.execute(select(scope_stats_table.c.scope)).scalars()
            if scope.startswith("venue:")
        ]
        assert len(keys) == 3
        for key in keys:
            stored = stored_venue(connection, key)
            assert stored is not None and stored[1] is not None
            assert stored[0] == find_venue(connection, key), key
        assert stored_venue(connection, "no such venue") is None


def test_a_field_of_study_has_a_page_like_an_arxiv_category(
    settings: Settings, store: Store
) -> None:
    """OpenAlex and Semantic Scholar print fields ("Signal Processing"); their tags link to
    /category/<field>, which must open."""
    from notify.corpus import add_work

    add_work(store, "Filters for radar", categories=("Signal Processing",))
    web = accounts_client(settings, store)
    page = web.get("/category/Signal%20Processing")
    assert page.status_code == 200 and "Filters for radar" in page.text
    listed = web.get(
        "/search", params={"q": "radar", "mode": "keyword", "category": "Signal Processing"}
    )
    assert listed.status_code == 200
    assert web.get("/category/Signal%20%20Processing").status_code == 400

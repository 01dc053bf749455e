"""The paper page's reference list and cited-by list (paged, sorted), and the citation
neighbourhood page with its JSON twin, on a small citation graph (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator

import pytest
from citation_corpus import (
    CITING,
    HOSTILE_AUTHOR,
    HOSTILE_TITLE,
    SHARED,
    CitationCorpus,
    build_citation_corpus,
)
from fastapi.testclient import TestClient

from paperscope.errors import PaperscopeError
from paperscope.search import neighbourhood as computed
from paperscope.web.app import create_app

_names = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CitationCorpus]:
    data_dir = tmp_path_factory.mktemp("citations")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'citations.db'}"
    else:
        server = request.getfixturevalue("pg_server")
        url = server.new_database(f"citations_{os.getpid()}_{next(_names)}")
    built = build_citation_corpus(url, data_dir)
    yield built
    built.store.close()


@pytest.fixture(scope="module")
def client(corpus: CitationCorpus) -> Iterator[TestClient]:
    with TestClient(create_app(corpus.settings, corpus.store)) as test_client:
        yield test_client


def _section(html: str, name: str) -> str:
    start = html.index(f'<section class="{name}"')
    return html[start : html.index("</section>", start)]


def _listed_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-work-id="(\d+)"', html)]


# --- the reference list -----------------------------------------------------------------


def test_reference_list_pages_resolved_and_cited_entries(
    client: TestClient, corpus: CitationCorpus
) -> None:
    hub = corpus.work["hub"]
    first = _section(client.get(f"/paper/{hub}").text, "references")
    assert "58 references listed by the sources; 53 of them stored here" in first
    assert _listed_ids(first) == [corpus.work[f"ref-{i}"] for i in range(1, 51)]
    assert 'rel="next"' in first and "page 1 of 2" in first
    second = _section(client.get(f"/paper/{hub}", params={"refs_page": 2}).text, "references")
    assert '<ol class="reference-list" start="51">' in second
    assert _listed_ids(second) == [corpus.work[f"ref-{i}"] for i in range(51, 54)]
    # the unresolved ones, shown as cited, escaped; links only to resolvers and http(s)
    assert "listing:synthetic-missing-1" in second
    assert "doi:10.1000/&lt;script&gt;x&lt;/script&gt;" in second
    assert 'href="https://doi.org/10.1000/%3Cscript%3Ex%3C/script%3E"' in second
    assert "A &lt;b&gt;cited&lt;/b&gt; title &amp; more (1999)" in second
    assert 'href="https://example.org/paper-42"' in second
    assert "javascript:alert(1)" in second and 'href="javascript' not in second
    assert "<script>x" not in second and "<b>cited" not in second


def test_reference_list_json_twin(client: TestClient, corpus: CitationCorpus) -> None:
    hub = corpus.work["hub"]
    for path in (f"/api/paper/{hub}", f"/paper/{hub}.json"):
        body = client.get(path, params={"refs_page": 2}).json()["references"]
        assert (body["total"], body["resolved"], body["page"], body["pages"]) == (58, 53, 2, 2)
        items = body["items"]
        assert [i["position"] for i in items] == list(range(51, 59))
        assert items[0]["work"]["work_id"] == corpus.work["ref-51"]
        unresolved = {i["cited_as"]: i for i in items if i["work"] is None}
        assert unresolved["doi:10.1000/<script>x</script>"]["url"].startswith("https://doi.org/")
        assert unresolved["javascript:alert(1)"]["url"] is None
    small = client.get(f"/api/paper/{hub}", params={"refs_per_page": 5}).json()["references"]
    assert small["pages"] == 12 and len(small["items"]) == 5


# --- cited by ---------------------------------------------------------------------------


def test_cited_by_pages_newest_first(client: TestClient, corpus: CitationCorpus) -> None:
    hub = corpus.work["hub"]
    body = client.get(f"/api/paper/{hub}").json()["cited_by"]
    assert (body["total"], body["sort"], body["pages"]) == (CITING + 1, "newest", 3)
    every = []
    for number in (1, 2, 3):
        page = client.get(f"/api/paper/{hub}", params={"cited_page": number}).json()
        every += page["cited_by"]["items"]
    assert len(every) == CITING + 1 and len({e["work_id"] for e in every}) == CITING + 1
    days = [e["published"] for e in every]
    assert days == sorted(days, reverse=True)
    html = client.get(f"/paper/{hub}", params={"cited_page": 2}).text
    section = _section(html, "cited-by")
    assert _listed_ids(section) == [e["work_id"] for e in every[20:40]]
    assert "page 2 of 3" in section and "cited_page=3" in section and "cited_page=1" in section


def test_cited_by_most_cited_first(client: TestClient, corpus: CitationCorpus) -> None:
    hub = corpus.work["hub"]
    body = client.get(f"/api/paper/{hub}", params={"cited_sort": "citations"}).json()
    items = body["cited_by"]["items"]
    assert [i["work_id"] for i in items[:3]] == [
        corpus.work[f"cite-{CITING}"],  # 500 reported
        corpus.work["cite-1"],  # cited by the 44 others
        corpus.work["cite-2"],  # cited by 8
    ]
    counts = [i["citations"] for i in items]
    assert counts == sorted(counts, reverse=True)
    html = client.get(f"/paper/{hub}", params={"cited_sort": "citations"}).text
    section = _section(html, "cited-by")
    assert _listed_ids(section) == [i["work_id"] for i in items]
    assert "<strong>most cited</strong>" in section
    small = client.get(
        f"/paper/{hub}", params={"cited_sort": "citations", "cited_per_page": 5}
    ).text
    assert "cited_per_page=5" in _section(small, "cited-by")  # paging keeps the page size


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("refs_page=0", "refs_page must be between 1 and 1000"),
        ("refs_page=3", "refs_page must be between 1 and 2, not 3"),
        ("refs_page=two", "refs_page must be a whole number"),
        ("cited_page=9", "cited_page must be between 1 and 3, not 9"),
        ("cited_sort=oldest", "cited_sort must be one of newest, citations"),
        ("cited_per_page=1000", "cited_per_page must be between 1 and 100"),
        ("refs_per_page=0", "refs_per_page must be between 1 and 100"),
    ],
)
def test_bad_list_parameters_get_400(
    client: TestClient, corpus: CitationCorpus, query: str, words: str
) -> None:
    hub = corpus.work["hub"]
    page = client.get(f"/paper/{hub}?{query}")
    assert page.status_code == 400 and words in page.text
    api = client.get(f"/api/paper/{hub}?{query}")
    assert api.status_code == 400 and words in api.json()["error"]["message"]


def test_a_paper_without_references_or_citations(
    client: TestClient, corpus: CitationCorpus
) -> None:
    html = client.get(f"/paper/{corpus.work['lonely']}").text
    assert "No references are known for this paper." in html
    assert "0 citing works stored here." in html
    body = client.get(f"/api/paper/{corpus.work['lonely']}").json()
    assert body["references"]["total"] == 0 and body["cited_by"]["total"] == 0


# --- the neighbourhood ------------------------------------------------------------------


def test_neighbourhood_page_and_json_agree(client: TestClient, corpus: CitationCorpus) -> None:
    hub = corpus.work["hub"]
    assert f'href="/paper/{hub}/neighbourhood"' in client.get(f"/paper/{hub}").text
    response = client.get(f"/paper/{hub}/neighbourhood")
    assert response.status_code == 200
    html = response.text
    body = client.get(f"/api/paper/{hub}/neighbourhood").json()
    assert body["centre"]["work_id"] == hub
    neighbours = [n["work"]["work_id"] for n in body["neighbours"]]
    assert _listed_ids(_section(html, "related")) == neighbours
    assert _listed_ids(_section(html, "prior")) == [p["work"]["work_id"] for p in body["prior"]]
    assert _listed_ids(_section(html, "derivative")) == [
        d["work"]["work_id"] for d in body["derivative"]
    ]
    svg = html[html.index("<svg") : html.index("</svg>")]
    for work_id in [hub, *neighbours]:  # every node is a link to its paper
        assert f'<a href="/paper/{work_id}"' in svg
    assert svg.count("<circle") == len(neighbours) + 1
    scores = [n["score"] for n in body["neighbours"]]
    assert scores == sorted(scores, reverse=True)
    for entry in body["neighbours"]:
        assert 0 <= entry["x"] <= 1 and 0 <= entry["y"] <= 1
        assert entry["why"] and entry["why"] in html
        assert abs(sum(entry["signals"].values()) - entry["score"]) < 1e-3
    assert any("How this is computed" in line or line for line in body["how"])
    assert "How this is computed" in html


def test_neighbourhood_finds_each_signal(client: TestClient, corpus: CitationCorpus) -> None:
    body = client.get(f"/api/paper/{corpus.work['hub']}/neighbourhood").json()
    by_id = {n["work"]["work_id"]: n for n in body["neighbours"]}
    ref1 = by_id[corpus.work["ref-1"]]  # cited with the hub by all 45 + 1 citing works
    assert ref1["co_citations"] == CITING and ref1["cited_by_centre"]
    assert "cited together with this paper by 45 works" in ref1["why"]
    sibling = by_id[corpus.work["sibling-1"]]  # lists 40 of the hub's references
    assert sibling["shared_references"] == SHARED and "coupling" in sibling["signals"]
    assert f"shares {SHARED} references" in sibling["why"] and not sibling["cites_centre"]
    assert corpus.work["lonely"] not in by_id or "text" in by_id[corpus.work["lonely"]]["signals"]
    prior = [p["work"]["work_id"] for p in body["prior"]]
    assert {corpus.work[f"ref-{i}"] for i in (1, 2, 3)} <= set(prior[:6])
    derivative = [d["work"]["work_id"] for d in body["derivative"]]
    # cite-3 .. cite-10 cite the hub, ref-1..3, cite-1 and cite-2: the most of the graph
    assert set(derivative[:8]) == {corpus.work[f"cite-{i}"] for i in range(3, 11)}
    assert corpus.work["hub"] not in derivative


def test_neighbourhood_is_deterministic(corpus: CitationCorpus) -> None:
    hub = corpus.work["hub"]
    first = computed.neighbourhood(corpus.store, corpus.settings, hub)
    again = computed.neighbourhood(corpus.store, corpus.settings, hub)
    assert first == again
    with TestClient(create_app(corpus.settings, corpus.store)) as one:
        a = one.get(f"/api/paper/{hub}/neighbourhood").json()
    with TestClient(create_app(corpus.settings, corpus.store)) as two:
        b = two.get(f"/api/paper/{hub}/neighbourhood").json()
    assert a == b  # the layout too


def test_hidden_references_are_not_used(corpus: CitationCorpus) -> None:
    hub = corpus.work["hub"]
    hidden = computed.neighbourhood(corpus.store, corpus.settings, hub, hidden=True)
    assert not any(n.cited_by_centre or n.shared_references for n in hidden.neighbours)
    assert all("coupling" not in n.signals for n in hidden.neighbours)
    prior = [r.work_id for r in hidden.prior]
    # the hub's citing works still cite ref-1..3: the neighbourhood rebuilds those
    assert {corpus.work[f"ref-{i}"] for i in (1, 2, 3)} <= set(prior[:5])


def test_caps_bound_what_is_read_and_say_so(
    corpus: CitationCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(computed, "CITING_CAP", 10)
    monkeypatch.setattr(computed, "COUPLING_BUDGET", 30)
    found = computed.neighbourhood(corpus.store, corpus.settings, corpus.work["hub"])
    assert f"Co-citation uses the 10 newest of the {CITING + 1} citing works." in found.notes
    assert any(note.startswith("Coupling uses ") for note in found.notes)
    citing = [n for n in found.neighbours if n.cites_centre]
    assert len(citing) <= 10


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/paper/{hub}/neighbourhood?limit=1", 400, "limit must be between 5 and 30"),
        ("/paper/{hub}/neighbourhood?limit=x", 400, "limit must be a whole number"),
        ("/paper/987654/neighbourhood", 404, "there is no paper 987654"),
        ("/paper/abc/neighbourhood", 400, "Bad request"),
    ],
)
def test_bad_neighbourhood_requests(
    client: TestClient, corpus: CitationCorpus, path: str, status: int, words: str
) -> None:
    url = path.format(hub=corpus.work["hub"])
    page = client.get(url)
    assert page.status_code == status and words in page.text
    api = client.get("/api" + url)
    assert api.status_code == status and api.json()["error"]["status"] == status


def test_neighbourhood_escapes_hostile_text(client: TestClient, corpus: CitationCorpus) -> None:
    hostile = corpus.work["hostile"]
    html = client.get(f"/paper/{hostile}/neighbourhood").text
    assert "<script>alert" not in html and "<b>bold" not in html and "<i>Evil" not in html
    escaped = "&lt;script&gt;alert(&#39;n&#39;)&lt;/script&gt; Graph &amp; &lt;b&gt;bold"
    assert escaped in html[html.index("<h1>") :]
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert escaped in svg  # the centre's tooltip and the graph's title
    assert "&lt;i&gt;Evil&lt;/i&gt; 2022" in svg  # the centre's label: its first author
    assert "<script" not in html and " onclick=" not in html and "style=" not in html
    api = client.get(f"/api/paper/{hostile}/neighbourhood").json()
    assert api["centre"]["title"] == HOSTILE_TITLE
    assert api["centre"]["authors"][0]["name"] == HOSTILE_AUTHOR


def test_a_failing_text_index_leaves_the_graph_signals(
    corpus: CitationCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise PaperscopeError("the vector index is unreadable")

    monkeypatch.setattr(computed, "similar_works", broken)
    found = computed.neighbourhood(corpus.store, corpus.settings, corpus.work["hub"])
    assert "Text similarity is not available: the vector index is unreadable" in found.notes
    assert found.text_model is None and found.neighbours
    assert all(n.text_similarity is None for n in found.neighbours)
    assert {corpus.work[f"ref-{i}"] for i in (1, 2, 3)} <= {n.work_id for n in found.neighbours}

"""The pages and their JSON twins over the hand-written corpus (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from web_corpus import WebCorpus


def _titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="title"><a href="/paper/\d+">(.*?)</a>', html)


def test_daily_page_ranks_by_upvotes_and_links_neighbour_days(web_client: TestClient) -> None:
    response = web_client.get("/?date=2024-03-05")
    assert response.status_code == 200
    titles = _titles(response.text)
    assert titles[0] == "Alpha: the most upvoted paper of the day"
    assert set(titles[1:3]) == {"Bravo: ten upvotes", "Charlie: also ten upvotes"}
    assert titles[3].startswith("&lt;script&gt;")
    assert 'href="/?date=2024-03-04"' in response.text  # previous day
    assert 'href="/?date=2024-03-07"' in response.text  # next day with works (03-06 has none)
    assert "Get trending papers in your email inbox!" in response.text
    assert "4 authors" in response.text and "▲ 50" in response.text
    assert "Synthetic demo data" in response.text  # the corpus is of the synthetic format


def test_daily_api_matches_the_page(web_client: TestClient) -> None:
    body = web_client.get("/api/daily", params={"date": "2024-03-05"}).json()
    assert body["day"] == "2024-03-05"
    assert body["previous_day"] == "2024-03-04" and body["next_day"] == "2024-03-07"
    upvotes = [entry["upvotes"] for entry in body["entries"]]
    assert upvotes == sorted(upvotes, reverse=True) and upvotes[0] == 50
    first = body["entries"][0]
    assert first["author_count"] == 4 and len(first["authors"]) == 3
    assert first["code_urls"] == ["https://github.com/example/alpha"]


def test_default_daily_is_the_newest_day(web_client: TestClient) -> None:
    assert web_client.get("/api/daily").json()["day"] == "2024-03-07"


def test_paper_page_shows_authors_code_citations_and_exports(
    web_client: TestClient, web_corpus: WebCorpus
) -> None:
    old = web_corpus.work["synthetic-old-2"]
    page = web_client.get(f"/paper/{old}").text
    assert "TinyReptile: TinyML with Federated Meta-Learning" in page
    assert f'href="/author/{web_corpus.haoyu}"' in page  # resolved author linked to the person
    assert 'class="in-corpus">3 citing works' in page  # old-3, old-4, day-2
    assert 'class="reported">7' in page
    alpha = web_client.get(f"/paper/{web_corpus.work['synthetic-day-1']}").text
    assert 'href="https://github.com/example/alpha"' in alpha
    bib = web_client.get(f"/paper/{old}.bib")
    # No venue: @misc (an @article needs a journal).
    assert bib.status_code == 200 and bib.text.startswith("@misc{ren2022tinyreptile,")
    assert "title = {{TinyReptile: TinyML with Federated Meta-Learning}}" in bib.text
    export = web_client.get(f"/paper/{old}.json").json()
    assert export["citations"] == {"in_corpus": 3, "reported": {"synthetic-demo": 7}, "used": 7}
    api = web_client.get(f"/api/paper/{old}").json()
    assert api["title"] == export["title"] and isinstance(api["similar"], list)


def test_author_page_metrics_chart_coauthors_and_namesakes(
    web_client: TestClient, web_corpus: WebCorpus
) -> None:
    page = web_client.get(f"/author/{web_corpus.haoyu}").text
    assert "<h1>Haoyu Ren</h1>" in page
    body = web_client.get(f"/api/author/{web_corpus.haoyu}").json()
    header = body["profile"]["header"]
    # old-1: 4 citing works, old-2: max(3, reported 7), old-3: 2, old-4 and day-1: 0
    assert (header["papers"], header["citations"], header["h_index"]) == (5, 13, 2)
    assert body["profile"]["citations_per_year"] == [[2022, 1], [2023, 5], [2024, 3]]
    assert "<svg" in page and "2023: 5" in page  # the server-side chart, a bar per year
    assert page.count("how this is computed") >= 6
    assert "Other people share this name" in page
    assert f'href="/author/{web_corpus.namesake}"' in page
    assert "Darko Anicic" in page  # a co-author
    by_citations = web_client.get(f"/api/author/{web_corpus.haoyu}", params={"sort": "citations"})
    counts = [e["citations"] for e in by_citations.json()["profile"]["entries"]]
    assert counts == sorted(counts, reverse=True)


def test_author_by_printed_name(web_client: TestClient) -> None:
    response = web_client.get("/author", params={"name": "Darko Anicic"})
    assert response.status_code == 200 and "Darko Anicic" in response.text


def test_trending_page_and_api(web_client: TestClient) -> None:
    body = web_client.get("/api/trending").json()
    assert body["entries"]
    for item in body["entries"]:  # the trending formula, recomputed from what the API returns
        expected = ((item["entry"]["upvotes"] or 0) + 1) / (item["age_hours"] + 2) ** 1.5
        assert abs(item["trending_score"] - expected) < 1e-4 * max(expected, 1e-6) + 1e-6
    scores = [item["trending_score"] for item in body["entries"]]
    assert scores == sorted(scores, reverse=True)
    assert "Trending papers" in web_client.get("/trending").text


def test_search_page_api_and_pagination_links(web_client: TestClient) -> None:
    page = web_client.get("/search", params={"q": "TinyML", "mode": "keyword"})
    assert page.status_code == 200
    assert "TinyReptile" in page.text
    body = web_client.get("/api/search", params={"q": "TinyML", "mode": "keyword"}).json()
    assert body["total"] >= 3 and body["mode"] == "keyword"
    filtered = web_client.get(
        "/api/search", params={"q": "machine learning", "mode": "keyword", "category": "cs.SE"}
    ).json()
    assert [r["entry"]["title"] for r in filtered["results"]] == [
        "SeLoC-ML: Semantic Low-Code Engineering for Machine Learning Applications"
    ]
    assert web_client.get("/search").status_code == 200  # the empty form


def test_openapi_lists_every_page_api(web_client: TestClient) -> None:
    paths = web_client.get("/openapi.json").json()["paths"]
    for path in ("/api/daily", "/api/trending", "/api/search", "/api/paper/{work_id}"):
        assert path in paths
    assert "/api/author/{person_id}" in paths and "/api/author" in paths
    assert {"/api/people", "/api/experts"} <= set(paths) and "post" in paths["/api/reviewers"]
    assert "/api/venue" in paths and "/api/category/{category}" in paths
    assert "/api/paper/{work_id}/neighbourhood" in paths
    assert {"/api/following", "/api/home"} <= set(paths)
    assert "/api/admin" in paths and "/api/author/{person_id}/corrections" in paths

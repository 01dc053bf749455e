"""Each source harvested from replayed real recordings (or hand-written pages), then ingested."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest
from harvest_fakes import FakeClock, Replay, cassette_interactions, params_match, text_response
from sqlalchemy import func, select

from paperscope.config import Settings
from paperscope.harvest import ArxivOAIQuery, ArxivQuery, HarvestResult, S2Query, harvest
from paperscope.ingest import ingest_paths
from paperscope.sources.base import Parsed
from paperscope.sources.detect import detect_format, format_named
from paperscope.store import Store
from paperscope.store.schema import works

S2_CASSETTES = "semantic-scholar-api"


def _formats(result: HarvestResult) -> set[str | None]:
    found = set()
    for path in result.files_written:
        fmt = detect_format(path.read_bytes()[:65536], path.name)
        found.add(fmt.name if fmt else None)
    return found


def _work_count(store: Store) -> int:
    with store.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(works)).scalar_one())


def _replay_arxiv_testing(replay: Replay, recordings: Path) -> None:
    """The recorded `testing` query pages, served by start/max_results."""
    for path in sorted((recordings / "arxiv-api" / "2026-json-wrapped").glob("q_testing_*.json")):
        exchange = json.loads(path.read_text("utf-8"))
        url = httpx.URL(exchange["url"])
        start, size = url.params["start"], url.params["max_results"]
        response = text_response(exchange["body"], exchange["status_code"])
        replay.add(params_match("/api/query", start=start, max_results=size), response)


def test_arxiv_api_pages_politely_and_resumes_for_more_pages(
    replay: Replay, clock: FakeClock, settings: Settings, recordings: Path, store: Store
) -> None:
    _replay_arxiv_testing(replay, recordings)
    query = ArxivQuery(search="testing", page_size=10)
    first = harvest(
        "arxiv", query, settings, transport=replay.transport(), clock=clock, max_pages=3
    )
    assert (len(first.files_written), first.requests, first.complete) == (3, 3, False)
    assert clock.sleeps == [3.0, 3.0]  # arXiv: one request every 3 s
    more = harvest("arxiv", query, settings, transport=replay.transport(), clock=clock, max_pages=6)
    assert (len(more.files_written), more.pages_skipped) == (3, 3)
    starts = [httpx.URL(url).params["start"] for url in replay.urls()]
    assert starts == ["0", "10", "20", "30", "40", "50"]  # each page fetched once
    assert _formats(first) == {"arxiv-atom"}
    counts = ingest_paths(store, [first.directory])
    assert counts.read == 60 and counts.quarantined == 0
    assert _work_count(store) == counts.new > 0


def test_arxiv_api_stops_at_total_results(
    replay: Replay, clock: FakeClock, settings: Settings, recordings: Path
) -> None:
    exchange = json.loads(
        (
            recordings / "arxiv-api/2026-json-wrapped/id_1605.08386_s0_m100_199195aa31ad.json"
        ).read_text("utf-8")
    )  # totalResults 1
    replay.add(params_match("/api/query"), text_response(exchange["body"]))
    query = ArxivQuery(category="math.CO", date_from=date(2016, 5, 1), date_until=date(2016, 5, 31))
    result = harvest("arxiv", query, settings, transport=replay.transport(), clock=clock)
    assert (result.complete, result.requests) == (True, 1)
    sent = replay.log[0].url.params["search_query"]
    assert sent == "cat:math.CO AND submittedDate:[201605010000 TO 201605312359]"


def test_arxiv_oai_follows_the_resumption_token_to_the_end(
    replay: Replay, clock: FakeClock, settings: Settings, data_dir: Path, store: Store
) -> None:
    pages = data_dir / "harvest"
    replay.add(
        params_match("/oai", resumptionToken="6960524|1001"),
        text_response((pages / "oai-listrecords-2.xml").read_bytes()),
    )
    replay.add(params_match("/oai"), text_response((pages / "oai-listrecords-1.xml").read_bytes()))
    query = ArxivOAIQuery(date_from=date(2026, 11, 19), set="cs")
    result = harvest("arxiv-oai", query, settings, transport=replay.transport(), clock=clock)
    assert (result.complete, len(result.files_written)) == (True, 2)
    first, second = (request.url.params for request in replay.log)
    assert (first["metadataPrefix"], first["from"], first["set"]) == ("arXiv", "2026-11-19", "cs")
    assert dict(second) == {"verb": "ListRecords", "resumptionToken": "6960524|1001"}
    assert _formats(result) == {"arxiv-oai"}
    assert ingest_paths(store, [result.directory]).new == 2


def test_openalex_single_recorded_page_ends_without_next_cursor(
    replay: Replay, clock: FakeClock, settings: Settings, recordings: Path, store: Store
) -> None:
    body = (recordings / "openalex-works" / "works.json").read_bytes()
    replay.add(params_match("/works"), text_response(body))
    query = {"filter": "title.search:machine learning", "per_page": 200}
    result = harvest("openalex", query, settings, transport=replay.transport(), clock=clock)
    assert (result.complete, result.requests) == (True, 1)
    params = replay.log[0].url.params
    assert (params["cursor"], params["mailto"]) == ("*", "harvest-tests@example.org")
    assert _formats(result) == {"openalex"}
    counts = ingest_paths(store, [result.directory])
    assert (counts.read, counts.quarantined) == (49, 0)
    assert _work_count(store) == 49


def _replay_s2(replay: Replay, cassette: Path) -> int:
    """Serves a cassette's pages by path and offset/token; returns how many there are."""
    count = 0
    for url, status, body in cassette_interactions(cassette):
        replay.add(_same_page(url), text_response(body, status))
        count += 1
    return count


def _same_page(recorded: httpx.URL) -> Callable[[httpx.Request], bool]:
    # Bulk search pages by token alone (the recording client also sent a meaningless offset).
    keys = ("token",) if recorded.path.endswith("/bulk") else ("offset",)

    def matcher(request: httpx.Request) -> bool:
        same = all(request.url.params.get(k) == recorded.params.get(k) for k in keys)
        return request.url.path == recorded.path and same

    return matcher


@pytest.mark.parametrize(
    ("cassette", "query", "pages"),
    [
        ("test_get_author_papers.yaml", S2Query("author-papers", ids=("1723755",)), 9),
        ("test_get_paper_citations.yaml", S2Query("citations", ids=("CorpusID:14514057",)), 19),
        ("test_get_paper_references.yaml", S2Query("references", ("10.2139/ssrn.2250500",)), 2),
        (
            "test_search_paper_bulk_retrieval_traversing_results.yaml",
            S2Query("bulk-search", query="kubernetes"),
            3,
        ),
    ],
)
def test_s2_paged_endpoints_stop_at_the_last_page(
    replay: Replay,
    clock: FakeClock,
    settings: Settings,
    recordings: Path,
    cassette: str,
    query: S2Query,
    pages: int,
) -> None:
    assert _replay_s2(replay, recordings / S2_CASSETTES / cassette) == pages
    result = harvest("s2", query, settings, transport=replay.transport(), clock=clock)
    assert (result.complete, result.requests, len(result.files_written)) == (True, pages, pages)
    assert all(request.headers["x-api-key"] == "test-key" for request in replay.log)
    assert clock.sleeps == [1.0] * (pages - 1)
    assert _formats(result) == {"s2-api"}
    assert all(b"test-key" not in path.read_bytes() for path in result.files_written)


def test_s2_citations_ingest_with_their_edges(
    replay: Replay, clock: FakeClock, settings: Settings, recordings: Path, store: Store
) -> None:
    _replay_s2(replay, recordings / S2_CASSETTES / "test_get_paper_references.yaml")
    query = S2Query("references", ids=("10.2139/ssrn.2250500",))
    result = harvest("s2", query, settings, transport=replay.transport(), clock=clock)
    harvested = [r for path in result.files_written for r in _records(path)]
    assert harvested == _records(recordings / S2_CASSETTES / "test_get_paper_references.yaml")
    counts = ingest_paths(store, [result.directory])
    assert (counts.quarantined, counts.citations) == (0, 67)  # the edges survive
    assert _work_count(store) == counts.new > 0


def _records(path: Path) -> list[object]:
    """What the s2-api format reads from a file, without positions (they name the file)."""
    with path.open("rb") as stream:
        results = format_named("s2-api").parse(stream)
        return [r.record if isinstance(r, Parsed) else r.reason for r in results]


def test_s2_paper_batch_posts_the_ids(
    replay: Replay, clock: FakeClock, settings: Settings, recordings: Path
) -> None:
    ((_, _, body),) = cassette_interactions(recordings / S2_CASSETTES / "test_get_papers.yaml")
    replay.add(params_match("/graph/v1/paper/batch"), text_response(body))
    ids = ("CorpusId:470667", "10.2139/ssrn.2250500", "0f40b1f08821e22e859c6050916cec3667778613")
    result = harvest("s2", S2Query("batch", ids=ids, fields="title,authors"), settings,
                     transport=replay.transport(), clock=clock)  # fmt: skip
    request = replay.log[0]
    assert request.method == "POST" and json.loads(request.content) == {"ids": list(ids)}
    assert (result.complete, _formats(result)) == (True, {"s2-api"})

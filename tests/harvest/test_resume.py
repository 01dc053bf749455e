"""Resumability, cursor paging to the end, HF daily papers, and files written before state."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from harvest_fakes import FakeClock, Replay, json_response, params_match, text_response
from sqlalchemy import func, select

from paperscope.config import Settings
from paperscope.harvest import HarvestError, HFQuery, OpenAlexQuery, harvest
from paperscope.ingest import ingest_paths
from paperscope.sources.detect import detect_format
from paperscope.store import Store
from paperscope.store.schema import works

QUERY = OpenAlexQuery(filter="publication_year:2014")


def _openalex_pages(recordings: Path) -> list[dict[str, Any]]:
    """The recorded 49 works cut into three cursor-linked pages (the recording has one)."""
    page = json.loads((recordings / "openalex-works" / "works.json").read_text("utf-8"))
    results = page["results"]
    cuts, cursors = [(0, 20), (20, 40), (40, 49)], ["c2", "c3", None]
    return [
        {"meta": {**page["meta"], "next_cursor": cursor}, "results": results[start:end]}
        for (start, end), cursor in zip(cuts, cursors, strict=True)
    ]


def _serve(replay: Replay, pages: list[dict[str, Any]], broken_second: bool = False) -> None:
    second = [text_response("", 500)] if broken_second else [json_response(pages[1])]
    replay.add(params_match("/works", cursor="*"), json_response(pages[0]))
    replay.add(params_match("/works", cursor="c2"), *second)
    replay.add(params_match("/works", cursor="c3"), json_response(pages[2]))


def _cursors(replay: Replay) -> list[str]:
    return [request.url.params["cursor"] for request in replay.log]


def test_openalex_follows_next_cursor_until_there_is_none(
    replay: Replay, clock: FakeClock, settings: Settings, recordings: Path
) -> None:
    _serve(replay, _openalex_pages(recordings))
    result = harvest("openalex", QUERY, settings, transport=replay.transport(), clock=clock)
    assert _cursors(replay) == ["*", "c2", "c3"]
    assert (result.complete, [p.name for p in result.files_written]) == (
        True,
        ["page-00001.json", "page-00002.json", "page-00003.json"],
    )
    state = json.loads(result.state_file.read_text("utf-8"))
    assert (state["done"], state["pages"], state["cursor"]) == (True, 3, None)


def test_an_empty_page_ends_the_list(
    replay: Replay, clock: FakeClock, settings: Settings, recordings: Path
) -> None:
    pages = _openalex_pages(recordings)
    pages[1]["results"] = []  # a next_cursor next to no results: stop anyway
    _serve(replay, pages)
    result = harvest("openalex", QUERY, settings, transport=replay.transport(), clock=clock)
    assert (result.complete, _cursors(replay)) == (True, ["*", "c2"])


def test_interrupted_harvest_resumes_and_fetches_each_page_once(
    replay: Replay, clock: FakeClock, settings: Settings, recordings: Path, store: Store
) -> None:
    pages = _openalex_pages(recordings)
    _serve(replay, pages, broken_second=True)
    with pytest.raises(HarvestError, match=r"cursor=c2.*after 5 tries"):
        harvest("openalex", QUERY, settings, transport=replay.transport(), clock=clock)
    assert _cursors(replay) == ["*"] + ["c2"] * 5

    healed = Replay(clock=clock)
    _serve(healed, pages)
    result = harvest("openalex", QUERY, settings, transport=healed.transport(), clock=clock)
    assert _cursors(healed) == ["c2", "c3"]  # page 1 is not fetched again
    assert (result.pages_skipped, result.complete) == (1, True)
    assert sorted(p.name for p in result.directory.iterdir()) == [
        "page-00001.json",
        "page-00002.json",
        "page-00003.json",
    ]
    counts = ingest_paths(store, [result.directory])
    assert (counts.read, counts.new, counts.quarantined) == (49, 49, 0)
    with store.connect() as connection:
        assert connection.execute(select(func.count()).select_from(works)).scalar_one() == 49


def test_rerun_of_a_finished_harvest_fetches_nothing(
    replay: Replay, clock: FakeClock, settings: Settings, recordings: Path
) -> None:
    _serve(replay, _openalex_pages(recordings))
    harvest("openalex", QUERY, settings, transport=replay.transport(), clock=clock)
    again = harvest("openalex", QUERY, settings, transport=replay.transport(), clock=clock)
    assert (again.requests, again.files_written, again.pages_skipped) == (0, (), 3)
    assert len(replay.log) == 3
    other = OpenAlexQuery(filter="publication_year:2015")  # another query: its own state
    harvest("openalex", other, settings, transport=replay.transport(), clock=clock)
    assert len(replay.log) == 6


def test_a_truncated_page_is_refetched_and_saved_whole(
    replay: Replay, clock: FakeClock, settings: Settings, recordings: Path
) -> None:
    whole = json.dumps(_openalex_pages(recordings)[2])
    replay.add(params_match("/works"), text_response(whole[:5000]), text_response(whole))
    result = harvest(
        "openalex", {"search": "x"}, settings, transport=replay.transport(), clock=clock
    )
    assert result.requests == 2
    assert result.files_written[0].read_text("utf-8") == whole
    assert clock.sleeps == [2.0]  # the backoff, not a rate-limit wait of its own


def test_hf_daily_papers_one_file_per_day(
    replay: Replay, clock: FakeClock, settings: Settings, data_dir: Path, store: Store
) -> None:
    day = (data_dir / "hf-daily" / "daily_papers-2024-01-08.json").read_bytes()
    replay.add(params_match("/api/daily_papers", date="2024-01-08"), text_response(day))
    replay.add(params_match("/api/daily_papers", date="2024-01-09"), text_response("[]"))
    query = HFQuery(date_from=date(2024, 1, 8), date_until=date(2024, 1, 9))
    result = harvest("hf", query, settings, transport=replay.transport(), clock=clock)
    assert (result.complete, result.requests) == (True, 2)
    assert clock.sleeps == [0.5]
    for path in result.files_written:  # an empty day too: its name says `daily`
        fmt = detect_format(path.read_bytes(), path.name)
        assert fmt is not None and fmt.name == "hf-daily"
    counts = ingest_paths(store, [result.directory])
    # The sample day holds 3 good papers and 2 deliberately broken entries.
    assert (counts.new, counts.quarantined, counts.skipped_files) == (3, 2, 0)


def test_unknown_source_and_wrong_query_are_refused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="unknown harvest source"):
        harvest("google-scholar", {}, settings)
    with pytest.raises(TypeError, match="needs a HFQuery"):
        harvest("hf", QUERY, settings)

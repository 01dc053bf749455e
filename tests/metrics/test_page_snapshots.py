"""Stored author pages (`paperscope pages`) show exactly what the live page shows, and stop
being used as soon as anything an author page reads changes (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select, text, update

from paperscope.accounts.library import toggle_upvote
from paperscope.accounts.users import user_for_email
from paperscope.config import Settings
from paperscope.metrics import author_pages, page_snapshots
from paperscope.metrics.author_pages import AuthorPage, author_page
from paperscope.metrics.page_snapshots import refresh_pages
from paperscope.metrics.profile import (
    AI_SCORE_INPUTS,
    ai_score_inputs,
    ai_score_on,
    person_ai_score,
)
from paperscope.names import name_key
from paperscope.pipeline.runner import run_stages
from paperscope.pipeline.stages import Run, RunOptions
from paperscope.read import people
from paperscope.read.people import person_summaries, stored_summaries
from paperscope.read.person_records import PersonRef, parse_person_key
from paperscope.read.works import WorkSummary, is_recent, recent_until
from paperscope.search.people import find_people
from paperscope.store import Store
from paperscope.store.changes import start_refresh
from paperscope.store.metrics_schema import author_page_snapshots
from paperscope.store.schema import metadata, works
from paperscope.web.app import create_app

DATA = Path(__file__).parents[1] / "data"
TODAY = date(2026, 12, 4)


@pytest.fixture
def scored(store: Store, tmp_path: Path) -> Store:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        embedding_model="hashing",
        identity_topics="none",
    )
    paths = (DATA / "metrics", DATA / "aan")
    run = Run(store, settings, RunOptions(paths=paths, today=TODAY))
    run_stages(run, ["ingest", "resolve", "score"])
    return store


def _stored_keys(store: Store) -> list[str]:
    with store.connect() as connection:
        return list(connection.execute(select(author_page_snapshots.c.page_key)).scalars())


def _page(
    store: Store,
    key: str,
    sort: str = "date",
    page: int = 1,
    complete: bool = False,
    today: date = TODAY,
) -> AuthorPage:
    kind, _, value = key.partition(":")
    with store.connect() as connection:
        if kind == "printed":
            return author_page(
                connection, name=value, sort=sort, page=page, complete=complete, today=today
            )
        return author_page(
            connection, key=key, sort=sort, page=page, complete=complete, today=today
        )


def _without_storage(page: AuthorPage) -> AuthorPage:
    """What a visitor sees: the page's fields, its works as shown, no storage details."""
    return replace(
        page,
        profile=replace(page.profile, entries=page.shown),
        first_entry=0,
        stored_on=None,
    )


def test_a_stored_page_is_the_live_page(scored: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(author_pages, "PER_PAGE", 2)  # several pages of works per person
    report = refresh_pages(scored, today=TODAY, min_works=1)
    assert report.current and report.name_pages and report.person_pages
    keys = _stored_keys(scored)
    assert len(keys) == report.name_pages + report.person_pages
    assert any(key.startswith("person:") for key in keys)
    assert any(key.startswith("printed:") for key in keys)
    compared = 0
    for key in keys:
        for sort in ("date", "score", "citations"):
            live = _page(scored, key, sort, complete=True)
            for number in range(1, live.pages + 1):
                stored = _page(scored, key, sort, number)
                assert stored.stored_on == TODAY, key
                assert stored.first_entry == (number - 1) * 2
                expected = replace(live, page=number)
                assert _without_storage(stored) == _without_storage(expected), (key, sort)
                compared += 1
            with pytest.raises(Exception, match="page must be between"):
                _page(scored, key, sort, live.pages + 1)
    assert compared > len(keys) * 3


def test_only_pages_with_enough_works_are_stored(scored: Store) -> None:
    everyone = refresh_pages(scored, today=TODAY, min_works=1)
    fewer = refresh_pages(scored, today=TODAY, min_works=4)
    assert 0 < fewer.name_pages + fewer.person_pages < everyone.name_pages + everyone.person_pages
    for key in _stored_keys(scored):
        assert _page(scored, key, complete=True).profile.header.papers >= 1
    # Pages of the earlier refresh are gone, not kept beside.
    assert len(_stored_keys(scored)) == fewer.name_pages + fewer.person_pages


def _stored_rows(store: Store) -> list[tuple[object, ...]]:
    """Every stored page as stored, but the refresh's content version."""
    table = author_page_snapshots
    columns = [column for column in table.columns if column.name != "content_version"]
    with store.connect() as connection:
        return [
            tuple(row) for row in connection.execute(select(*columns).order_by(table.c.page_key))
        ]


def test_pages_computed_in_worker_processes_are_the_same(
    scored: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = refresh_pages(scored, today=TODAY, min_works=1)
    in_place = _stored_rows(scored)
    monkeypatch.setattr(page_snapshots, "CHUNK", 2)  # many tasks: both workers take some
    apart = refresh_pages(scored, today=TODAY, min_works=1, workers=2)
    assert apart.workers == 2 and apart.current
    assert (apart.name_pages, apart.person_pages, apart.skipped) == (
        alone.name_pages,
        alone.person_pages,
        alone.skipped,
    )
    assert len(in_place) == alone.name_pages + alone.person_pages > 2 * 2
    assert _stored_rows(scored) == in_place


def _watched(store: Store) -> set[str]:
    """The tables whose writes retire stored pages: those with the content-change triggers."""
    with store.connect() as connection:
        if store.dialect == "postgresql":
            query = (
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'content_changed'"
            )
        else:
            query = (
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'content_changed_%'"
            )
        return set(connection.execute(text(query)).scalars())


def test_every_table_an_author_page_reads_is_watched(scored: Store) -> None:
    """Catches a page that starts reading a new table without a trigger on it."""
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    refresh_pages(scored, today=TODAY, min_works=1)
    keys = _stored_keys(scored)
    event.listen(scored.engine, "before_cursor_execute", record)
    try:
        for key in keys:
            for sort in ("date", "score", "citations"):
                _page(scored, key, sort, complete=True)
                _page(scored, key, sort)
    finally:
        event.remove(scored.engine, "before_cursor_execute", record)
    sql = "\n".join(statements).lower()
    read = {
        name
        for name in metadata.tables
        if f"from {name}" in sql
        or f'from "{name}"' in sql
        or f"join {name}" in sql
        or f'join "{name}"' in sql
    }
    assert {"works", "authorships", "references", "work_metrics"} <= read
    bookkeeping = {"author_page_snapshots", "content_state", "content_changes"}
    # Local upvotes only add to the counts of the works shown, which are loaded live
    # (test_an_upvote_keeps_the_stored_pages_and_shows).
    shown_only = {"user_upvotes"}
    assert read - bookkeeping - shown_only <= _watched(scored)
    assert not shown_only & _watched(scored)


def test_an_upvote_keeps_the_stored_pages_and_shows(scored: Store) -> None:
    refresh_pages(scored, today=TODAY, min_works=1)
    key = next(key for key in _stored_keys(scored) if key.startswith("person:"))
    work = _page(scored, key).shown[0]
    with scored.transaction() as connection:
        user = user_for_email(connection, "reader@example.org", datetime(2026, 12, 4), True)
        assert toggle_upvote(connection, user.id, work.work_id, datetime(2026, 12, 4))
    stored = _page(scored, key)
    assert stored.stored_on == TODAY
    assert stored.shown[0].upvotes == (work.upvotes or 0) + 1
    live = _page(scored, key, complete=True)
    assert _without_storage(stored) == _without_storage(live)


def _is_stored(store: Store, key: str, today: date = TODAY) -> bool:
    return _page(store, key, today=today).stored_on is not None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE works SET title = title || ' (revised)' WHERE id = (SELECT min(id) FROM works)",
        "UPDATE work_metrics SET ai_score = 0.5",
        "DELETE FROM code_links",
        'UPDATE "references" SET is_influential = is_influential',
        "UPDATE authorships SET person_id = NULL WHERE id = (SELECT min(id) FROM authorships)",
    ],
)
def test_any_change_retires_the_stored_pages(scored: Store, statement: str) -> None:
    refresh_pages(scored, today=TODAY, min_works=1)
    key = next(key for key in _stored_keys(scored) if key.startswith("printed:"))
    assert _is_stored(scored, key)
    with scored.transaction() as connection:
        connection.execute(text(statement))
    assert not _is_stored(scored, key)
    # A page computed now shows the change; the next refresh stores pages again.
    refresh_pages(scored, today=TODAY, min_works=1)
    assert _is_stored(scored, key)


def test_a_title_change_shows_at_once(scored: Store) -> None:
    refresh_pages(scored, today=TODAY, min_works=1)
    key = next(key for key in _stored_keys(scored) if key.startswith("person:"))
    first = _page(scored, key).shown[0]
    with scored.transaction() as connection:
        connection.execute(
            update(works).where(works.c.id == first.work_id).values(title="A renamed work")
        )
    assert _page(scored, key).shown[0].title == "A renamed work"


def test_a_stored_page_holds_as_its_works_stop_being_recent(scored: Store) -> None:
    refresh_pages(scored, today=TODAY, min_works=1)
    with scored.connect() as connection:
        rows = connection.execute(
            select(author_page_snapshots.c.page_key, author_page_snapshots.c.ai_score_inputs)
        ).all()
    lasts = {
        key: np.frombuffer(inputs, dtype=AI_SCORE_INPUTS)["recent_until"] for key, inputs in rows
    }
    changing = {key: sorted({int(d) for d in days if d}) for key, days in lasts.items()}
    changing = {key: days for key, days in changing.items() if days}
    assert changing, "the sample has people with recent works"
    moved = 0
    for key, days in changing.items():
        probes = {TODAY, TODAY + timedelta(days=3 * 365)}
        for last in days:
            probes |= {date.fromordinal(last), date.fromordinal(last + 1)}
        for day in sorted(probes):
            stored = _page(scored, key, today=day)
            assert stored.stored_on == TODAY, (key, day)  # still read from its snapshot
            live = _page(scored, key, complete=True, today=day)
            assert _without_storage(stored) == _without_storage(live), (key, day)
        later = _page(scored, key, today=TODAY + timedelta(days=3 * 365)).profile.header
        moved += later.ai_score != _page(scored, key).profile.header.ai_score
    assert moved, "some header's AI score changes as its works age"
    assert not _is_stored(scored, key, TODAY - timedelta(days=1))  # stored after that day


def test_the_ai_score_on_a_later_day_is_the_profiles() -> None:
    def work(ai: float | None, pct: float | None, published: date) -> WorkSummary:
        recent = is_recent(published, published.year, TODAY)
        return _summary(published, recent, ai, pct)

    entries = [
        work(0.9, 0.2, TODAY - timedelta(days=10)),
        work(None, 0.4, TODAY - timedelta(days=400)),
        work(0.3, None, TODAY - timedelta(days=700)),
        work(0.5, 0.7, TODAY - timedelta(days=4000)),
    ]
    inputs = ai_score_inputs(entries, TODAY)
    for day in (TODAY, TODAY + timedelta(days=40), TODAY + timedelta(days=400), date(2040, 1, 1)):
        aged = [
            _summary(e.published, is_recent(e.published, e.year, day), e.ai_score, e.citation_pct)
            for e in entries
        ]
        assert ai_score_on(inputs, day) == person_ai_score(aged), day
    assert ai_score_on(ai_score_inputs([], TODAY), TODAY) is None


def _summary(
    published: date | None, recent: bool, ai: float | None, pct: float | None
) -> WorkSummary:
    return WorkSummary(
        work_id=1, title="t", abstract=None, authors=(), author_count=0, authors_truncated=False,
        published=published, year=published.year if published else None, day=None, venue=None,
        primary_category=None, code_urls=(), code_badge=False, upvotes=None,
        in_corpus_citations=0, reported_citations=None, citations=0, citation_source="corpus",
        recent=recent, ai_score=ai, score=ai if recent else None, novelty_pct=None,
        citation_pct=pct,
    )  # fmt: skip


def test_new_definitions_retire_the_stored_pages(
    scored: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh_pages(scored, today=TODAY, min_works=1)
    key = _stored_keys(scored)[0]
    assert _is_stored(scored, key)
    monkeypatch.setattr(author_pages, "VERSION", "a later version")
    assert not _is_stored(scored, key)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
    st.booleans(),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
)
def test_recent_until_is_the_last_day_of_the_same_recency(
    published: date, year_only: bool, today: date
) -> None:
    day, year = (None, published.year) if year_only else (published, None)
    last = recent_until(day, year, today)
    if last is None:
        assert not is_recent(day, year, today)
        assert not is_recent(day, year, today + timedelta(days=4000))
        return
    assert last >= today
    for probe in (today, last - timedelta(days=1), last):
        if probe >= today:
            assert is_recent(day, year, probe)
    assert not is_recent(day, year, last + timedelta(days=1))


@pytest.fixture
def two_connections(scored: Store) -> Iterator[Store]:
    if scored.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: a refresh cannot overlap a write")
    yield scored


def test_a_refresh_waits_for_writes_begun_before_it(two_connections: Store) -> None:
    """PostgreSQL: a change recorded by a transaction that commits after the refresh began
    would be older than the new version; the refresh waits for it instead."""
    store = two_connections
    refreshed = threading.Event()

    def refresh() -> None:
        with store.transaction() as connection:
            start_refresh(connection)
        refreshed.set()

    with store.engine.connect() as writer:
        writer.execute(text("UPDATE works SET title = title"))
        thread = threading.Thread(target=refresh)
        thread.start()
        assert not refreshed.wait(1.0), "the refresh went ahead of an open write"
        writer.commit()
    thread.join(10)
    assert refreshed.is_set()


def test_the_web_page_reads_the_stored_page_and_the_json_stays_complete(
    scored: Store, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(author_pages, "PER_PAGE", 2)
    refresh_pages(scored, today=date.today(), min_works=1)
    key = next(k for k in _stored_keys(scored) if k.startswith("person:") and _many(scored, k))
    person_id = int(key.removeprefix("person:"))
    client = TestClient(create_app(Settings(database_url=database_url), scored))
    html = client.get(f"/author/{person_id}", params={"page": 2}).text
    live = _page(scored, key, page=2, complete=True, today=date.today())
    assert "Stored by <code>paperscope pages</code>" in html
    assert f"{live.profile.header.papers} Papers" in html
    for entry in live.shown:
        assert f'href="/paper/{entry.work_id}"' in html
    others = set(e.work_id for e in live.profile.entries) - {e.work_id for e in live.shown}
    assert not any(f'href="/paper/{work_id}"' in html for work_id in others)
    api = client.get(f"/api/author/{person_id}").json()
    assert len(api["profile"]["entries"]) == live.profile.header.papers
    assert api["stored_on"] is None


def _many(store: Store, key: str) -> bool:
    return _page(store, key, complete=True, today=date.today()).pages > 1


def test_the_people_of_one_name_are_computed_one_after_another(scored: Store) -> None:
    """Their pages show the same namesakes, which a worker summarises once while they are
    among the latest it holds (`NamesakeMemo`); the names keep the order of their most
    prolific person, and each name's people are most works first."""
    with scored.connect() as connection:
        _, keys = page_snapshots._candidates(connection, 1)
        pages = [author_page(connection, key=key, today=TODAY) for key in keys]
    names = [name_key(page.profile.person.name) for page in pages]
    runs = [name for at, name in enumerate(names) if at == 0 or names[at - 1] != name]
    assert len(runs) == len(set(runs)), "a name's people are apart"
    assert len(runs) < len(names), "no name with several people: the test shows nothing"
    works = [page.profile.header.papers for page in pages]
    firsts = [works[at] for at, name in enumerate(names) if at == 0 or names[at - 1] != name]
    assert firsts == sorted(firsts, reverse=True)
    for name in set(names):
        own = [count for count, each in zip(works, names, strict=True) if each == name]
        assert own == sorted(own, reverse=True)


def _stored_people(store: Store) -> list[PersonRef]:
    refs = [parse_person_key(key) for key in _stored_keys(store)]
    return [ref for ref in refs if ref is not None]


def test_people_lists_read_the_stored_summaries(scored: Store) -> None:
    """A stored person's summary is the one counted from their works, and the lists of
    people (people search, experts, namesakes) read it instead of any authorship."""
    refresh_pages(scored, today=TODAY, min_works=1)
    refs = _stored_people(scored)
    assert any(ref.person_id is not None for ref in refs)
    found = [(ref, None) for ref in refs]
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement.lower())

    with scored.connect() as connection:
        counted = people._counted(connection, found)
        event.listen(scored.engine, "before_cursor_execute", record)
        try:
            listed = person_summaries(connection, found)
        finally:
            event.remove(scored.engine, "before_cursor_execute", record)
    assert listed == counted
    assert [summary.person_key for summary in listed] == [ref.key for ref in refs]
    assert statements and not any("authorships" in each for each in statements)


def test_a_change_retires_the_stored_summaries(scored: Store) -> None:
    refresh_pages(scored, today=TODAY, min_works=1)
    ref = next(ref for ref in _stored_people(scored) if ref.person_id is not None)
    with scored.connect() as connection:
        assert ref.key in stored_summaries(connection, [ref.key])
        name = person_summaries(connection, [(ref, None)])[0].name
        before = find_people(connection, name)
    with scored.transaction() as connection:
        connection.execute(
            text("UPDATE people SET canonical_name = 'Renamed Person' WHERE id = :id"),
            {"id": ref.person_id},
        )
    with scored.connect() as connection:
        assert stored_summaries(connection, [ref.key]) == {}
        assert person_summaries(connection, [(ref, None)])[0].name == "Renamed Person"
    refresh_pages(scored, today=TODAY, min_works=1)
    with scored.connect() as connection:
        assert stored_summaries(connection, [ref.key])[ref.key].name == "Renamed Person"
        after = find_people(connection, name)
    # The people search reads the stored summaries and lists what it listed when counting.
    renamed = {ref.key: "Renamed Person"}
    assert [(p.person_key, renamed.get(p.person_key, p.name)) for p in before.people] == [
        (p.person_key, p.name) for p in after.people
    ]


def test_a_summary_that_no_longer_parses_is_counted(scored: Store) -> None:
    refresh_pages(scored, today=TODAY, min_works=1)
    ref = next(ref for ref in _stored_people(scored) if ref.person_id is not None)
    with scored.connect() as connection:
        expected = person_summaries(connection, [(ref, None)])
        # Written by hand, not through a watched table: the page stays current.
        connection.execute(
            update(author_page_snapshots)
            .where(author_page_snapshots.c.page_key == ref.key)
            .values(summary='{"person_id": "not a number"}')
        )
        connection.commit()
        assert stored_summaries(connection, [ref.key]) == {}
        assert person_summaries(connection, [(ref, None)]) == expected

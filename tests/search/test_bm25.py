"""The BM25 index beside the database: it matches what the native index matches, answers only
while in step with the works, and is rebuilt whole or caught up and published atomically
(its filters: test_bm25_filters.py)."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest
from search_helpers import SAMPLE, title_id
from sqlalchemy import delete, select, update

from paperscope.config import Settings
from paperscope.embeddings.vectors import generation
from paperscope.pipeline.runner import run_stage
from paperscope.pipeline.stages import RunOptions
from paperscope.search import SearchFilters, SearchRequest, bm25, search
from paperscope.search.bm25 import (
    FORMAT,
    KEYWORD_STATE,
    Bm25Index,
    bm25_index,
    cut_log,
    forget_bm25_indexes,
)
from paperscope.search.keyword import keyword_page, refresh_keyword_index
from paperscope.search.query import parse_query
from paperscope.store import Store
from paperscope.store.schema import works
from paperscope.store.search_schema import search_changes
from stages import ingest

# Words, phrases, prefixes, author names, venues, accents, digits, several terms.
QUERIES = (
    "translation",
    "neural networks",
    '"machine translation"',
    '"translation machine"',
    "segment*",
    "retriev*",
    "lovelace",
    "sigir",
    "graph molecules",
    "learning",
    "diffusion grasping",
    "2021",
    "attention transformers speech",
)


def _page(store: Store, text: str, operator: str, bm25: Bm25Index | None, limit: int = 50):  # type: ignore[no-untyped-def]
    with store.connect() as connection:
        return keyword_page(
            connection, parse_query(text), SearchFilters(), limit, operator=operator, bm25=bm25
        )


@pytest.mark.parametrize("operator", ["AND", "OR"])
def test_bm25_matches_the_works_the_native_index_matches(
    sample_store: Store, built: Bm25Index, operator: str
) -> None:
    for text in QUERIES:
        native = _page(sample_store, text, operator, None)
        ranked = _page(sample_store, text, operator, built)
        assert set(ranked.ids) == set(native.ids), (text, operator)
        assert ranked.total == native.total, (text, operator)
    # The scores are BM25's, not the native index's: the index really answered.
    native = _page(sample_store, "translation", "AND", None)
    ranked = _page(sample_store, "translation", "AND", built)
    assert ranked.scores != native.scores
    assert list(ranked.scores) == sorted(ranked.scores, reverse=True)


def test_pages_of_a_ranking_join_up_and_count_every_match(
    sample_store: Store, built: Bm25Index
) -> None:
    whole = _page(sample_store, "learning networks models", "OR", built)
    assert whole.total == len(whole.ids) > 4
    with sample_store.connect() as connection:
        query = parse_query("learning networks models")
        pages = [
            keyword_page(connection, query, SearchFilters(), 2, offset, "OR", bm25=built)
            for offset in range(0, whole.total, 2)
        ]
    assert [w for page in pages for w in page.ids] == list(whole.ids)
    assert {page.total for page in pages} == {whole.total}


def test_accents_fold_and_a_term_without_an_indexable_word_goes_native(
    sample_store: Store, built: Bm25Index
) -> None:
    _retitle(
        sample_store,
        "Transformers for Speech",
        "Transformers for Speech Recognition of Naïve Speakers",
    )
    refresh_keyword_index(sample_store)
    assert built.rebuild() is not None
    assert (
        _page(sample_store, "naive", "AND", built).ids
        == _page(sample_store, "naïve", "AND", built).ids
    )
    assert len(_page(sample_store, "naive", "AND", built).ids) == 1
    # "_" is a word to the query parser, nothing to the analyzer: the native index decides.
    snapshot = _snapshot(sample_store, built)
    assert snapshot.page(parse_query("_"), "AND", 10, 0, True) is None
    assert _page(sample_store, "_", "AND", built) == _page(sample_store, "_", "AND", None)


def _retitle(store: Store, title_start: str, title: str) -> int:
    """Give the work whose title starts so a new title (the trigger queues it); its id."""
    work_id = title_id(store, title_start)
    with store.transaction() as connection:
        connection.execute(update(works).where(works.c.id == work_id).values(title=title))
    return work_id


def _snapshot(store: Store, index: Bm25Index):  # type: ignore[no-untyped-def]
    with store.connect() as connection:
        return index.in_step(connection)


def test_an_index_behind_the_works_is_not_used_until_rebuilt(
    sample_store: Store, built: Bm25Index
) -> None:
    work_id = _retitle(sample_store, "Convolutional Networks", "Zebrafish Counting")
    # Queued by the trigger: the native index is behind too, and searches it joined to works.
    assert _snapshot(sample_store, built) is None
    refresh_keyword_index(sample_store)
    # Refreshed: the native index has the new title, the BM25 index a generation too old.
    assert _snapshot(sample_store, built) is None
    assert _page(sample_store, "zebrafish", "AND", built).ids == (work_id,)
    rebuilt = built.rebuild()
    assert rebuilt is not None and _snapshot(sample_store, built) is rebuilt
    assert (
        _page(sample_store, "zebrafish", "AND", built).scores
        != _page(sample_store, "zebrafish", "AND", None).scores
    )
    assert _page(sample_store, "zebrafish", "AND", built).ids == (work_id,)
    # Only the current folder is kept.
    assert sorted(p.name for p in built.directory.iterdir() if p.is_dir()) == [
        f"f{FORMAT}-g{rebuilt.generation}"
    ]


def test_the_server_rebuilds_in_the_background_what_it_finds_behind(
    sample_store: Store, built: Bm25Index
) -> None:
    with sample_store.transaction() as connection:
        connection.execute(update(works).values(venue="Okapi Workshop"))
    refresh_keyword_index(sample_store)
    built.heal = True
    assert _snapshot(sample_store, built) is None  # behind: native now, rebuilt meanwhile
    assert built._healing is not None
    built._healing.join(timeout=60)
    snapshot = _snapshot(sample_store, built)
    assert snapshot is not None
    assert _page(sample_store, "okapi", "AND", built).total == snapshot.size == 12


def test_a_second_process_finds_the_folder_another_built(
    sample_store: Store, built: Bm25Index
) -> None:
    other = Bm25Index(sample_store, built.directory)
    snapshot = _snapshot(sample_store, other)
    assert snapshot is not None and snapshot.size == 12


def test_a_build_under_way_elsewhere_is_not_waited_for_by_the_server(
    sample_store: Store, built: Bm25Index
) -> None:
    with open(built.directory / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert Bm25Index(sample_store, built.directory).rebuild(wait=False) is None


def test_a_dead_build_and_a_damaged_folder_are_never_read(
    sample_store: Store, built: Bm25Index
) -> None:
    snapshot = _snapshot(sample_store, built)
    assert snapshot is not None
    folder = built.directory / f"f{FORMAT}-g{snapshot.generation}"
    dead = built.directory / "building-999999"
    dead.mkdir()
    (dead / "meta.json").write_text("{")
    # A folder whose description someone damaged. (Not its segment files in place: this
    # process still maps them, and a mapped file cut short is a SIGBUS, not an error.)
    (folder / "meta.json").unlink()
    (folder / "meta.json").write_text("{")
    fresh = Bm25Index(sample_store, built.directory)
    assert _snapshot(sample_store, fresh) is None
    assert _page(sample_store, "translation", "AND", fresh).total == 2  # native
    rebuilt = fresh.rebuild()
    assert rebuilt is not None and rebuilt.size == 12
    assert not dead.exists()


def test_ingest_builds_the_index_of_the_sqlite_file_beside_it(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'beside.db'}")
    try:
        ingest(store, SAMPLE)
        folders = list((tmp_path / "beside.db.search" / "keyword").glob("f*-g*"))
        assert len(folders) == 1
        settings = Settings(_env_file=None, data_dir=tmp_path / "elsewhere")  # type: ignore[call-arg]
        forget_bm25_indexes()
        index = bm25_index(store, settings)
        assert index is not None
        snapshot = _snapshot(store, index)
        assert snapshot is not None and snapshot.size == 12
    finally:
        store.close()


def _logged(store: Store) -> list[tuple[int, int]]:
    with store.connect() as connection:
        rows = connection.execute(select(search_changes.c.generation, search_changes.c.work_id))
        return sorted((int(g), int(w)) for g, w in rows)


def test_a_build_catches_up_with_the_works_changed_since_and_leaves_the_old_folder_whole(
    sample_store: Store, built: Bm25Index
) -> None:
    assert _logged(sample_store) == []  # the build cut the log
    before = _snapshot(sample_store, built)
    assert before is not None
    renamed = _retitle(sample_store, "Convolutional Networks", "Zebrafish Counting")
    gone = title_id(sample_store, "Sparse Retrieval")
    with sample_store.transaction() as connection:
        connection.execute(delete(works).where(works.c.id == gone))
    refresh_keyword_index(sample_store)
    assert {work for _, work in _logged(sample_store)} == {renamed, gone}
    after = built.rebuild()
    assert after is not None and built.last_build == ("caught up", 2)
    assert after.size == 11
    assert _page(sample_store, "zebrafish", "AND", built).ids == (renamed,)
    assert _page(sample_store, "sigir", "AND", built).total == 0
    for text in QUERIES:  # the caught-up index matches what the native one matches
        for operator in ("AND", "OR"):
            native = _page(sample_store, text, operator, None)
            assert set(_page(sample_store, text, operator, built).ids) == set(native.ids)
    # The folder it started from, still open here, was never written to (hard links only).
    assert before.size == 12
    assert before.page(parse_query("zebrafish"), "AND", 10, 0, True) == ([], 0)
    found = before.page(parse_query("sigir"), "AND", 10, 0, True)
    assert found is not None and [w for w, _ in found[0]] == [gone]
    assert _logged(sample_store) == []


def test_more_changes_than_a_catch_up_is_worth_reads_every_work(
    sample_store: Store, built: Bm25Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bm25, "CATCH_UP_LIMIT", 3)
    with sample_store.transaction() as connection:
        connection.execute(update(works).values(venue="Okapi Workshop"))
    refresh_keyword_index(sample_store)
    assert _logged(sample_store) == []  # 12 changes: the refresh cut the log
    assert built.rebuild() is not None and built.last_build == ("all", 12)
    assert _page(sample_store, "okapi", "AND", built).total == 12


def test_an_index_older_than_the_log_reads_every_work(
    sample_store: Store, built: Bm25Index
) -> None:
    work_id = _retitle(sample_store, "Convolutional Networks", "Zebrafish Counting")
    refresh_keyword_index(sample_store)
    _retitle(sample_store, "Zebrafish Counting", "Zebrafish Tracking")
    refresh_keyword_index(sample_store)
    with sample_store.transaction() as connection:  # as another copy's build would
        cut_log(connection, generation(connection, KEYWORD_STATE) - 1)
    assert built.rebuild() is not None and built.last_build == ("all", 12)
    assert _page(sample_store, "tracking", "AND", built).ids == (work_id,)


def test_a_server_that_cannot_build_searches_natively_and_retries_later(
    sample_store: Store, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    index = Bm25Index(sample_store, blocked / "keyword")
    index.heal = True
    assert _snapshot(sample_store, index) is None
    first = index._healing
    assert first is not None
    first.join(timeout=60)
    assert _snapshot(sample_store, index) is None  # failed a moment ago: not tried again yet
    assert index._healing is first
    assert _page(sample_store, "translation", "AND", index).total == 2  # the database's index


def test_ingest_stores_the_works_when_the_bm25_index_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "blocked.db.search").write_text("not a folder")
    store = Store.open(f"sqlite:///{tmp_path / 'blocked.db'}")
    try:
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        options = RunOptions(paths=(SAMPLE,))
        result = run_stage(store, settings, "ingest", options)
        assert "new 12" in result.summary
        assert "BM25 keyword index not built" in result.summary
        plain = SearchRequest("translation", "keyword")
        assert search(store, plain, settings).total == 2
    finally:
        store.close()


def test_a_log_cut_while_a_build_reads_it_makes_the_build_read_every_work(
    sample_store: Store, built: Bm25Index
) -> None:
    work_id = _retitle(sample_store, "Convolutional Networks", "Zebrafish Counting")
    refresh_keyword_index(sample_store)
    snapshot = _snapshot(sample_store, built)
    assert snapshot is None
    with sample_store.connect() as connection:
        current = generation(connection, KEYWORD_STATE)
    since = current - 1
    assert built._changed(since, current) == [work_id]
    with sample_store.transaction() as connection:  # a refresh elsewhere bounding the log
        cut_log(connection, current)
    assert built._changed(since, current) is None

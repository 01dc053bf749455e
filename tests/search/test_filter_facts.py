"""The filter facts' columns beside a BM25 snapshot keep exactly the works the database's
filters keep, after a whole build and after a catch-up, and a folder without them (or with a
damaged file) still answers through the index."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from search_helpers import title_id
from sqlalchemy import delete, insert, select, update

from paperscope.search import SearchFilters
from paperscope.search.bm25 import Bm25Index, Bm25Snapshot
from paperscope.search.filter_facts import FACTS_FILE, FactsBuilder, FilterFacts
from paperscope.search.filters import FilterTerms, conditions_of, filter_terms
from paperscope.search.keyword import refresh_keyword_index
from paperscope.store import Store
from paperscope.store.schema import code_links, work_categories, works

FILTERS = (
    SearchFilters(category="cs.CL"),
    SearchFilters(category="CL"),
    SearchFilters(category="AS"),
    SearchFilters(category="cs"),
    SearchFilters(category="Signal Processing"),
    SearchFilters(category="q-bio.NC"),
    SearchFilters(since=date(2022, 1, 1)),
    SearchFilters(until=date(2021, 12, 31)),
    SearchFilters(since=date(2021, 1, 5), until=date(2021, 1, 5)),
    SearchFilters(since=date(2019, 1, 1), until=date(2019, 12, 31)),
    SearchFilters(has_code=True),
    SearchFilters(category="CL", since=date(2022, 1, 1), has_code=True),
    SearchFilters(venue="acl"),
    SearchFilters(venue="NeurIPS 20"),
    SearchFilters(venue="%"),
    SearchFilters(venue="_"),
    SearchFilters(venue="quokka"),
    SearchFilters(venue="neurips", has_code=True),
)


def _snapshot(store: Store, index: Bm25Index) -> Bm25Snapshot:
    with store.connect() as connection:
        snapshot = index.in_step(connection)
    assert snapshot is not None
    return snapshot


def _database_keeps(store: Store, terms: FilterTerms) -> list[int]:
    query = select(works.c.id).where(*conditions_of(terms)).order_by(works.c.id)
    with store.connect() as connection:
        return [int(i) for i in connection.execute(query).scalars()]


def _facts_keep_what_the_database_keeps(store: Store, snapshot: Bm25Snapshot) -> None:
    facts = snapshot.facts
    assert facts is not None
    every = np.array(_database_keeps(store, FilterTerms()), dtype=np.int64)
    assert list(facts.ids) == list(every)
    for filters in FILTERS:
        terms = filter_terms(filters)
        wanted = _database_keeps(store, terms)
        assert list(facts.passing(terms)) == wanted, filters
        shuffled = np.concatenate([every[::-1], np.array([10**9], dtype=np.int64)])
        snapshot.kept.clear()  # looked up on the columns, not among remembered ids
        among = snapshot.filtered_ids(terms, shuffled.tolist())
        assert among is not None, filters
        assert list(among) == wanted[::-1], filters  # in the candidates' order, unknown out
        assert snapshot.filtered_count(terms) == len(wanted), filters


def test_the_facts_keep_what_the_database_keeps(sample_store: Store, built: Bm25Index) -> None:
    with sample_store.transaction() as connection:  # a work dated by its year only, one undated
        first, second = connection.execute(select(works.c.id).limit(2)).scalars()
        connection.execute(update(works).where(works.c.id == first).values(published=None))
        connection.execute(
            update(works).where(works.c.id == second).values(published=None, year=None)
        )
    refresh_keyword_index(sample_store)
    assert built.rebuild() is not None
    snapshot = _snapshot(sample_store, built)
    _facts_keep_what_the_database_keeps(sample_store, snapshot)
    coded = filter_terms(SearchFilters(has_code=True))
    ids = snapshot.filtered_ids(coded)
    assert ids is not None and 0 < len(ids) < snapshot.size  # the case filters


def test_a_catch_up_carries_the_facts_over(sample_store: Store, built: Bm25Index) -> None:
    graph = title_id(sample_store, "Graph Neural")  # cs.LG, 2021-01-05, a code link
    speech = title_id(sample_store, "Transformers for Speech")  # eess.AS cs.CL, 2022-03-01
    keyphrase = title_id(sample_store, "Keyphrase Extraction")
    with sample_store.transaction() as connection:
        connection.execute(
            update(works).where(works.c.id == speech).values(published=None, year=2019)
        )
        connection.execute(
            insert(work_categories).values(work_id=speech, position=9, category="q-bio.NC")
        )
        connection.execute(delete(code_links).where(code_links.c.work_id == graph))
        connection.execute(delete(work_categories).where(work_categories.c.work_id == keyphrase))
        connection.execute(
            update(works).where(works.c.id == keyphrase).values(venue="Journal of Quokkas")
        )
    refresh_keyword_index(sample_store)
    assert built.rebuild() is not None
    assert built.last_build[0] == "caught up"
    snapshot = _snapshot(sample_store, built)
    _facts_keep_what_the_database_keeps(sample_store, snapshot)
    nc = snapshot.filtered_ids(filter_terms(SearchFilters(category="NC")))
    assert nc is not None and list(nc) == [speech]
    quokka = snapshot.filtered_ids(filter_terms(SearchFilters(venue="quokkas")))
    assert quokka is not None and list(quokka) == [keyphrase]


def test_a_folder_without_facts_answers_through_the_index_until_rebuilt(
    sample_store: Store, built: Bm25Index, caplog: pytest.LogCaptureFixture
) -> None:
    snapshot = _snapshot(sample_store, built)
    folder = built.directory / next(p.name for p in built.directory.glob("f*-g*"))
    coded = filter_terms(SearchFilters(has_code=True, until=date(2022, 12, 31)))
    wanted = _database_keeps(sample_store, coded)
    (folder / FACTS_FILE).write_bytes((folder / FACTS_FILE).read_bytes()[:100])  # damaged
    assert FilterFacts.load(folder) is None
    assert "filter facts in" in caplog.text and "not used" in caplog.text
    (folder / FACTS_FILE).unlink()
    opened = Bm25Snapshot.open(folder, snapshot.generation)
    assert opened.facts is None
    read = opened.filtered_ids(coded)  # from the index
    assert read is not None and list(read) == wanted
    # The next build cannot catch up facts it has no base for: it reads every work.
    with sample_store.transaction() as connection:
        connection.execute(update(works).where(works.c.id == wanted[0]).values(code_badge=True))
    refresh_keyword_index(sample_store)
    assert built.rebuild() is not None
    assert built.last_build[0] == "all"
    assert _snapshot(sample_store, built).facts is not None


def test_facts_over_a_base_drop_the_changed_works_and_add_them_as_they_are(
    tmp_path: Path,
) -> None:
    base = FactsBuilder()
    base.add(3, {"category": ["=cs.cl", ".cl"], "published": 20210104, "has_code": 1})
    base.add(1, {"category": ["=cs.lg", ".lg"], "year_only": 2019, "venue_lower": "acl"})
    base.add(2, {"venue_lower": "emnlp"})
    facts = base.done()
    assert list(facts.ids) == [1, 2, 3] and list(facts.has_code) == [False, False, True]
    later = FactsBuilder()
    later.add(3, {"category": ["=cs.lg", ".lg"], "venue_lower": "naacl"})  # 1 was deleted
    caught_up = later.over(facts, np.array([1, 3], dtype=np.int64))
    assert list(caught_up.ids) == [2, 3]
    acl = filter_terms(SearchFilters(venue="ACL"))
    assert list(facts.passing(acl)) == [1] and list(caught_up.passing(acl)) == [3]
    assert list(caught_up.passing(filter_terms(SearchFilters(venue="nlp")))) == [2]
    later.add(4, {"venue_lower": "tagung zürich ☃", "category": ["=math.co", ".co"]})
    later.over(facts, np.array([1, 3], dtype=np.int64)).save(tmp_path)
    loaded = FilterFacts.load(tmp_path)
    assert loaded is not None and list(loaded.ids) == [2, 3, 4]
    assert list(loaded.passing(filter_terms(SearchFilters(venue="Zürich")))) == [4]
    assert list(loaded.passing(filter_terms(SearchFilters(category="CO")))) == [4]
    lg = filter_terms(SearchFilters(category="LG"))
    assert list(caught_up.passing(lg)) == [3]
    assert not len(caught_up.passing(filter_terms(SearchFilters(category="CL"))))
    assert not len(caught_up.passing(filter_terms(SearchFilters(has_code=True))))
    assert not FilterFacts.answers(filter_terms(SearchFilters(author="ada", category="CL")))
    assert not FilterFacts.answers(filter_terms(SearchFilters()))

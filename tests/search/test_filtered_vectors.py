"""Semantic search under filters through the BM25 index's filter fields: the same works and
counts as the exact search among the works the database lists, on either route (exact
among the kept works, or a deep list of the nearest filtered), and the service uses it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from sqlalchemy import and_, select

from paperscope.config import Settings
from paperscope.embeddings.encoders import get_encoder
from paperscope.embeddings.index import VectorIndex, open_index
from paperscope.embeddings.vectors import embed_works
from paperscope.search import SearchFilters, SearchRequest, filtered_vectors, search, service
from paperscope.search.bm25 import Bm25Snapshot, bm25_index, forget_bm25_indexes
from paperscope.search.filtered_vectors import filtered_nearest
from paperscope.search.filters import filter_conditions, filter_terms
from paperscope.store import Store
from paperscope.store.schema import works

FILTERS = (
    SearchFilters(category="CL"),
    SearchFilters(category="cs.LG"),
    SearchFilters(since=date(2022, 1, 1)),
    SearchFilters(until=date(2021, 12, 31), has_code=True),
    SearchFilters(author="sample"),
    SearchFilters(venue="neurips"),
    SearchFilters(category="Signal Processing"),
)
TOPICS = ("neural machine translation", "image synthesis", "retrieval for question answering")


@pytest.fixture(params=["facts", "index"])
def embedded(
    sample_store: Store, settings: Settings, request: pytest.FixtureRequest
) -> tuple[VectorIndex, Bm25Snapshot]:
    """The vectors, and the BM25 snapshot: the category, date and code filters tested on its
    facts' columns (search.filter_facts), or, as in a folder without them, on the index."""
    embed_works(sample_store, get_encoder("hashing", settings.data_dir))
    forget_bm25_indexes()
    bm25 = bm25_index(sample_store, settings)
    assert bm25 is not None and bm25.rebuild() is not None
    with sample_store.connect() as connection:
        snapshot = bm25.in_step(connection)
    assert snapshot is not None and snapshot.facts is not None
    if request.param == "index":
        snapshot = replace(snapshot, facts=None)
    return open_index(sample_store, settings.data_dir, "hashing"), snapshot


def _exact(store: Store, index: VectorIndex, vector: np.ndarray, filters: SearchFilters, k: int):  # type: ignore[no-untyped-def]
    """What the database's route finds: the nearest among the ids it lists."""
    with store.connect() as connection:
        query = select(works.c.id).where(and_(*filter_conditions(filters)))
        allowed = np.fromiter(connection.execute(query).scalars(), dtype=np.int64)
    hits = index.search(vector, k, allowed)
    return hits, index.count_among(allowed)


def _lists_recorded(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Per deep list tried from now on: did it answer (or give up)?"""
    answers: list[bool] = []
    tried = filtered_vectors._post_filtered

    def post_filtered(*args: object) -> object:
        found = tried(*args)  # type: ignore[arg-type]
        answers.append(found is not None)
        return found

    monkeypatch.setattr(filtered_vectors, "_post_filtered", post_filtered)
    return answers


@pytest.mark.parametrize("route", ["exact", "deep list", "deep list, ids read", "too deep"])
def test_each_route_finds_what_the_database_route_finds(
    sample_store: Store,
    settings: Settings,
    embedded: tuple[VectorIndex, Bm25Snapshot],
    monkeypatch: pytest.MonkeyPatch,
    route: str,
) -> None:
    """Every filter made broad: a deep list of the nearest, its works asked of the index
    (reading every kept id made dear), or looked up among the kept ids (here, with a dozen
    works, reading them all is cheaper than asking); or the list giving up at once (exact
    after all)."""
    index, snapshot = embedded
    window = 1000
    if route != "exact":
        monkeypatch.setattr(filtered_vectors, "EXACT_BELOW", 0)
        window = 1  # so few works that only a window of 1 is known to be full
    if route == "deep list":
        monkeypatch.setattr(filtered_vectors, "READ_PER_KEPT_US", 10**9)
    if route == "too deep":
        monkeypatch.setattr(filtered_vectors, "DEEPEST", 0)
    answers = _lists_recorded(monkeypatch)
    asked: list[int] = []  # candidates whose passing the index was asked
    among = Bm25Snapshot.filtered_ids

    def filtered_ids(
        self: Bm25Snapshot, terms: object, ids: object = None, count: object = None
    ) -> object:
        asked.extend(ids or ())  # type: ignore[call-overload]
        return among(self, terms, ids, count)  # type: ignore[arg-type]

    monkeypatch.setattr(Bm25Snapshot, "filtered_ids", filtered_ids)
    encoder = get_encoder("hashing", settings.data_dir)
    found_any = 0
    for topic in TOPICS:
        vector = encoder.encode([topic])[0]
        for filters in FILTERS:
            for k in (1, 3, 12):
                expected, eligible = _exact(sample_store, index, vector, filters, k)
                found = filtered_nearest(index, vector, k, snapshot, filter_terms(filters), window)
                assert found is not None
                hits, count = found
                assert [w for w, _ in hits] == [w for w, _ in expected], (topic, filters, k)
                assert count == min(eligible, window), (topic, filters, k)
                found_any += bool(hits)
    assert found_any > len(TOPICS) * 3 * 4  # most filters keep some works
    if route == "exact":
        assert not answers
    elif route == "deep list":
        assert all(answers) and asked
    elif route == "deep list, ids read":
        assert all(answers) and not asked
        assert snapshot.kept.get(filter_terms(SearchFilters(category="CL"))) is not None
    else:  # a first list deeper than the budget of 0 is not read at all
        assert answers and not any(answers) and not asked


def test_a_deep_list_is_read_while_cheaper_than_the_exact_way() -> None:
    costs = filtered_vectors
    budget = costs.list_budget
    assert 0 < budget(60_000) < budget(100_000) < budget(200_000)
    assert budget(10**9) == costs.DEEPEST
    priced = (
        (False, costs.EXACT_PER_KEPT_US, costs.LIST_PER_WORK_US),
        (True, costs.KNOWN_PER_KEPT_US, costs.FIND_PER_WORK_US),
    )
    for known, per_kept, per_work in priced:
        for kept in (60_000, 100_000, 500_000):
            depth = budget(kept, ids_known=known)
            exact_us = costs.EXACT_FIXED_US + per_kept * kept
            assert depth == costs.DEEPEST or depth * per_work <= exact_us < (depth + 1) * per_work
    # Known ids make a list cheaper (nothing asked) more than the exact way (no ids read).
    assert budget(100_000, ids_known=True) > budget(100_000)


def test_a_filter_whose_ids_are_known_is_priced_as_known(
    sample_store: Store,
    settings: Settings,
    embedded: tuple[VectorIndex, Bm25Snapshot],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Costs set so that a deep list is worth reading only while the kept ids are unknown
    (and reading them all never pays): once an earlier search read them, the same search
    is priced as one with known ids, and exact, with the same results. (With the facts'
    columns, counting the works a filter keeps finds their ids: they are always known.)"""
    index, snapshot = embedded
    snapshot = replace(snapshot, facts=None)
    monkeypatch.setattr(filtered_vectors, "EXACT_BELOW", 0)
    monkeypatch.setattr(filtered_vectors, "EXACT_FIXED_US", 0)
    monkeypatch.setattr(filtered_vectors, "EXACT_PER_KEPT_US", 10**6)
    monkeypatch.setattr(filtered_vectors, "READ_PER_KEPT_US", 10**9)
    monkeypatch.setattr(filtered_vectors, "KNOWN_PER_KEPT_US", 0)
    lists = _lists_recorded(monkeypatch)
    vector = get_encoder("hashing", settings.data_dir).encode([TOPICS[0]])[0]
    filters = SearchFilters(category="CL")
    terms = filter_terms(filters)
    snapshot.kept.clear()
    unknown = filtered_nearest(index, vector, 3, snapshot, terms, 1)
    assert lists == [True] and snapshot.kept.get(terms) is None
    assert snapshot.filtered_ids(terms) is not None  # as an earlier exact search reads them
    known = filtered_nearest(index, vector, 3, snapshot, terms, 1)
    assert lists == [True, False]
    expected, _ = _exact(sample_store, index, vector, filters, 3)
    assert unknown is not None and known is not None
    assert [w for w, _ in known[0]] == [w for w, _ in unknown[0]] == [w for w, _ in expected]


def test_semantic_search_under_filters_reads_no_ids_from_the_database(
    sample_store: Store,
    settings: Settings,
    embedded: tuple[VectorIndex, Bm25Snapshot],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = SearchRequest("translation", "semantic", SearchFilters(category="CL"))
    expected = search(sample_store, request, settings)

    def unused(*args: object) -> None:
        raise AssertionError("the database listed the filter's works")

    monkeypatch.setattr(service, "_allowed_ids", unused)
    found = search(sample_store, request, settings)
    assert found == expected and 0 < found.total < 12
    hybrid = search(sample_store, SearchRequest("translation", "hybrid", request.filters), settings)
    assert {h.work_id for h in hybrid.hits} <= {h.work_id for h in found.hits}
    native = Settings(
        _env_file=None,
        data_dir=settings.data_dir,
        embedding_model="hashing",
        keyword_engine="native",
    )  # type: ignore[call-arg]
    with pytest.raises(AssertionError, match="listed"):
        search(sample_store, request, native)


def test_a_filter_that_tests_nothing_leaves_every_work_in(
    sample_store: Store, settings: Settings, embedded: tuple[VectorIndex, Bm25Snapshot]
) -> None:
    """An author or venue of spaces is no filter, in SQL as here: every work stays."""
    blank = SearchFilters(author="   ", venue=" ")
    assert blank.active and not filter_terms(blank).active
    for mode in ("semantic", "hybrid", "keyword"):
        plain = search(sample_store, SearchRequest("translation", mode), settings)
        spaced = search(sample_store, SearchRequest("translation", mode, blank), settings)
        assert spaced == plain and plain.hits, mode

"""Filters inside the BM25 index: a filtered search keeps the works the database's filter
keeps, counts them alike, ranks them as the unfiltered search does, and follows changes to
what the filters test (the triggers of migration 0022)."""

from __future__ import annotations

from datetime import date

from search_helpers import title_id
from sqlalchemy import delete, insert, update

from paperscope.config import Settings
from paperscope.search import SearchFilters, SearchRequest, search
from paperscope.search.bm25 import Bm25Index, Bm25Snapshot
from paperscope.search.bm25_filters import UNINDEXED, VENUE, WorkFacts, facet_fields
from paperscope.search.filters import filter_terms
from paperscope.search.keyword import KeywordPage, keyword_page, refresh_keyword_index
from paperscope.search.query import parse_query
from paperscope.store import Store
from paperscope.store.schema import code_links, work_categories, works

# Matches every work of the sample but "Prefix Tuning" with any word.
BROAD = "networks translation retrieval learning models graph image speech extraction theorem"

FILTERS = (
    SearchFilters(category="cs.CL"),
    SearchFilters(category="CL"),
    SearchFilters(category="cs.lg"),
    SearchFilters(category="AS"),
    SearchFilters(category="eess.AS"),
    SearchFilters(category="CO"),
    SearchFilters(category="cs"),
    SearchFilters(category="Signal Processing"),
    SearchFilters(since=date(2022, 1, 1)),
    SearchFilters(until=date(2021, 12, 31)),
    SearchFilters(since=date(2021, 1, 5), until=date(2021, 1, 5)),
    SearchFilters(since=date(2022, 2, 1), until=date(2023, 2, 1)),
    SearchFilters(has_code=True),
    SearchFilters(author="lovelace"),
    SearchFilters(author="Müller"),
    SearchFilters(author="Example, Jimmy"),
    SearchFilters(author="ada l"),
    SearchFilters(venue="acl"),
    SearchFilters(venue="NeurIPS 20"),
    SearchFilters(venue="graph theory"),
    SearchFilters(venue="%"),
    SearchFilters(venue="_"),
    SearchFilters(category="CL", since=date(2022, 1, 1)),
    SearchFilters(has_code=True, venue="neurips"),
    SearchFilters(author="sample", category="cs.IR", until=date(2022, 1, 31)),
)


def _page(
    store: Store,
    text: str,
    filters: SearchFilters,
    bm25: Bm25Index | None,
    operator: str = "OR",
    excluded: frozenset[int] = frozenset(),
) -> KeywordPage:
    with store.connect() as connection:
        query = parse_query(text)
        return keyword_page(
            connection, query, filters, 50, operator=operator, bm25=bm25, excluded=excluded
        )


def _snapshot(store: Store, index: Bm25Index) -> Bm25Snapshot:
    with store.connect() as connection:
        snapshot = index.in_step(connection)
    assert snapshot is not None
    return snapshot


def _same_as_native(store: Store, index: Bm25Index, text: str, filters: SearchFilters) -> set[int]:
    """Check the index answers the filtered search itself, keeping and counting the works the
    database keeps, in the unfiltered ranking's order and scores; the works kept."""
    answered = _snapshot(store, index).page(
        parse_query(text), "OR", 50, 0, True, filter_terms(filters)
    )
    assert answered is not None, filters
    ranked = _page(store, text, filters, index)
    native = _page(store, text, filters, None)
    assert set(ranked.ids) == set(native.ids), filters
    assert ranked.total == native.total == len(native.ids), filters
    unfiltered = _page(store, text, SearchFilters(), index)
    scores = dict(zip(unfiltered.ids, unfiltered.scores, strict=True))
    assert list(ranked.ids) == [w for w in unfiltered.ids if w in set(ranked.ids)], filters
    assert list(ranked.scores) == [scores[w] for w in ranked.ids], filters
    return set(ranked.ids)


def test_filters_in_the_index_keep_count_and_rank_as_the_database_keeps(
    sample_store: Store, built: Bm25Index
) -> None:
    kept = {filters: _same_as_native(sample_store, built, BROAD, filters) for filters in FILTERS}
    # The cases really filter: most keep some works and leave out others.
    assert sum(0 < len(ids) < 11 for ids in kept.values()) >= len(FILTERS) - 4
    assert kept[SearchFilters(category="CL")] == kept[SearchFilters(category="cs.CL")]
    assert kept[SearchFilters(category="AS")] == kept[SearchFilters(category="eess.AS")]
    assert not kept[SearchFilters(category="cs")]  # a short tag is the part after the dot
    assert not kept[SearchFilters(venue="%")]  # LIKE's wildcards are characters here
    assert kept[SearchFilters(author="Müller")] == {title_id(sample_store, "Müller")}
    graph = title_id(sample_store, "Graph Neural")
    assert graph in kept[SearchFilters(has_code=True)]  # its abstract links its code
    assert kept[SearchFilters(since=date(2021, 1, 5), until=date(2021, 1, 5))] == {graph}


def test_a_filtered_search_is_ranked_as_the_unfiltered_one(
    sample_store: Store, settings: Settings, built: Bm25Index
) -> None:
    """Through the service: filtered keyword hits carry the unfiltered BM25 scores."""
    plain = search(sample_store, SearchRequest("neural", "keyword"), settings)
    filtered = search(
        sample_store,
        SearchRequest("neural", "keyword", SearchFilters(until=date(2021, 12, 31))),
        settings,
    )
    scores = {h.work_id: h.score for h in plain.hits}
    assert 0 < len(filtered.hits) < len(plain.hits)
    assert all(h.score == scores[h.work_id] for h in filtered.hits)


def test_excluded_works_are_left_out_by_id(sample_store: Store, built: Bm25Index) -> None:
    graph = title_id(sample_store, "Graph Neural")
    everything = _page(sample_store, BROAD, SearchFilters(), built)
    without = _page(sample_store, BROAD, SearchFilters(), built, excluded=frozenset({graph}))
    native = _page(sample_store, BROAD, SearchFilters(), None, excluded=frozenset({graph}))
    assert graph in everything.ids
    assert list(without.ids) == [w for w in everything.ids if w != graph]
    assert set(without.ids) == set(native.ids) and without.total == native.total


def test_changes_to_what_filters_test_queue_the_work_and_the_index_catches_up(
    sample_store: Store, built: Bm25Index
) -> None:
    graph = title_id(sample_store, "Graph Neural")  # cs.LG, 2021-01-05, a code link
    speech = title_id(sample_store, "Transformers for Speech")  # eess.AS cs.CL, 2022-03-01
    with sample_store.transaction() as connection:
        connection.execute(
            update(works).where(works.c.id == speech).values(published=None, year=2019)
        )
        connection.execute(
            insert(work_categories).values(work_id=speech, position=9, category="q-bio.NC")
        )
        connection.execute(delete(work_categories).where(work_categories.c.category == "cs.LG"))
        connection.execute(delete(code_links).where(code_links.c.work_id == graph))
        connection.execute(
            insert(code_links).values(work_id=speech, url="https://github.com/x/y", origin="t")
        )
        assert built.in_step(connection) is None  # queued: the native index answers
    refresh_keyword_index(sample_store)
    assert built.rebuild() is not None
    assert built.last_build[0] == "caught up"
    nc = _same_as_native(sample_store, built, BROAD, SearchFilters(category="NC"))
    assert nc == {speech}
    coded = _same_as_native(sample_store, built, BROAD, SearchFilters(has_code=True))
    assert speech in coded and graph not in coded
    old = _same_as_native(sample_store, built, BROAD, SearchFilters(until=date(2019, 12, 31)))
    assert old == {speech}  # by its year, having no date
    later = _same_as_native(sample_store, built, BROAD, SearchFilters(since=date(2020, 1, 1)))
    assert speech not in later and graph in later
    assert not _same_as_native(sample_store, built, BROAD, SearchFilters(category="cs.LG"))


def test_a_badge_and_a_name_key_changed_are_followed(sample_store: Store, built: Bm25Index) -> None:
    from paperscope.store.schema import authorships

    keyphrase = title_id(sample_store, "Keyphrase Extraction")
    with sample_store.transaction() as connection:
        connection.execute(update(works).where(works.c.id == keyphrase).values(code_badge=True))
        connection.execute(
            update(authorships)
            .where(authorships.c.work_id == keyphrase, authorships.c.position == 1)
            .values(name_key="florian quokka")
        )
        assert built.in_step(connection) is None
    refresh_keyword_index(sample_store)
    assert built.rebuild() is not None
    coded = _same_as_native(sample_store, built, BROAD, SearchFilters(has_code=True))
    assert keyphrase in coded
    named = _same_as_native(sample_store, built, BROAD, SearchFilters(author="quokka"))
    assert named == {keyphrase}


def test_a_venue_too_long_to_index_is_filtered_by_the_database(
    sample_store: Store, built: Bm25Index
) -> None:
    keyphrase = title_id(sample_store, "Keyphrase Extraction")
    venue = "Workshop " + "x" * 20_000 + " on NeurIPS things"
    with sample_store.transaction() as connection:
        connection.execute(update(works).where(works.c.id == keyphrase).values(venue=venue))
    refresh_keyword_index(sample_store)
    assert built.rebuild() is not None
    snapshot = _snapshot(sample_store, built)
    assert snapshot.unindexed == {VENUE}
    neurips = SearchFilters(venue="neurips")
    assert snapshot.page(parse_query(BROAD), "OR", 50, 0, True, filter_terms(neurips)) is None
    ranked = _page(sample_store, BROAD, neurips, built)
    assert keyphrase in ranked.ids
    assert ranked == _page(sample_store, BROAD, neurips, None)
    # Filters on other fields still run in the index.
    _same_as_native(sample_store, built, BROAD, SearchFilters(category="CL"))


def test_regular_expression_characters_in_a_venue_filter_are_literal(
    sample_store: Store, built: Bm25Index
) -> None:
    keyphrase = title_id(sample_store, "Keyphrase Extraction")
    with sample_store.transaction() as connection:
        connection.execute(
            update(works).where(works.c.id == keyphrase).values(venue="Proc. (JCDL)+ [2021] a|b")
        )
    refresh_keyword_index(sample_store)
    assert built.rebuild() is not None
    for text in ("(jcdl)+", ". (j", "[2021] a|b", "a|b"):
        assert _same_as_native(sample_store, built, BROAD, SearchFilters(venue=text)) == {
            keyphrase
        }, text
    for text in ("c.*2", "jcdl|acl", "(jcdl)+ \\[2021"):
        assert not _same_as_native(sample_store, built, BROAD, SearchFilters(venue=text)), text


def test_facts_that_cannot_be_indexed_are_named() -> None:
    facts = WorkFacts("not a date", 2020, False, "x" * 20_000, "[]", '["ada lovelace"]')
    fields = facet_fields(facts)
    assert sorted(fields[UNINDEXED]) == ["dates", VENUE]
    assert "year_only" not in fields  # a date there, unreadable: not its year instead
    ok = facet_fields(WorkFacts(date(2021, 1, 4), 2021, True, "ACL", ["cs.CL", "CL"], None))
    assert ok["published"] == 20210104 and ok["has_code"] == 1
    assert ok["category"] == ["=cs.cl", ".cl", "=cl"] and ok[VENUE] == "acl"
    assert UNINDEXED not in ok


def test_a_filter_is_read_once_per_snapshot_and_the_next_snapshot_reads_it_again(
    sample_store: Store, built: Bm25Index
) -> None:
    graph = title_id(sample_store, "Graph Neural")
    speech = title_id(sample_store, "Transformers for Speech")
    coded = filter_terms(SearchFilters(has_code=True))
    first = _snapshot(sample_store, built)
    ids = first.filtered_ids(coded)
    assert ids is not None and graph in ids and speech not in ids
    assert first.filtered_ids(coded) is ids  # remembered, not read again
    assert first.filtered_count(coded) == len(ids)
    assert not ids.flags.writeable and list(ids) == sorted(ids)  # ascending, read-only
    # Only the ids all kept are remembered: a lookup among given ids is the search's own.
    among = first.filtered_ids(coded, [graph, speech])
    assert among is not None and list(among) == [graph]
    assert first.kept.get(coded) is ids
    with sample_store.transaction() as connection:
        connection.execute(
            insert(code_links).values(work_id=speech, url="https://github.com/x/y", origin="t")
        )
    refresh_keyword_index(sample_store)
    assert built.rebuild() is not None
    after = _snapshot(sample_store, built)
    assert after is not first
    now = after.filtered_ids(coded)
    assert now is not None and speech in now and graph in now
    assert after.filtered_count(coded) == len(ids) + 1

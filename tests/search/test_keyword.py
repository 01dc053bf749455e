"""Keyword search on SQLite FTS5 and PostgreSQL tsvector: phrases, prefixes, filters, paging,
index upkeep after updates and deletes, and hostile query strings."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from search_helpers import title_id
from sqlalchemy import delete, func, select, update

from paperscope.config import Settings
from paperscope.errors import QueryError
from paperscope.search import SearchFilters, SearchRequest, search
from paperscope.search.keyword import index_in_step, keyword_page, refresh_keyword_index
from paperscope.search.query import parse_query
from paperscope.store import Store
from paperscope.store.schema import authorships, works


def titles(store: Store, request: SearchRequest, settings: Settings) -> list[str]:
    results = search(store, request, settings)
    with store.connect() as connection:
        by_id = {row[0]: row[1] for row in connection.execute(select(works.c.id, works.c.title))}
    return [by_id[hit.work_id] for hit in results.hits]


def keyword(text: str, **options: object) -> SearchRequest:
    return SearchRequest(text, "keyword", **options)  # type: ignore[arg-type]


def test_words_match_title_and_abstract_title_first(
    sample_store: Store, settings: Settings
) -> None:
    found = titles(sample_store, keyword("speech"), settings)
    assert found[0] == "Transformers for Speech Recognition"  # in the title
    assert titles(sample_store, keyword("grasp"), settings) == [
        "Reinforcement Learning for Robotic Grasping"
    ]
    translation = titles(sample_store, keyword("translation"), settings)
    assert set(translation) == {
        "Attention Is What You Need for Neural Machine Translation",
        "Neural Machine Translation of Rare Words with Subword Units",
    }


def test_every_word_must_match_and_stemming_applies(
    sample_store: Store, settings: Settings
) -> None:
    found = titles(sample_store, keyword("retrieval citations"), settings)
    assert found == ["Sparse Retrieval Revisited: BM25 Strikes Back"]


def test_phrase_and_prefix(sample_store: Store, settings: Settings) -> None:
    phrase = titles(sample_store, keyword('"machine translation"'), settings)
    assert len(phrase) == 2
    assert titles(sample_store, keyword('"translation machine"'), settings) == []
    prefix = titles(sample_store, keyword("segment*"), settings)
    assert prefix == ["Convolutional Networks for Image Segmentation"]


def test_author_and_venue_fields_are_searched(sample_store: Store, settings: Settings) -> None:
    assert len(titles(sample_store, keyword("Lovelace"), settings)) == 2
    assert titles(sample_store, keyword("SIGIR"), settings) == [
        "Sparse Retrieval Revisited: BM25 Strikes Back"
    ]


def test_no_match_on_all_words_falls_back_to_any_word(
    sample_store: Store, settings: Settings
) -> None:
    results = search(sample_store, keyword("diffusion grasping"), settings)
    assert results.total == 2
    assert results.notice and "any" in results.notice


def test_filters(sample_store: Store, settings: Settings) -> None:
    def found(**filters: object) -> list[str]:
        request = keyword("learning OR networks OR translation OR retrieval OR models")
        request = SearchRequest(request.text, "keyword", SearchFilters(**filters))  # type: ignore[arg-type]
        return titles(sample_store, request, settings)

    assert all(t for t in found(category="cs.CV"))
    assert set(found(category="CV")) == set(found(category="cs.cv"))
    assert "Diffusion Models for Image Synthesis" in found(category="cs.LG")  # a 2nd category
    assert set(found(since=date(2023, 1, 1))) <= {
        "Diffusion Models for Image Synthesis",
        "Neural Machine Translation of Rare Words with Subword Units",
        "Prefix Tuning: Optimizing Continuous Prompts",
    }
    assert found(until=date(2021, 1, 4)) == [
        "Attention Is What You Need for Neural Machine Translation"
    ]
    assert found(has_code=True) == ["Graph Neural Networks for Molecule Property Prediction"] or (
        set(found(has_code=True))
        == {
            "Graph Neural Networks for Molecule Property Prediction",
            "Dense Retrieval for Open-Domain Question Answering",
        }
    )
    assert set(found(author="lovelace")) == {
        "Attention Is What You Need for Neural Machine Translation",
        "Transformers for Speech Recognition",
    }
    assert found(venue="sigir") == ["Sparse Retrieval Revisited: BM25 Strikes Back"]


def test_has_code_uses_detected_links(sample_store: Store, settings: Settings) -> None:
    request = SearchRequest("retrieval", "keyword", SearchFilters(has_code=True))
    assert titles(sample_store, request, settings) == [
        "Dense Retrieval for Open-Domain Question Answering"
    ]


def test_pagination(sample_store: Store, settings: Settings) -> None:
    text = "networks OR learning OR models OR translation"
    pages = [
        search(sample_store, SearchRequest(text, "keyword", page=p, per_page=2), settings)
        for p in (1, 2, 3)
    ]
    assert pages[0].total == pages[1].total >= 5
    ids = [hit.work_id for page in pages for hit in page.hits]
    assert len(ids) == len(set(ids)) == min(6, pages[0].total)
    assert [hit.keyword_rank for hit in pages[1].hits] == [3, 4]
    beyond = search(sample_store, SearchRequest(text, "keyword", page=50, per_page=2), settings)
    assert beyond.hits == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 5000, "too long"),
        ("!!! ::: ()", "no searchable words"),
    ],
)
def test_bad_queries_get_clear_errors(
    sample_store: Store, settings: Settings, text: str, message: str
) -> None:
    with pytest.raises(QueryError, match=message):
        search(sample_store, keyword(text), settings)


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest("graph", "fuzzy"),
        SearchRequest("graph", "keyword", page=0),
        SearchRequest("graph", "keyword", per_page=1000),
        SearchRequest("graph", "hybrid", page=100, per_page=20),
        SearchRequest("graph", "keyword", SearchFilters(category="cs'; DROP TABLE works;--")),
        SearchRequest(
            "graph", "keyword", SearchFilters(since=date(2023, 1, 1), until=date(2020, 1, 1))
        ),
    ],
)
def test_bad_parameters_get_clear_errors(
    sample_store: Store, settings: Settings, request_: SearchRequest
) -> None:
    with pytest.raises(QueryError):
        search(sample_store, request_, settings)


GRAPH = frozenset(
    {
        "Graph Neural Networks for Molecule Property Prediction",
        "Müller's Theorem on Graph Colouring",
    }
)
TRANSLATION = frozenset(
    {
        "Attention Is What You Need for Neural Machine Translation",
        "Neural Machine Translation of Rare Words with Subword Units",
    }
)
GRAPH_OR_NETWORKS = GRAPH | {  # "networks" is also in two abstracts
    "Convolutional Networks for Image Segmentation",
    "Diffusion Models for Image Synthesis",
}
GRAPH_NEURAL = frozenset({"Graph Neural Networks for Molecule Property Prediction"})
MULLER = frozenset({"Müller's Theorem on Graph Colouring"})
LOVELACE = frozenset(
    {
        "Attention Is What You Need for Neural Machine Translation",
        "Transformers for Speech Recognition",
    }
)
NOTHING: frozenset[str] = frozenset()


def test_ordinary_queries_find_their_works(sample_store: Store, settings: Settings) -> None:
    """The control for the hostile strings below: search does find things."""
    expected = {
        "graph": GRAPH,
        "Graph Neural": GRAPH_NEURAL,
        "neural machine translation": TRANSLATION,
        '"machine translation"': TRANSLATION,
        "graph*": GRAPH,
        "Müller": MULLER,
        "Lovelace": LOVELACE,  # an author
    }
    found = {text: frozenset(titles(sample_store, keyword(text), settings)) for text in expected}
    assert found == expected


@dataclass(frozen=True)
class Rejected:
    """The search raises QueryError with a message matching ``message``."""

    message: str


NO_WORDS = Rejected("no searchable words")
NUL = Rejected("contains a NUL character")
AUTHOR_TOO_LONG = Rejected("author filter is too long")
Outcome = frozenset[str] | Rejected

# Each string, what a keyword search for it gives, and what the same search gives with the
# string also as author and venue filter. Only word characters reach the database (see
# search/query.py): operators, brackets, colons and quotes are dropped, AND/OR/NOT and "a"
# are stop words, a one-letter prefix is a plain word, and when no work has every word the
# search falls back to any word. No work has an author and a venue both containing one of
# these strings, so the filtered searches find nothing unless they are rejected; filters are
# checked before the query is parsed (one over 200 characters or with a NUL is rejected).
HOSTILE: list[tuple[str, Outcome, Outcome]] = [
    # FTS5 and tsquery syntax is taken as words
    ("NEAR(graph neural, 2)", GRAPH | TRANSLATION, NOTHING),  # near, graph, neural, 2: any
    ("title:graph", GRAPH, NOTHING),  # no column filter: "title" is a word, then any word
    ("graph AND OR NOT", GRAPH, NOTHING),
    ("NOT graph", GRAPH, NOTHING),  # not a negation
    ("graph OR neural", GRAPH_NEURAL, NOTHING),  # OR is a stop word: both words
    ('"unterminated phrase', NOTHING, NOTHING),
    ('"machine translation', TRANSLATION, NOTHING),  # an unterminated phrase is a phrase
    ("graph^2 -networks +x", GRAPH_OR_NETWORKS, NOTHING),  # no boost, no exclusion
    ("graph & networks | !x <-> y:*", GRAPH_OR_NETWORKS, NOTHING),
    ("a*b*c* * ** *", NOTHING, NOTHING),  # words b and c
    ("g*", NOTHING, NOTHING),  # a one-letter prefix is the word "g"
    ("(((", NO_WORDS, NO_WORDS),
    ("\\\\ \\\" \\'", NO_WORDS, NO_WORDS),
    # SQL
    ("'; DROP TABLE works; --", NOTHING, NOTHING),
    ("' OR '1'='1", NOTHING, NOTHING),
    ("_ __ _*", NOTHING, NOTHING),  # LIKE wildcards in the filters are escaped
    ("% _ %%", NOTHING, NOTHING),
    # NUL, length, number of terms
    ("graph\x00networks", NUL, Rejected("author filter contains a NUL")),
    ("graph " * 333 + "ab", GRAPH, AUTHOR_TOO_LONG),  # 2000 characters: the limit
    ("graph " * 334, Rejected("too long"), AUTHOR_TOO_LONG),
    (" ".join(f"w{i}" for i in range(65)), Rejected("too many terms"), AUTHOR_TOO_LONG),
    # Unicode
    ("émigré naïve Ωmega 中文 🙂", NOTHING, NOTHING),
    ("MÜLLER", MULLER, NOTHING),
    ("🙂", NO_WORDS, NO_WORDS),
]


def expect(outcome: Outcome, run: Callable[[], list[str]]) -> None:
    if isinstance(outcome, Rejected):
        with pytest.raises(QueryError, match=outcome.message):
            run()
    else:
        assert sorted(run()) == sorted(outcome)


@pytest.mark.parametrize(
    ("text", "alone", "filtered"), HOSTILE, ids=[ascii(text[:30]) for text, *_ in HOSTILE]
)
def test_hostile_strings_are_safe(
    sample_store: Store, settings: Settings, text: str, alone: Outcome, filtered: Outcome
) -> None:
    expect(alone, lambda: titles(sample_store, keyword(text), settings))
    filters = SearchFilters(author=text, venue=text)
    expect(filtered, lambda: titles(sample_store, keyword(text, filters=filters), settings))
    with sample_store.connect() as connection:  # the table and its index are intact
        assert connection.execute(select(func.count()).select_from(works)).scalar_one() == 12
    assert set(titles(sample_store, keyword("graph"), settings)) == GRAPH


@pytest.mark.parametrize("field", ["author", "venue"])
def test_a_nul_in_a_filter_is_a_query_error(
    sample_store: Store, settings: Settings, field: str
) -> None:
    filters = SearchFilters(**{field: "graph\x00networks"})  # type: ignore[arg-type]
    with pytest.raises(QueryError, match=f"{field} filter contains a NUL character"):
        search(sample_store, keyword("graph", filters=filters), settings)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=80))
def test_any_text_raises_nothing_but_query_error(
    sample_store: Store, settings: Settings, text: str
) -> None:
    with contextlib.suppress(QueryError):
        search(sample_store, keyword(text), settings)


def test_index_follows_updates_and_deletes(sample_store: Store, settings: Settings) -> None:
    """Changed and deleted works are queued by triggers and re-indexed by the ingest stage."""
    assert titles(sample_store, keyword("quokka"), settings) == []
    graph = title_id(sample_store, "Graph Neural")
    with sample_store.transaction() as connection:
        connection.execute(
            update(works).where(works.c.id == graph).values(abstract="Quokka graphs.")
        )
        connection.execute(
            update(authorships)
            .where(authorships.c.work_id == graph, authorships.c.position == 1)
            .values(name="Wombat Smith", name_key="wombat smith")
        )
    refresh_keyword_index(sample_store)  # the ingest stage's last step, as after a re-ingest
    assert titles(sample_store, keyword("quokka"), settings) == [
        "Graph Neural Networks for Molecule Property Prediction"
    ]
    assert len(titles(sample_store, keyword("wombat"), settings)) == 1
    assert titles(sample_store, keyword("molecules"), settings)  # title still indexed
    with sample_store.transaction() as connection:
        connection.execute(delete(works).where(works.c.id == graph))
    refresh_keyword_index(sample_store)
    assert titles(sample_store, keyword("quokka"), settings) == []
    assert titles(sample_store, keyword("wombat"), settings) == []


def _page(
    store: Store, text: str, operator: str, filters: SearchFilters | None = None
) -> tuple[tuple[int, ...], int]:
    with store.connect() as connection:
        query = parse_query(text)
        page = keyword_page(connection, query, filters or SearchFilters(), 3, operator=operator)
        return page.ids, page.total


@pytest.mark.parametrize("operator", ["AND", "OR"])
def test_ranking_in_the_index_alone_gives_the_joined_ranking(
    sample_store: Store, operator: str
) -> None:
    """Without filters the matches are ranked and counted in the index alone; a filter every
    work passes takes the joined path: both give the same page and total."""
    with sample_store.connect() as connection:
        assert index_in_step(connection)
    for text in ["graph", "neural networks", "molecule property"]:
        alone = _page(sample_store, text, operator)
        joined = _page(sample_store, text, operator, SearchFilters(since=date(1900, 1, 1)))
        assert alone == joined and alone[1]


def test_a_deleted_work_not_yet_reindexed_is_not_found(sample_store: Store) -> None:
    graph = title_id(sample_store, "Graph Neural")
    assert graph in _page(sample_store, "molecule", "AND")[0]
    with sample_store.transaction() as connection:
        connection.execute(delete(works).where(works.c.id == graph))  # queued, still indexed
        assert not index_in_step(connection)
    ids, total = _page(sample_store, "molecule", "AND")
    assert graph not in ids
    assert total == len(ids)


def test_several_connections_reindex_each_queued_work_once(
    sample_store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`workers` > 1 (PostgreSQL: chunks taken with SKIP LOCKED; SQLite: one connection):
    every queued work is re-indexed, none twice, and search finds what one connection finds."""
    from paperscope.search import keyword as keyword_module

    before = {text: titles(sample_store, keyword(text), settings) for text in ("speech", "graph")}
    with sample_store.transaction() as connection:
        connection.execute(
            update(works).values(abstract=func.coalesce(works.c.abstract, "") + " Quokka.")
        )
        queued = connection.execute(select(func.count()).select_from(works)).scalar_one()
    monkeypatch.setattr(keyword_module, "REFRESH_BATCH", 2)  # many chunks to share out
    seen: list[int] = []

    assert refresh_keyword_index(sample_store, seen.append, workers=3) == queued
    assert seen == sorted(seen) and seen[-1] == queued  # running totals, ending at all
    with sample_store.connect() as connection:
        assert index_in_step(connection)
    assert len(titles(sample_store, keyword("quokka"), settings)) == queued
    for text, found in before.items():
        assert titles(sample_store, keyword(text), settings) == found


def test_a_refresh_told_to_stop_finishes_its_chunk_and_leaves_the_rest_queued(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`until` (the ingest stage's refresh beside the move of the reference edges): once set,
    no further chunk is taken; what is left stays queued for the next refresh."""
    import threading

    from paperscope.search import keyword as keyword_module
    from paperscope.search.keyword import pending_count

    with sample_store.transaction() as connection:
        connection.execute(update(works).values(venue=func.coalesce(works.c.venue, "") + " X"))
        queued = pending_count(connection)
    assert queued >= 3
    monkeypatch.setattr(keyword_module, "REFRESH_BATCH", 2)
    stop = threading.Event()
    stop.set()
    assert refresh_keyword_index(sample_store, until=stop) == 0

    stop.clear()
    assert refresh_keyword_index(sample_store, lambda done: stop.set(), until=stop) == 2
    with sample_store.connect() as connection:
        assert pending_count(connection) == queued - 2
    assert refresh_keyword_index(sample_store) == queued - 2
    with sample_store.connect() as connection:
        assert index_in_step(connection)

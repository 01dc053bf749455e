"""Keyword search on SQLite FTS5 and PostgreSQL tsvector: phrases, prefixes, filters, paging,
index upkeep after updates and deletes, and hostile query strings."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from search_helpers import title_id
from sqlalchemy import delete, update

from paperscope.config import Settings
from paperscope.errors import QueryError
from paperscope.search import SearchFilters, SearchRequest, search
from paperscope.store import Store
from paperscope.store.schema import authorships, works


def titles(store: Store, request: SearchRequest, settings: Settings) -> list[str]:
    from sqlalchemy import select

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


HOSTILE = [
    "NEAR(graph neural, 2)",
    "title:graph",
    "graph AND OR NOT",
    '"unterminated phrase',
    "graph^2 -networks +x",
    "a*b*c* * ** *",
    "'; DROP TABLE works; --",
    "graph & networks | !x <-> y:*",
    "(((",
    "\\\\ \\\" \\'",
    "_ __ _*",
    "% _ %%",
    "émigré naïve Ωmega 中文 🙂",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_are_safe(sample_store: Store, settings: Settings, text: str) -> None:
    try:
        search(sample_store, keyword(text), settings)
        search(
            sample_store, keyword(text, filters=SearchFilters(author=text, venue=text)), settings
        )
    except QueryError:
        pass
    with sample_store.connect() as connection:
        assert connection.execute(works.select()).first() is not None


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
    assert titles(sample_store, keyword("quokka"), settings) == [
        "Graph Neural Networks for Molecule Property Prediction"
    ]
    assert len(titles(sample_store, keyword("wombat"), settings)) == 1
    assert titles(sample_store, keyword("molecules"), settings)  # title still indexed
    with sample_store.transaction() as connection:
        connection.execute(delete(works).where(works.c.id == graph))
    assert titles(sample_store, keyword("quokka"), settings) == []
    assert titles(sample_store, keyword("wombat"), settings) == []

"""Reviewer suggestion: the expert ranking minus the authors, their recent co-authors and
people at a shared affiliation, each exclusion with its evidence (SQLite and PostgreSQL).

The corpus (tests/data/experts/corpus.jsonl): Bob Jones and Carol White wrote gnn-4 (2024);
Alice Smith and Frank Black gnn-3 (2023, both printing University of Example, Alice as
"UNIVERSITY OF EXAMPLE."); Carol and Dan Brown gnn-5 (2015); Erin Green printed
University of Example on gnn-6 (2018).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from experts_corpus import TOPIC, ExpertsCorpus, build_experts_corpus

from paperscope.embeddings.index import forget_cached_indexes
from paperscope.errors import QueryError
from paperscope.search.reviewers import (
    MAX_AUTHORS,
    Manuscript,
    ManuscriptAuthor,
    ReviewerResults,
    parse_author_lines,
    suggest_reviewers,
)

_names = itertools.count()
ABSTRACT = "We predict molecule properties with graph neural networks and message passing."
AUTHORS = (
    ManuscriptAuthor("Bob Jones", "Acme Research Lab"),
    ManuscriptAuthor("Frank Black", "University of Example"),
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ExpertsCorpus]:
    forget_cached_indexes()
    data_dir = tmp_path_factory.mktemp("reviewers")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'reviewers.db'}"
    else:
        url = request.getfixturevalue("pg_server").new_database(
            f"reviewers_{os.getpid()}_{next(_names)}"
        )
    built = build_experts_corpus(url, data_dir)
    yield built
    built.store.close()


def _suggest(corpus: ExpertsCorpus, years: int = 3, **kwargs: object) -> ReviewerResults:
    manuscript = Manuscript(ABSTRACT, AUTHORS, "Molecules")
    return suggest_reviewers(
        corpus.store, corpus.settings, manuscript, years=years, as_of=2025, **kwargs
    )


def _reasons(results: ReviewerResults) -> dict[str, set[str]]:
    return {
        item.person.name: {conflict.reason for conflict in item.conflicts}
        for item in results.excluded
    }


def test_authors_coauthors_and_shared_affiliations_are_excluded_with_evidence(
    corpus: ExpertsCorpus,
) -> None:
    results = _suggest(corpus)
    reasons = _reasons(results)
    assert reasons["Bob Jones"] == {"author"}
    assert reasons["Frank Black"] == {"author"}
    assert reasons["Carol White"] == {"co-author"}  # gnn-4 with Bob, 2024
    assert reasons["Alice Smith"] == {"co-author", "affiliation"}  # gnn-3 with Frank, 2023
    carol = next(i for i in results.excluded if i.person.name == "Carol White")
    (shared,) = carol.conflicts
    assert shared.work_id == corpus.work["gnn-4"] and shared.year == 2024
    assert (
        shared.author == "Bob Jones" and "Equivariant graph neural networks" in shared.explanation
    )
    alice = next(i for i in results.excluded if i.person.name == "Alice Smith")
    affiliation = next(c for c in alice.conflicts if c.reason == "affiliation")
    assert affiliation.affiliation == "UNIVERSITY OF EXAMPLE."  # matched folded
    assert "given for Frank Black" in affiliation.explanation
    suggested = {e.person.name for e in results.reviewers}
    assert "Dan Brown" in suggested  # Carol's co-author, not an author's
    assert "Erin Green" in suggested  # University of Example, but in 2018: outside 2022-2025
    assert suggested.isdisjoint(reasons)
    assert [e.rank for e in results.reviewers] == list(range(1, len(results.reviewers) + 1))
    assert results.first_year == 2022 and results.as_of == 2025
    bob = next(m for m in results.authors if m.author.name == "Bob Jones")
    assert (bob.people, bob.works, bob.window_works) == (1, 1, 1)


def test_a_wider_window_finds_older_affiliations(corpus: ExpertsCorpus) -> None:
    reasons = _reasons(_suggest(corpus, years=10))
    assert reasons["Erin Green"] == {"affiliation"}
    assert "Dan Brown" not in reasons


def test_an_initial_matches_the_full_first_names_it_may_stand_for(
    corpus: ExpertsCorpus,
) -> None:
    manuscript = Manuscript(ABSTRACT, (ManuscriptAuthor("B. Jones"),))
    results = suggest_reviewers(corpus.store, corpus.settings, manuscript, as_of=2025)
    assert _reasons(results)["Bob Jones"] == {"author"}
    assert "Carol White" in _reasons(results)


def test_namesakes_of_an_author_are_all_excluded(corpus: ExpertsCorpus) -> None:
    """A name alone cannot tell the two Wei Zhangs apart: both are left out."""
    manuscript = Manuscript(TOPIC, (ManuscriptAuthor("Wei Zhang"),))
    results = suggest_reviewers(corpus.store, corpus.settings, manuscript, as_of=2025)
    (match,) = results.authors
    assert match.people == 2
    keys = {e.person.person_key for e in results.reviewers}
    assert f"person:{corpus.molecule_wei}" not in keys


def test_paging_through_suggestions(corpus: ExpertsCorpus) -> None:
    whole = _suggest(corpus, per_page=50)
    second = _suggest(corpus, page=2, per_page=2)
    assert [e.person.person_key for e in second.reviewers] == [
        e.person.person_key for e in whole.reviewers[2:4]
    ]


def test_author_lines_parse_names_and_affiliations() -> None:
    lines = ["Ada Lovelace | University of London", "", "  Charles Babbage  ", "| nobody"]
    assert parse_author_lines(lines) == (
        ManuscriptAuthor("Ada Lovelace", "University of London"),
        ManuscriptAuthor("Charles Babbage"),
        ManuscriptAuthor("", "nobody"),
    )


@pytest.mark.parametrize(
    ("manuscript", "years", "words"),
    [
        (Manuscript("", AUTHORS), 3, "empty"),
        (Manuscript(ABSTRACT, ()), 3, "author list is empty"),
        (
            Manuscript(
                ABSTRACT, tuple(ManuscriptAuthor(f"A{n} B") for n in range(MAX_AUTHORS + 1))
            ),
            3,
            "too many authors",
        ),
        (Manuscript(ABSTRACT, (ManuscriptAuthor("!!!"),)), 3, "author 1: '!!!' is not a name"),
        (Manuscript(ABSTRACT, (ManuscriptAuthor("", "nobody"),)), 3, "author 1"),
        (Manuscript(ABSTRACT, (ManuscriptAuthor("A B", "x" * 300),)), 3, "affiliation is too"),
        (Manuscript(ABSTRACT, AUTHORS), 99, "years must be between"),
    ],
)
def test_a_bad_manuscript_is_a_clear_query_error(
    corpus: ExpertsCorpus, manuscript: Manuscript, years: int, words: str
) -> None:
    with pytest.raises(QueryError, match=words):
        suggest_reviewers(corpus.store, corpus.settings, manuscript, years=years)

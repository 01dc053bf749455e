"""Every venue and category as `score` stores them: the people against counting in dicts, and
the works and citations of the corpus `score` loaded."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics_helpers import HELD_OUT_PAGES, ingest

from paperscope.metrics.corpus import load_corpus
from paperscope.metrics.scopes import (
    PEOPLE_SHOWN,
    CorpusCitations,
    Identity,
    _Scopes,
    _Signatures,
    stored_rows,
)
from paperscope.read.venues import ScopePerson, scope_person
from paperscope.store import Store

Signature = tuple[int, int | None, str | None, str]

signatures_strategy = st.lists(
    st.tuples(
        st.integers(0, 14),  # work position
        st.one_of(st.none(), st.integers(1, 6)),  # person id
        st.sampled_from(["smith j", "li y", "wang w", "ba"]),  # name key
        st.sampled_from(["J. Smith", "John Smith", "Y. Li", "Wei Wang", "Ba"]),
    ),
    max_size=120,
)


def _counted_in_dicts(
    signatures: list[Signature],
    ids: list[int],
    citations: dict[int, int],
    canonical: dict[int, str],
    shown: int,
) -> dict[str, list[ScopePerson]]:
    """The rule, spelled out: each person's distinct works and their citations; more first,
    then people before unclaimed names, then by person id or name key."""
    by_work: dict[int, list[tuple[tuple[int | None, str | None], str]]] = {}
    for work_id, person_id, key, name in signatures:
        signer: Identity = (person_id, None) if person_id is not None else (None, key)
        by_work.setdefault(work_id, []).append((signer, name))
    works_of: dict[tuple[int | None, str | None], set[int]] = {}
    printed: dict[tuple[int | None, str | None], Counter[str]] = {}
    for work_id in ids:
        for identity, name in by_work.get(work_id, []):
            works_of.setdefault(identity, set()).add(work_id)
            printed.setdefault(identity, Counter())[name] += 1
    papers = {i: len(w) for i, w in works_of.items()}
    cites = {i: sum(citations[w] for w in found) for i, found in works_of.items()}

    def tie(identity: tuple[int | None, str | None]) -> tuple[bool, int, str]:
        return (identity[0] is None, identity[0] or 0, identity[1] or "")

    orders = {
        "papers": sorted(works_of, key=lambda i: (-papers[i], *tie(i)))[:shown],
        "citations": sorted(works_of, key=lambda i: (-cites[i], -papers[i], *tie(i)))[:shown],
    }
    named = {i: canonical.get(i[0]) if i[0] is not None else None for i in works_of}
    return {
        sort: [scope_person(i, named[i], printed[i], papers[i], cites[i]) for i in order]
        for sort, order in orders.items()
    }


@settings(max_examples=150, deadline=None)
@given(
    signatures_strategy,
    st.lists(st.integers(0, 14), max_size=20),
    st.lists(st.integers(0, 40), min_size=15, max_size=15),
)
def test_people_of_a_scope_as_counted_in_dicts(
    raw: list[Signature], members: list[int], counts: list[int]
) -> None:
    """Two authorships of one work by one identity (two unclaimed "J. Smith"s) count one
    paper; ties are broken as the live page breaks them; printed names are counted per
    authorship. Work ids are spaced apart so that positions and ids differ."""
    ids = [100 + 7 * k for k in range(15)]
    signatures = [(ids[w], person, key, name) for w, person, key, name in raw]
    citations = dict(zip(ids, counts, strict=True))
    canonical = {2: "Ada Lovelace", 5: "Grace Hopper"}
    scopes = object.__new__(_Scopes)
    scopes.signatures = _Signatures(signatures, ids)
    scopes.citations = np.array(counts, dtype=np.int64)
    scopes.canonical = canonical
    scope_ids = [ids[k] for k in members]
    expected = _counted_in_dicts(signatures, scope_ids, citations, canonical, PEOPLE_SHOWN)
    assert scopes.people(scope_ids) == expected


def test_two_authorships_of_one_work_by_one_name_are_one_paper() -> None:
    ids = [10, 20]
    signatures: list[Signature] = [
        (10, None, "smith j", "J. Smith"),
        (10, None, "smith j", "John Smith"),
        (20, None, "smith j", "J. Smith"),
        (20, 3, None, "Wei Wang"),
    ]
    scopes = object.__new__(_Scopes)
    scopes.signatures = _Signatures(signatures, ids)
    scopes.citations = np.array([5, 1], dtype=np.int64)
    scopes.canonical = {}
    smith, wang = scopes.people(ids)["papers"]
    assert (smith.person_key, smith.papers, smith.citations) == ("name:smith j", 2, 6)
    assert (wang.person_key, wang.papers, wang.citations) == ("person:3", 1, 1)


def test_stored_rows_describe_the_works_score_loaded_with_their_citations(store: Store) -> None:
    """The scopes are counted over the corpus `score` loaded, with the citations it passes
    (`Corpus.citations`, not read again): a work stored since is left to the next run, and
    a work given the most citations heads its category's most cited."""
    first, second = HELD_OUT_PAGES
    ingest(store, first)
    with store.connect() as connection:
        corpus = load_corpus(connection)
    ingest(store, second)

    def categories(cited: CorpusCitations) -> dict[str, dict[str, Any]]:
        with store.connect() as connection:
            rows = stored_rows(connection, cited)
        return {row["scope"]: row for row in rows if row["scope"].startswith("category:")}

    loaded = categories((corpus.work_ids, corpus.citations))
    assert loaded and sum(row["works"] for row in loaded.values()) >= corpus.size
    with store.connect() as connection:
        now = load_corpus(connection)
    assert now.size > corpus.size
    assert sum(row["works"] for row in categories((now.work_ids, now.citations)).values()) > sum(
        row["works"] for row in loaded.values()
    )
    scope, row = max(loaded.items(), key=lambda item: item[1]["works"])
    last = json.loads(row["stats"])["most_cited"][-1]
    boosted = corpus.citations.copy()
    boosted[np.searchsorted(corpus.work_ids, last)] = 10**6
    assert json.loads(categories((corpus.work_ids, boosted))[scope]["stats"])["most_cited"][0] == (
        last
    )

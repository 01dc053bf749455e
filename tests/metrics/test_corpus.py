"""`metrics.corpus.load_corpus`: the columns `score` reads, on both databases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert

from paperscope.metrics import corpus as corpus_module
from paperscope.metrics.corpus import distinct_sorted, load_corpus
from paperscope.store import Store
from paperscope.store.schema import references, works


def _edge(citing: int | None, cited: int | None, value: str) -> dict[str, object]:
    return {
        "citing_scheme": "doi",
        "citing_value": f"10.1/{citing}-{value}",
        "cited_scheme": "doi",
        "cited_value": f"10.1/{value}",
        "citing_work_id": citing,
        "cited_work_id": cited,
    }


def _work(work_id: int) -> dict[str, object]:
    return {"id": work_id, "title": f"w{work_id}", "title_key": f"w{work_id}"}


def test_edges_are_distinct_between_stored_works_without_self_citations(store: Store) -> None:
    ids = [3, 7, 11, 20]  # not 1..n: row numbers are positions, not ids
    with store.engine.begin() as connection:
        connection.execute(insert(works), [_work(i) for i in ids])
        connection.execute(
            insert(references),
            [
                _edge(7, 3, "a"),
                _edge(7, 3, "b"),  # the same works through another identifier: one edge
                _edge(20, 3, "c"),
                _edge(3, 11, "d"),
                _edge(11, 11, "e"),  # a self-citation
                _edge(11, None, "f"),  # cited work not stored
                _edge(None, 20, "g"),
            ],
        )
    with store.connect() as connection:
        corpus = load_corpus(connection)

    edges = sorted(
        (int(corpus.work_ids[a]), int(corpus.work_ids[b]))
        for a, b in zip(corpus.citing, corpus.cited, strict=True)
    )
    assert edges == [(3, 11), (7, 3), (20, 3)]
    assert dict(zip(corpus.work_ids.tolist(), corpus.in_corpus.tolist(), strict=True)) == {
        3: 2,
        7: 0,
        11: 1,
        20: 0,
    }


def test_edges_read_in_several_batches_are_made_distinct_across_them(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus_module, "EDGE_BATCH", 2)
    with store.engine.begin() as connection:
        connection.execute(insert(works), [_work(i) for i in (1, 2, 3)])
        # the same two edges, through nine identifiers, over five batches
        connection.execute(insert(references), [_edge(1 + k % 2, 3, str(k)) for k in range(9)])
    with store.connect() as connection:
        corpus = load_corpus(connection)

    assert sorted(zip(corpus.citing.tolist(), corpus.cited.tolist(), strict=True)) == [
        (0, 2),
        (1, 2),
    ]


@given(st.lists(st.integers(-(2**62), 2**62), max_size=60))
def test_distinct_sorted_is_what_np_unique_finds(values: list[int]) -> None:
    found = distinct_sorted(np.array(values, dtype=np.int64))
    np.testing.assert_array_equal(found, np.unique(np.array(values, dtype=np.int64)))
    assert found.dtype == np.int64

"""Semantic search under filters, with the filter fields of the BM25 index (search.bm25).

Without it, the database lists every work that passes the filters and the nearest are found
exactly among all of them: at a million works 0.75-2 s a search (`bench/filtered_semantic.py`),
most of it reading the ids. With the BM25 index in step, `filtered_count` says how many works
pass in a millisecond, and:

- at most `EXACT_BELOW` works: their ids come from the index's fast field and the nearest
  are found exactly among them (VectorIndex.search scans its inverted lists with the kept
  rows as a bitmap);
- more: the nearest works overall are read `SLACK` times deeper than the filter's share of
  the works needs (`k` x works / kept), comparing `SCANNED_PER_RESULT` vectors per work
  read (more inverted lists than an unfiltered search scans); the index says which of
  them pass, and they are kept in order. When too few pass (a topic far from the filter:
  graph neural networks in cs.CL), the list is read as much deeper as the share that
  passed says, up to `DEEPEST` or an eighth of the kept works (`LIST_PER_KEPT`), and past
  that the exact way. (A pgvector index reads a
  deep list by scanning every vector: there the search is always exact.)

How many works are eligible is exact either way: counted among the kept works' ids, or
known to fill `window` when more works pass than there are works without a vector.
"""

from __future__ import annotations

import math

import numpy as np

from paperscope.embeddings.encoders import Matrix
from paperscope.embeddings.faiss_index import VectorIndex
from paperscope.search.bm25 import Bm25Snapshot
from paperscope.search.filters import FilterTerms

EXACT_BELOW = 60_000
"""At most this many works kept: exactly among them (their ids cost ~0.6 us each to read,
the search among them ~20 ms for 33k at a million vectors: VectorIndex.search)."""
SLACK = 3
DEEPEST = 32_768
LIST_PER_KEPT = 8
"""A deep list longer than the kept works over this costs more than the exact way (a work of
the list ~7.5 us to read and test, a kept work ~0.8 us to read and compare)."""
SCANNED_PER_RESULT = 8
"""Vectors compared per work of a deep list, at least (`IVF_NPROBE` lists otherwise)."""

Hits = list[tuple[int, float]]


def filtered_nearest(
    index: VectorIndex,
    vector: Matrix,
    k: int,
    snapshot: Bm25Snapshot,
    filters: FilterTerms,
    window: int,
) -> tuple[Hits, int] | None:
    """(best-first (work id, cosine) of at most `k` works passing `filters`, how many works
    with a vector pass them, at most `window`), or None when the index cannot test a filter."""
    kept = snapshot.filtered_count(filters)
    if kept is None:
        return None
    broad = kept > EXACT_BELOW and kept - max(0, snapshot.size - index.size) >= window
    if broad and index.reads_deep_lists:
        hits = _post_filtered(index, vector, k, snapshot, filters, kept)
        if hits is not None:
            return hits, window
    allowed = snapshot.filtered_ids(filters)
    if allowed is None:
        allowed = np.zeros(0, dtype=np.int64)
    hits = index.search(vector, k, allowed)
    eligible = len(hits) if len(hits) < k else index.count_among(allowed)
    return hits, min(eligible, window)


def _post_filtered(
    index: VectorIndex,
    vector: Matrix,
    k: int,
    snapshot: Bm25Snapshot,
    filters: FilterTerms,
    kept: int,
) -> Hits | None:
    """The `k` nearest that pass, from a list of the nearest overall read as deep as the
    share of works passing so far says is needed; None past `DEEPEST`."""
    depth = min(index.size, max(2 * k, math.ceil(SLACK * k * index.size / kept)))
    passes: dict[int, bool] = {}
    while True:
        nearest = index.search(vector, depth, scan=SCANNED_PER_RESULT * depth)
        unseen = [work_id for work_id, _ in nearest if work_id not in passes]
        passing = snapshot.filtered_ids(filters, unseen)
        if passing is None:
            return None
        passes |= dict.fromkeys(unseen, False) | dict.fromkeys(passing.tolist(), True)
        hits = [(work_id, score) for work_id, score in nearest if passes[work_id]]
        if len(hits) >= k or depth >= index.size:
            return hits[:k]
        share = max(len(hits), 1) / len(nearest)
        depth = min(index.size, math.ceil(depth + SLACK * (k - len(hits)) / share))
        if depth > min(DEEPEST, kept // LIST_PER_KEPT):
            return None

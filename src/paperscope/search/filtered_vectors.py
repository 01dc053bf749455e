"""Semantic search under filters, with the filter fields of the BM25 index (search.bm25).

Without it, the database lists every work that passes the filters and the nearest are found
exactly among all of them: at a million works 0.75-2 s a search (`bench/filtered_semantic.py`),
most of it reading the ids. With the BM25 index in step, `filtered_count` says how many works
pass in a millisecond, and:

- at most `EXACT_BELOW` works: their ids come from the index's fast field and the nearest
  are found exactly among them (VectorIndex.search scans its inverted lists with the kept
  rows as a bitmap);
- more: the nearest works overall are read `SLACK` times deeper than the filter's share of
  the works needs for the first `FIRST_K` results (`k` x works / kept), comparing
  `SCANNED_PER_RESULT` vectors per work read (more inverted lists than an unfiltered
  search scans); the index says which of them pass, and they are kept in order. When too
  few pass (the rest of hybrid's 200, or a topic far from the filter: graph neural
  networks in cs.CL), the list is read as much deeper as the share that passed says,
  while that costs less than the exact way (`list_budget`); past that the search is
  exact. (A pgvector index reads a deep list by scanning every vector: there the search
  is always exact.)

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
"""At most this many works kept: exactly among them (their ids cost ~0.3-0.45 us each to
read, the search among them ~20 ms for 33k at a million vectors: VectorIndex.search)."""
SLACK = 3
DEEPEST = 32_768
EXACT_FIXED_US = 35_000
EXACT_PER_KEPT_US = 0.5
LIST_PER_WORK_US = 11.0
"""What the two ways cost at a million works (`bench/filtered_semantic.py`): the exact way
30-45 ms to scan every inverted list with the kept rows as a bitmap, plus 0.3-0.7 us per
kept work to read its id (more for a date range with a second filter); a deep list ~9 us
per work to ask the index whether it passes, ~2 us to find it."""
FIRST_K = 20
"""The first list is as deep as `FIRST_K` results need at most: for hybrid's 200, a list
deep enough for all of them (5-6k works for a filter keeping a tenth) costs as much as the
exact way, and is wasted when the topic is far from the filter; the share that passes the
short list says how deep the next must be, or that the exact way is cheaper."""
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
    hits, eligible = index.nearest_among(vector, k, allowed)
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
    share of works passing so far says is needed; None once the list would cost more than
    the exact way (`list_budget`)."""
    first = min(k, FIRST_K)
    depth = min(index.size, max(2 * first, math.ceil(SLACK * first * index.size / kept)))
    deepest = list_budget(kept)
    if depth > deepest:
        return None
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
        if depth > deepest:
            return None


def list_budget(kept: int) -> int:
    """The deepest list worth reading for a filter that keeps `kept` works: one that costs
    less than the exact way, and at most `DEEPEST`."""
    exact_us = EXACT_FIXED_US + EXACT_PER_KEPT_US * kept
    return min(DEEPEST, int(exact_us / LIST_PER_WORK_US))

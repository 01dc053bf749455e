"""Semantic search under filters, with the filter fields of the BM25 index (search.bm25).

Without it, the database lists every work that passes the filters and the nearest are found
exactly among all of them: at a million works a broad filter (114k works in cs.LG, 526k
since 2020) took 0.3-2.5 s, most of it reading the ids and gathering their vectors. With the
BM25 index in step:

- a filter that keeps at most `EXACT_BELOW` works: their ids come from the index's fast
  field (milliseconds) and the nearest are found exactly among them, as before;
- a broader one: the nearest works overall are read `SLACK` times deeper than the filter's
  share of the works needs (`k` x works / kept), comparing `SCANNED_PER_RESULT` vectors
  per work read (more inverted lists than an unfiltered search scans), and those that pass
  are kept in order. When too few pass (a topic far from the filter: graph neural networks
  at ACL since 2018), the list is read as much deeper as the share that passed says, up to
  `DEEPEST`, and past that the exact way. (A pgvector index reads a deep list by scanning
  every vector: there the search is always exact among the kept works.)

How many works are eligible is exact either way: a broad filter keeps more works than
`window` however many works lack a vector (at most the works minus the vectors).
"""

from __future__ import annotations

import math

import numpy as np

from paperscope.embeddings.encoders import Matrix
from paperscope.embeddings.faiss_index import VectorIndex
from paperscope.search.bm25 import Bm25Snapshot
from paperscope.search.filters import FilterTerms

EXACT_BELOW = 60_000
"""At most this many works kept: exactly among them (ids and vectors cost ~1.3 us a work)."""
SLACK = 3
DEEPEST = 32_768
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
        if depth > DEEPEST:
            return None

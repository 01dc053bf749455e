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

The ids a filter keeps are remembered for the snapshot once read (search.kept_ids): by the
exact way, or by a deep list when asking the index about its works would cost more than
reading them all. A list then looks its works up among them instead of asking the index,
and the next search under the same filter skips reading them. A category, date, code or
venue filter's ids come from the snapshot's facts' columns (search.filter_facts) as it is
counted, in a few milliseconds: those are always known.

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
from paperscope.search.kept_ids import found_among

EXACT_BELOW = 60_000
"""At most this many works kept: exactly among them (their ids cost ~0.3-0.45 us each to
read, the search among them ~20 ms for 33k at a million vectors: VectorIndex.search)."""
SLACK = 3
DEEPEST = 32_768
EXACT_FIXED_US = 15_000
READ_PER_KEPT_US = 0.35
KNOWN_PER_KEPT_US = 0.15
EXACT_PER_KEPT_US = READ_PER_KEPT_US + KNOWN_PER_KEPT_US
FIND_PER_WORK_US = 2.0
ASK_PER_WORK_US = 9.0
LIST_PER_WORK_US = FIND_PER_WORK_US + ASK_PER_WORK_US
"""What the two ways cost at a million works (`bench/filtered_semantic.py`). The exact way:
~13 ms to scan every inverted list with the kept rows as a bitmap, 0.06-0.2 us per kept
work to find and scan its row, and 0.2-0.45 us to read its id from the BM25 index (more
for a date range with a second filter) unless the filter's ids are remembered from an
earlier search (search.kept_ids). A deep list: 1.5-2 us per work to find it, and, unless
the kept ids are known, 3-15 us to ask the BM25 index whether it passes (less per work
the more are asked at once). (The fixed cost was 35 ms while the rows' ids were sorted
for each search.)"""
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
    allowed = snapshot.filtered_ids(filters, count=kept)
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
    the exact way (`list_budget`). Which works of the list pass is asked of the BM25 index,
    or looked up among the filter's ids once they are known, or once asking about all the
    works of the list would cost more than half of reading them."""
    first = min(k, FIRST_K)
    depth = min(index.size, max(2 * first, math.ceil(SLACK * first * index.size / kept)))
    known = snapshot.kept.get(filters)
    if depth > list_budget(kept, ids_known=known is not None):
        return None
    passes: dict[int, bool] = {}
    while True:
        nearest = index.search(vector, depth, scan=SCANNED_PER_RESULT * depth)
        unseen = np.array([w for w, _ in nearest if w not in passes], dtype=np.int64)
        # Asking about all the works listed so far would cost more than half of reading
        # every kept id (worth more: later searches under the filter reuse them): read them.
        asked = len(passes) + len(unseen)
        if known is None and ASK_PER_WORK_US * asked > READ_PER_KEPT_US * kept / 2:
            known = snapshot.filtered_ids(filters, count=kept)  # remembered for later too
        passing = (
            found_among(known, unseen)
            if known is not None
            else snapshot.filtered_ids(filters, unseen.tolist())
        )
        if passing is None:
            return None
        passes |= dict.fromkeys(unseen.tolist(), False) | dict.fromkeys(passing.tolist(), True)
        hits = [(work_id, score) for work_id, score in nearest if passes[work_id]]
        if len(hits) >= k or depth >= index.size:
            return hits[:k]
        share = max(len(hits), 1) / len(nearest)
        depth = min(index.size, math.ceil(depth + SLACK * (k - len(hits)) / share))
        if depth > list_budget(kept, ids_known=known is not None):
            return None


def list_budget(kept: int, ids_known: bool = False) -> int:
    """The deepest list worth reading for a filter that keeps `kept` works: one that costs
    less than the exact way, and at most `DEEPEST`. With the kept works' ids known already,
    both ways cost less: the exact way reads no ids, and a list asks nothing of the index."""
    if ids_known:
        exact_us, per_work = EXACT_FIXED_US + KNOWN_PER_KEPT_US * kept, FIND_PER_WORK_US
    else:
        exact_us, per_work = EXACT_FIXED_US + EXACT_PER_KEPT_US * kept, LIST_PER_WORK_US
    return min(DEEPEST, int(exact_us / per_work))

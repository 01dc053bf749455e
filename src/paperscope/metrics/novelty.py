"""Paper novelty and cohort percentiles: pure functions over arrays (docs/metrics.md).

Novelty of a work = 1 - the highest cosine similarity between its vector and the vector of
any strictly earlier work (earlier publication day). A work with no earlier work, or with no
vector, has no novelty (NaN). Vectors are L2-normalised rows, so a dot product is a cosine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_BLOCK = 1024
_CELLS = 1 << 27
"""At most this many similarities at once (512 MB in float32). A block of 1,024 works
compares each with every earlier work: at a million works that is 1,024 x 1M similarities,
4 GB, and `score` peaked at 9.8 GB; late blocks are made shorter instead."""


def novelty(
    vectors: Any,
    day: FloatArray,
    queries: IntArray | None = None,
    has_vector: npt.NDArray[np.bool_] | None = None,
) -> FloatArray:
    """1 - max cosine to an earlier work, for each row in `queries` (default: every row)."""
    count = vectors.shape[0]
    present = np.ones(count, dtype=bool) if has_vector is None else has_vector
    rows = np.arange(count) if queries is None else np.asarray(queries, dtype=np.int64)
    result = np.full(rows.size, np.nan)
    known = present & ~np.isnan(day)
    pool = np.flatnonzero(known)
    pool = pool[np.argsort(day[pool], kind="stable")]
    pool_days = day[pool]
    pool_vectors = vectors[pool]
    wanted = np.flatnonzero(known[rows])
    wanted = wanted[np.argsort(day[rows[wanted]], kind="stable")]
    start = 0
    while start < wanted.size:
        block = wanted[start : start + _BLOCK]
        # Earlier works sit before `limit` in the day-sorted pool.
        limits = np.searchsorted(pool_days, day[rows[block]], side="left")
        span = int(limits.max())
        fit = max(1, _CELLS // max(span, 1))
        if fit < block.size:  # days are sorted: the shorter block's span is no longer
            block, limits = block[:fit], limits[:fit]
            span = int(limits.max())
        start += block.size
        if span == 0:
            continue
        similarity = vectors[rows[block]] @ pool_vectors[:span].T
        if hasattr(similarity, "toarray"):
            similarity = similarity.toarray()
        best = _best_before(np.asarray(similarity, dtype=np.float32), limits)
        best[limits == 0] = np.nan
        result[block] = 1.0 - np.clip(best, -1.0, 1.0)
    return result


def _best_before(similarity: npt.NDArray[np.float32], limits: IntArray) -> FloatArray:
    """Each row's maximum over its columns before its limit (-inf for none). Every row may
    take the columns before the lowest limit; only the ragged part between the lowest and
    each row's limit needs masking."""
    low = int(limits.min())
    best = np.full(limits.size, -np.inf, dtype=np.float32)
    if low > 0:
        best = similarity[:, :low].max(axis=1)
    tail = similarity[:, low:]
    if tail.shape[1]:
        tail[np.arange(low, similarity.shape[1])[None, :] >= limits[:, None]] = -np.inf
        best = np.maximum(best, tail.max(axis=1))
    return best.astype(np.float64)


def cohort_percentiles(values: FloatArray, cohorts: npt.NDArray[np.object_]) -> FloatArray:
    """Mid-rank percentile (0-100) of each value within its cohort; NaN values get NaN.

    percentile = 100 * (number below + half the number of equal others + 0.5) / cohort size,
    so a cohort of one scores 50 and the best of 1,000 scores 99.95.
    """
    result = np.full(values.size, np.nan)
    known = np.flatnonzero(~np.isnan(values))
    if known.size == 0:
        return result
    _, codes = np.unique(cohorts[known].astype(str), return_inverse=True)
    order = np.lexsort((values[known], codes))
    sorted_codes = codes[order]
    sorted_values = values[known][order]
    # Group boundaries: a new cohort, or a new value within a cohort (ties share a rank).
    new_cohort = np.concatenate(([True], sorted_codes[1:] != sorted_codes[:-1]))
    new_value = new_cohort | np.concatenate(([True], sorted_values[1:] != sorted_values[:-1]))
    cohort_start = np.maximum.accumulate(np.where(new_cohort, np.arange(order.size), 0))
    value_start = np.maximum.accumulate(np.where(new_value, np.arange(order.size), 0))
    value_id = np.cumsum(new_value) - 1
    ties = np.bincount(value_id)[value_id]
    cohort_id = np.cumsum(new_cohort) - 1
    sizes = np.bincount(cohort_id)[cohort_id]
    below = value_start - cohort_start
    percentile = 100.0 * (below + 0.5 * ties) / sizes
    result[known[order]] = percentile
    return result

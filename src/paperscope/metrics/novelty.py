"""Paper novelty and cohort percentiles: pure functions over arrays (docs/metrics.md).

Novelty of a work = 1 - the highest cosine similarity between its vector and the vector of
any strictly earlier work (earlier publication day). A work with no earlier work, or with no
vector, has no novelty (NaN). Vectors are L2-normalised rows, so a dot product is a cosine.

Every work is compared with every earlier one, so the cost is quadratic. On a CPU that
multiplies bfloat16 natively, dense vectors are screened first and only each row's
candidates are computed exactly; the error bounds of the rounded products say which can
hold the maximum (`metrics.novelty_screen`). The result is the defined number, not an
approximate neighbour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.metrics.novelty_screen import Screen

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_BLOCK = 1024
_CELLS = 1 << 27
"""At most this many float32 similarities at once (512 MB; the bfloat16 screen holds only
tiles' maxima). A block of 1,024 works compares each with every earlier work: at a million
works that is 1,024 x 1M similarities, 4 GB, and `score` peaked at 9.8 GB; late blocks are
made shorter instead."""


def novelty(
    vectors: Any,
    day: FloatArray,
    queries: IntArray | None = None,
    has_vector: npt.NDArray[np.bool_] | None = None,
    screen: bool | None = None,
    project: bool | None = None,
    on_screen: Callable[[str], None] | None = None,
) -> FloatArray:
    """1 - max cosine to an earlier work, for each row in `queries` (default: every row).

    `screen`: compare dense vectors in bfloat16 first (default: when `bfloat16_is_native`).
    `project`: screen a bound from the leading principal directions when a few hold most of
    the vectors' energy (`novelty_screen._Projection`): True whenever they do, False never,
    None (default) when that screen is the faster on the latest works (`Screen.fastest`).
    `on_screen` is told how the works were compared (which screen, and the calibration's
    times): the cost of the stage at scale depends on it.
    """
    count = vectors.shape[0]
    present = np.ones(count, dtype=bool) if has_vector is None else has_vector
    rows = np.arange(count) if queries is None else np.asarray(queries, dtype=np.int64)
    result = np.full(rows.size, np.nan)
    known = present & ~np.isnan(day)
    pool = np.flatnonzero(known)
    pool = pool[np.argsort(day[pool], kind="stable")]
    pool_days = day[pool]
    pool_vectors = vectors[pool]
    dense = not hasattr(vectors, "toarray")
    screened = dense and (bfloat16_is_native() if screen is None else screen)
    screener = (
        Screen.fastest(np.asarray(pool_vectors, dtype=np.float32), project) if screened else None
    )
    if on_screen is not None:
        on_screen(_compared(vectors, screener))
    position = np.zeros(count, dtype=np.int64)  # of each known work in the sorted pool
    position[pool] = np.arange(pool.size)
    wanted = np.flatnonzero(known[rows])
    wanted = wanted[np.argsort(day[rows[wanted]], kind="stable")]
    start = 0
    while start < wanted.size:
        block = wanted[start : start + _BLOCK]
        # Earlier works sit before `limit` in the day-sorted pool.
        limits = np.searchsorted(pool_days, day[rows[block]], side="left")
        span = int(limits.max())
        # Compared in float32, every similarity of the block is held at once; the screen
        # keeps only each tile's maximum.
        fit = block.size if screener else max(1, _CELLS // max(span, 1))
        if fit < block.size:  # days are sorted: the shorter block's span is no longer
            block, limits = block[:fit], limits[:fit]
            span = int(limits.max())
        start += block.size
        if span == 0:
            continue
        if screener is not None:
            best = screener.best_before(position[rows[block]], limits)
        else:
            similarity = vectors[rows[block]] @ pool_vectors[:span].T
            if hasattr(similarity, "toarray"):
                similarity = similarity.toarray()
            best = _best_before(np.asarray(similarity, dtype=np.float32), limits)
        best[limits == 0] = np.nan
        result[block] = 1.0 - np.clip(best, -1.0, 1.0)
    return result


def _compared(vectors: Any, screener: Screen | None) -> str:
    """How `novelty` compares the works, in words."""
    dim = vectors.shape[1]
    if screener is not None:
        return screener.described
    if hasattr(vectors, "toarray"):
        return f"float32 products of sparse {dim}-d vectors"
    return f"float32 products of the whole {dim}-d vectors (no native bfloat16)"


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


def bfloat16_is_native() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX-512 BF16 or AMX); elsewhere
    torch emulates it, slower than float32, and novelty compares in float32 only."""
    import torch

    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


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

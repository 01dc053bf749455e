"""Paper novelty and cohort percentiles: pure functions over arrays (docs/metrics.md).

Novelty of a work = 1 - the highest cosine similarity between its vector and the vector of
any strictly earlier work (earlier publication day). A work with no earlier work, or with no
vector, has no novelty (NaN). Vectors are L2-normalised rows, so a dot product is a cosine.

Every work is compared with every earlier one, so the cost is quadratic. On a CPU that
multiplies bfloat16 natively, dense vectors are compared in bfloat16 first (about 3.5x the
float32 speed) and only each row's best candidates are computed exactly; the error bound of
the bfloat16 product proves when those hold the maximum (`_Bf16Screen`). The result is the
defined number (exact, or within 1e-6 for a work's copy), not an approximate neighbour.
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
    screen: bool | None = None,
) -> FloatArray:
    """1 - max cosine to an earlier work, for each row in `queries` (default: every row).

    `screen`: compare dense vectors in bfloat16 first (default: when `bfloat16_is_native`).
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
    screener = _Bf16Screen(np.asarray(pool_vectors, dtype=np.float32)) if screened else None
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
        if screener is not None:
            best = screener.best_before(np.asarray(vectors[rows[block]], np.float32), limits)
        else:
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


_SCREEN_TOP = (16, 256)
"""Candidates per row computed exactly after the bfloat16 screen: 16, then 256 for the rows
16 could not settle. With 16 alone, 2 of the first 200,000 works of the 1M corpus
(tokenlearn vectors) and 459 of ACM-CR's 113,061 (model2vec) needed every pair."""
_BFLOAT16_UNIT = 2.0**-8
"""Unit roundoff of bfloat16 (8 significant bits): rounding changes a value by at most this
fraction of it."""
_TOLERANCE = 1e-6
"""A row is settled when no other column can exceed its best candidate by more than this:
the float32 comparison's own rounding is about as large (8.7e-7 on ACM-CR), and `score`
stores six decimals. Only works whose best match is a copy of them are settled within it
rather than exactly (their maximum is bounded by the vectors' norms, not by the screen)."""


def bfloat16_is_native() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX-512 BF16 or AMX); elsewhere
    torch emulates it, slower than float32, and novelty compares in float32 only."""
    import torch

    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


class _Bf16Screen:
    """Each row's maximum similarity to the earlier works, screened in bfloat16.

    A screened similarity S~ differs from the exact S by at most `delta` (the rounding of
    both vectors to bfloat16, measured per vector; float32 accumulation; the bfloat16 result).
    The row's K highest screened columns are computed exactly (float64); any other column j
    has S_j <= S~_j + delta <= (the K-th screened value) + delta, so when the best exact
    candidate reaches that bound it is the row's maximum. Rows 16 candidates cannot settle
    take 256; rows that still cannot (near-ties between many works) are compared exactly
    with every earlier work.
    """

    def __init__(self, pool_vectors: npt.NDArray[np.float32]) -> None:
        import torch

        self._torch = torch
        self.exact = pool_vectors
        self.screened = torch.from_numpy(pool_vectors).to(torch.bfloat16)
        largest_norm, largest_residual = 0.0, 0.0
        for start in range(0, len(pool_vectors), 65_536):  # bounded temporaries
            part = pool_vectors[start : start + 65_536]
            rounded = self.screened[start : start + 65_536].float().numpy()
            largest_norm = max(largest_norm, float(np.linalg.norm(part, axis=1).max()))
            residual = float(np.linalg.norm(part - rounded, axis=1).max())
            largest_residual = max(largest_residual, residual)
        self.largest_norm, self.largest_residual = largest_norm, largest_residual
        self.buffer = torch.empty(_CELLS, dtype=torch.bfloat16)

    def best_before(self, queries: npt.NDArray[np.float32], limits: IntArray) -> FloatArray:
        """Each query's maximum similarity over pool columns before its limit (-inf: none)."""
        torch = self._torch
        span = int(limits.max())
        rounded = torch.from_numpy(queries).to(torch.bfloat16)
        cells = len(queries) * span  # over `_CELLS` only when one row's span is
        if cells > self.buffer.numel():
            self.buffer = torch.empty(cells, dtype=torch.bfloat16)
        similarity = self.buffer[:cells].view(len(queries), span)
        torch.mm(rounded, self.screened[:span].T, out=similarity)
        low = int(limits.min())
        if low < span:
            later = torch.arange(low, span)[None, :] >= torch.from_numpy(limits)[:, None]
            similarity[:, low:].masked_fill_(later, -torch.inf)
        delta = self._delta(queries, rounded)
        best = np.full(len(queries), -np.inf)
        unsettled = np.arange(len(queries))
        for top in _SCREEN_TOP:
            if not unsettled.size:
                break
            for part in np.array_split(unsettled, -(-unsettled.size * top // 16_384)):
                # 16,384 candidates at once: 50 MB of float64 vectors at 384 dimensions
                rows = similarity if part.size == len(queries) else similarity[part]
                candidates = torch.topk(rows, min(top, span), dim=1)
                best[part] = self._settle(queries[part], delta[part], *candidates)
            unsettled = unsettled[np.isnan(best[unsettled])]
        if unsettled.size:
            reach = int(limits[unsettled].max())
            full = queries[unsettled] @ self.exact[:reach].T
            best[unsettled] = _best_before(full, limits[unsettled])
        return best

    def _settle(
        self, queries: npt.NDArray[np.float32], delta: FloatArray, top: Any, columns: Any
    ) -> FloatArray:
        """The best exact similarity among each row's screened candidates, or NaN where a
        column outside them could still be higher (by more than `_TOLERANCE`)."""
        screened = top.float().numpy().astype(np.float64)
        candidates = self.exact[columns.numpy()].astype(np.float64)
        exact = np.einsum("bd,bkd->bk", queries.astype(np.float64), candidates)
        exact[~np.isfinite(screened)] = -np.inf
        best: FloatArray = exact.max(axis=1)
        # No other column exceeds (the lowest candidate's screened value + delta), nor the
        # product of the two vectors' norms.
        norms = np.linalg.norm(queries.astype(np.float64), axis=1) * self.largest_norm
        bound = np.minimum(screened[:, -1] + delta, norms)
        settled = ~np.isfinite(screened[:, -1]) | (bound <= best + _TOLERANCE)
        best[~settled] = np.nan
        return best

    def _delta(self, queries: npt.NDArray[np.float32], rounded: Any) -> FloatArray:
        """Largest |S~ - S| per query row:
        |q.x - q^.x^| <= |q| |x - x^| + |q - q^| |x^|   (the inputs rounded to bfloat16),
        plus d 2^-23 |q^| |x^|                          (float32 accumulation of d products),
        plus 2^-8 |q^| |x^| (1 + d 2^-23)               (the result rounded to bfloat16)."""
        rounded_queries = rounded.float().numpy().astype(np.float64)
        query_norm = np.linalg.norm(queries.astype(np.float64), axis=1)
        query_residual = np.linalg.norm(queries - rounded_queries, axis=1)
        pool_norm = self.largest_norm + self.largest_residual
        product = (query_norm + query_residual) * pool_norm
        accumulation = queries.shape[1] * 2.0**-23
        delta = query_norm * self.largest_residual + query_residual * pool_norm
        delta += product * (accumulation + _BFLOAT16_UNIT * (1 + accumulation))
        # A margin for the float64 arithmetic above and for flushed bfloat16 subnormals.
        margin: FloatArray = delta * (1 + 2.0**-10) + 2.0**-40
        return margin


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

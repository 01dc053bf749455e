"""Paper novelty and cohort percentiles: pure functions over arrays (docs/metrics.md).

Novelty of a work = 1 - the highest cosine similarity between its vector and the vector of
any strictly earlier work (earlier publication day). A work with no earlier work, or with no
vector, has no novelty (NaN). Vectors are L2-normalised rows, so a dot product is a cosine.

Every work is compared with every earlier one, so the cost is quadratic. On a CPU that
multiplies bfloat16 natively, dense vectors are compared in bfloat16 first (about 3.5x the
float32 speed) and only each row's candidates are computed exactly; the error bound of
the bfloat16 product says which can hold the maximum (`_Bf16Screen`). The result is the
defined number, not an approximate neighbour.
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
        # bfloat16 similarities take half the bytes: twice as many fit the same memory.
        fit = max(1, (2 * _CELLS if screener else _CELLS) // max(span, 1))
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


_TILE = 256
"""Screened similarities are scanned in tiles of this many earlier works: a tile's maximum
says whether any of its works can be a candidate. 256 was the fastest of 256, 1,024 and
4,096 on 200k stored vectors of the 1M corpus."""
_RESCORED = 16_384
"""Candidates recomputed in float64 at once (50 MB of vectors at 384 dimensions)."""
_BFLOAT16_UNIT = 2.0**-8
"""Unit roundoff of bfloat16 (8 significant bits): rounding changes a value by at most this
fraction of it."""


def bfloat16_is_native() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX-512 BF16 or AMX); elsewhere
    torch emulates it, slower than float32, and novelty compares in float32 only."""
    import torch

    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


class _Bf16Screen:
    """Each row's maximum similarity to the earlier works, screened in bfloat16.

    A screened similarity S~ differs from the exact S by at most `delta` (the rounding of
    both vectors to bfloat16, measured per vector; float32 accumulation; the bfloat16
    result). So the most similar earlier work j* has S~_j* >= S_j* - delta >= (the highest
    S~) - 2 delta: every column screened within 2 delta of the row's highest is a candidate,
    and the highest of their float64 similarities is the exact maximum. Usually a handful
    per row; near-copies of a work are all candidates, and all recomputed.
    """

    def __init__(self, pool_vectors: npt.NDArray[np.float32]) -> None:
        import torch

        self._torch = torch
        self.exact = pool_vectors
        count, dim = pool_vectors.shape
        # Padded with zero rows to whole tiles; the padding lies past every row's limit.
        self.screened = torch.zeros((-(-count // _TILE) * _TILE, dim), dtype=torch.bfloat16)
        largest_norm, largest_residual = 0.0, 0.0
        for start in range(0, count, 65_536):  # bounded temporaries
            part = pool_vectors[start : start + 65_536]
            self.screened[start : start + len(part)] = torch.from_numpy(part)
            rounded = self.screened[start : start + len(part)].float().numpy()
            largest_norm = max(largest_norm, float(np.linalg.norm(part, axis=1).max()))
            residual = float(np.linalg.norm(part - rounded, axis=1).max())
            largest_residual = max(largest_residual, residual)
        self.largest_norm, self.largest_residual = largest_norm, largest_residual
        # Blocks are cut to 2 * _CELLS similarities before their span is padded to tiles.
        self.buffer = torch.empty(2 * _CELLS + _BLOCK * _TILE, dtype=torch.bfloat16)

    def best_before(self, queries: npt.NDArray[np.float32], limits: IntArray) -> FloatArray:
        """Each query's maximum similarity over pool columns before its limit (-inf: none)."""
        torch = self._torch
        span = -(-int(limits.max()) // _TILE) * _TILE
        rounded = torch.from_numpy(queries).to(torch.bfloat16)
        cells = len(queries) * span  # over the budget only when one row's span is
        if cells > self.buffer.numel():
            self.buffer = torch.empty(cells, dtype=torch.bfloat16)
        similarity = self.buffer[:cells].view(len(queries), span)
        torch.mm(rounded, self.screened[:span].T, out=similarity)
        low = int(limits.min())
        later = torch.arange(low, span)[None, :] >= torch.from_numpy(limits)[:, None]
        similarity[:, low:].masked_fill_(later, -torch.inf)
        tiles = similarity.view(len(queries), span // _TILE, _TILE)
        tile_best = tiles.amax(dim=2).float()
        delta = torch.from_numpy(self._delta(queries, rounded)).float()
        threshold = tile_best.amax(dim=1) - 2 * delta
        threshold[torch.from_numpy(limits) == 0] = torch.inf  # no earlier work: no candidate
        rows, tile = torch.nonzero(tile_best >= threshold[:, None], as_tuple=True)
        best = np.full(len(queries), -np.inf)
        step = _RESCORED // 4  # (row, tile) pairs scanned at once
        for start in range(0, len(rows), step):
            pair_rows, pair_tiles = rows[start : start + step], tile[start : start + step]
            within = tiles[pair_rows, pair_tiles].float() >= threshold[pair_rows][:, None]
            pair, offset = torch.nonzero(within, as_tuple=True)
            columns = (pair_tiles[pair] * _TILE + offset).numpy()
            self._rescore(queries, pair_rows[pair].numpy(), columns, best)
        return best

    def _rescore(
        self, queries: npt.NDArray[np.float32], rows: IntArray, columns: IntArray, best: FloatArray
    ) -> None:
        """Raise `best` of each row to its candidates' float64 similarities."""
        for start in range(0, len(rows), _RESCORED):
            row, column = rows[start : start + _RESCORED], columns[start : start + _RESCORED]
            exact = np.einsum(
                "pd,pd->p", queries[row].astype(np.float64), self.exact[column].astype(np.float64)
            )
            np.maximum.at(best, row, exact)

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

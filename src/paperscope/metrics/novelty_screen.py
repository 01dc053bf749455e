"""Novelty's exact screen: each work's highest similarity to the earlier works, found by
comparing bfloat16 forms of the vectors first and recomputing only the candidates in float64
(docs/metrics.md "At scale").

Dense vectors are compared in bfloat16 (`Screen`), optionally as an upper bound built from
a few principal directions (`_Projection`). The rounding's error is bounded per vector, so
every work that can hold the maximum is recomputed, and the result is the defined number.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from time import perf_counter
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_TILE = 32
"""Screened similarities are reduced to the maximum of each tile of this many earlier works:
a tile whose maximum reaches a row's threshold is screened again for that row. With 32 the
screen took 0.31 ns per similarity (2 cores, 128 dimensions, chunks of 2,048), with 256
0.40 ns; a smaller tile also leaves fewer works to screen again."""
_TILES_PER_GROUP = 32
"""Tiles per group: a group's maximum says whether any of its tiles can hold a candidate,
so the tiles' maxima are compared only in the groups that may."""
_CHUNK = 2048
"""Earlier works screened at once by one core: 2,048 x 1,024 queries in bfloat16 (4 MB)."""
_PAIRS = 4096
"""(row, tile) pairs screened again at once."""
_RESCORED = 16_384
"""Candidates recomputed in float64 at once (50 MB of vectors at 384 dimensions)."""
_DIRECT = 256
"""Rows compared directly with every earlier work at once (`Screen._compute_directly`)."""
_BFLOAT16_UNIT = 2.0**-8
"""Unit roundoff of bfloat16 (8 significant bits): rounding changes a value by at most this
fraction of it."""


class _Projection:
    """Coordinates in which a few leading directions hold most of the vectors' energy.

    With an orthonormal basis V of the pool's principal directions, q.x = (V'q).(V'x); split
    into the first `head` coordinates and the rest, Cauchy-Schwarz bounds the rest by the
    product of their norms: q.x <= q_h.x_h + |q_t| |x_t|, the product of the vectors
    [q_h, |q_t|] and [x_h, |x_t|] of head + 1 coordinates. Comparing those instead of the
    whole vectors gives an upper bound of every similarity at a fraction of the work.
    """

    def __init__(self, basis: npt.NDArray[np.float64], head: int) -> None:
        self.basis = basis
        self.head = head

    @classmethod
    def of(cls, vectors: npt.NDArray[np.float32]) -> _Projection | None:
        """The projection of a pool, or None when too few directions hold its energy (the
        bound would be loose, or the saving small): the head is the smallest of
        `_HEADS` leaving at most `_TAIL_ENERGY` of the energy outside it, and at most half
        the dimensions."""
        count, dim = vectors.shape
        step = max(1, count // _PROJECTION_SAMPLE)
        sample = vectors[::step].astype(np.float64)
        energy, basis = np.linalg.eigh(sample.T @ sample)
        energy, basis = energy[::-1], basis[:, ::-1]
        total = float(energy.sum())
        if total <= 0:
            return None
        kept = np.cumsum(energy) / total
        for head in _HEADS:
            if head + 1 <= dim // 2 and kept[head - 1] >= 1 - _TAIL_ENERGY:
                return cls(np.ascontiguousarray(basis), head)
        return None

    def narrower(self) -> _Projection | None:
        """The same directions with the next smaller head of `_HEADS`, if any."""
        smaller = [head for head in _HEADS if head < self.head]
        return _Projection(self.basis, smaller[-1]) if smaller else None

    def rotated(self, vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """The vectors' coordinates along the basis, in float64 (any head of it)."""
        rotated: npt.NDArray[np.float64] = vectors.astype(np.float64) @ self.basis
        return rotated

    def bounding(self, rotated: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
        """[head coordinates, norm of the rest] of each vector, from its coordinates
        (`rotated`)."""
        out = np.empty((len(rotated), self.head + 1), dtype=np.float32)
        out[:, : self.head] = rotated[:, : self.head]
        out[:, self.head] = np.linalg.norm(rotated[:, self.head :], axis=1)
        return out


_HEADS = (31, 63, 95, 127)
"""Head sizes tried (+1 for the norm of the rest: whole AMX tiles of 32 bfloat16)."""
_TAIL_ENERGY = 0.05
"""At most this share of the energy outside the head: on the 1M corpus's 384-d tokenlearn
vectors, 127 leading directions hold 95.8%; among its first 200k works the bound then
leaves about 3 earlier works per work at or above the exact maximum (8 with 95
directions, 44 with 63)."""
_PART = 65_536
"""Pool rows rounded and measured at once when a screen is built (bounded temporaries)."""
_CALIBRATION = 1024
"""The latest works the screens are timed on (`Screen.fastest`)."""
_CLEARLY_SLOWER = 1.5
"""A screen this many times slower than the fastest on its first timing is not timed again
(its second timing would have to be a third faster to matter): at 1M on 2026-12-05 the whole
384-d vectors took 2.22 s against 0.79 s for the 96-d bound."""
_PROJECTION_SAMPLE = 65_536
"""Vectors the principal directions are estimated from (the bound holds for any basis)."""


class Screen:
    """Each row's maximum similarity to the earlier works, screened in bfloat16.

    A screened value S~ is within `delta` of an upper bound B >= S of the exact similarity
    (the rounding of both vectors to bfloat16, measured per vector; float32 accumulation;
    the bfloat16 result). B is S itself, or with a `_Projection` the similarity of the
    bounding vectors. For each row, the work screened highest is recomputed exactly: its
    similarity L is a lower bound of the maximum. The most similar earlier work j* has
    S~_j* >= B_j* - delta >= S_j* - delta >= L - delta, so every column screened at or
    above L - delta is a candidate, and the highest of their float64 similarities is the
    exact maximum. Usually a handful per row; near-copies of a work are all candidates,
    and all recomputed. Rows are pool positions: every query is a pool work.
    """

    def __init__(
        self, pool_vectors: npt.NDArray[np.float32], projection: _Projection | None
    ) -> None:
        """An empty screen of the pool: `Screen.build` fills it."""
        import torch

        self._torch = torch
        self.exact = pool_vectors
        count = len(pool_vectors)
        self.projection = projection
        dim = pool_vectors.shape[1] if self.projection is None else self.projection.head + 1
        # Padded with zero rows to whole groups; the padding lies past every row's limit.
        group = _TILE * _TILES_PER_GROUP
        self.screened = torch.zeros((-(-count // group) * group, dim), dtype=torch.bfloat16)
        # Per row: the norm of its screened form before rounding, and what rounding moved.
        self.norms = np.zeros(count)
        self.residuals = np.zeros(count)
        self.largest_norm = self.largest_residual = 0.0
        whole = pool_vectors.shape[1]
        self.described = (
            f"bfloat16 screen of the whole {whole}-d vectors"
            if self.projection is None
            else f"bfloat16 screen of a {dim}-d bound ({self.projection.head} leading"
            f" directions of {whole})"
        )

    @classmethod
    def build(
        cls, pool_vectors: npt.NDArray[np.float32], projections: list[_Projection | None]
    ) -> list[Screen]:
        """A screen of the pool for each projection (None: the whole vectors), filled in one
        pass over the pool. Projections of one basis share its rotation, the costly part of
        a projected screen (5.4-5.7 s of float64 products at 1M x 384 on 2026-12-06; the
        calibration builds two)."""
        screens = [cls(pool_vectors, projection) for projection in projections]
        for start in range(0, len(pool_vectors), _PART):
            part = pool_vectors[start : start + _PART]
            rotated: dict[int, npt.NDArray[np.float64]] = {}
            for screen in screens:
                projection = screen.projection
                if projection is None:
                    screen._fill(start, part)
                    continue
                basis = id(projection.basis)
                if basis not in rotated:
                    rotated[basis] = projection.rotated(part)
                screen._fill(start, projection.bounding(rotated[basis]))
        for screen in screens:
            screen.largest_norm = float(screen.norms.max(initial=0.0))
            screen.largest_residual = float(screen.residuals.max(initial=0.0))
        return screens

    def _fill(self, start: int, forms: npt.NDArray[np.float32]) -> None:
        """Round the screened forms of the pool rows from `start` to bfloat16, and measure
        their norms and what the rounding moved."""
        stop = start + len(forms)
        self.screened[start:stop] = self._torch.from_numpy(forms)
        rounded = self.screened[start:stop].float().numpy()
        self.norms[start:stop] = np.linalg.norm(forms, axis=1)
        self.residuals[start:stop] = np.linalg.norm(forms - rounded, axis=1)

    @classmethod
    def fastest(cls, pool_vectors: npt.NDArray[np.float32], project: bool | None) -> Screen:
        """The screen of the whole vectors or of a projection (`novelty`'s `project`).
        Which is faster depends on the vectors: a projected bound is looser, and every
        work it leaves near a row's maximum is recomputed. On ACM-CR's 256-d model2vec
        vectors (95.2% of the energy in 127 directions) it was 5x slower; on the 1M
        corpus's 384-d tokenlearn vectors (95.8%) a block of the latest works took 0.60-0.65
        s against 0.84-0.95 s, and the bound from 95 directions (91.3%) was faster still:
        0.74 s against 0.91-0.98 s for 127 (2026-12-05; 0.42 against 0.47 s on works half
        as late). So the whole vectors, the projection `_Projection.of` picks and the next
        narrower one screen the latest `_CALIBRATION` works, twice each unless clearly
        slower the first time, and the fastest is kept; the values are the same."""
        projection = _Projection.of(pool_vectors) if project is not False else None
        if projection is None or project:
            return cls.build(pool_vectors, [projection])[0]
        narrower = projection.narrower()
        screens = cls.build(pool_vectors, [None, projection] + ([narrower] if narrower else []))
        latest = np.arange(max(0, len(pool_vectors) - _CALIBRATION), len(pool_vectors))
        seconds = [np.inf] * len(screens)
        for attempt in range(2):
            fastest = min(seconds)
            for number, screen in enumerate(screens):
                if attempt and seconds[number] > _CLEARLY_SLOWER * fastest:
                    continue  # a second timing would not change which is kept
                started = perf_counter()
                screen.best_before(latest, latest)
                seconds[number] = min(seconds[number], perf_counter() - started)
        kept = screens[int(np.argmin(seconds))]
        timings = ", ".join(
            f"{screen.width()} {took:.2f} s" for screen, took in zip(screens, seconds, strict=True)
        )
        kept.described += f", the fastest on the latest {len(latest):,} works: {timings}"
        return kept

    def width(self) -> str:
        """What this screen compares, in a few words."""
        dims = self.screened.shape[1]
        return f"whole {dims}-d" if self.projection is None else f"{dims}-d bound"

    def best_before(self, positions: IntArray, limits: IntArray) -> FloatArray:
        """The maximum similarity of each pool row in `positions` over the pool rows before
        its limit (-inf: none)."""
        torch = self._torch
        group = _TILE * _TILES_PER_GROUP
        span = -(-int(limits.max()) // group) * group
        rounded = self.screened[torch.from_numpy(positions)]
        limits_t = torch.from_numpy(limits)
        tile_best, group_best = self._tile_maxima(rounded, limits_t, span)
        best = np.full(len(positions), -np.inf)
        none_earlier = limits_t == 0
        # A lower bound: the exact similarity of a column screened highest in each row. The
        # maxima are exact where they are positive (`_tile_maxima`); other rows are computed
        # directly below.
        highest = group_best.amax(dim=0)
        highest.masked_fill_(none_earlier | (highest <= 0), torch.inf)
        rows, tiles = self._tiles_reaching(tile_best, group_best, highest)
        rows, first = np.unique(rows.numpy(), return_index=True)  # one tile per row
        row_index, tiles = torch.from_numpy(rows), tiles[torch.from_numpy(first)]
        values = self._tile_values(rounded[row_index], tiles, limits_t[row_index])
        self._rescore(positions, rows, (tiles * _TILE + values.argmax(dim=1)).numpy(), best)
        threshold = torch.from_numpy(best - self._delta(positions)).float()
        bound = _bfloat16_at_most(torch, threshold)
        direct = ~none_earlier & ~(bound > 0)
        self._compute_directly(positions, limits, direct.numpy(), best)
        bound[none_earlier | direct] = torch.inf  # no candidate left to screen
        pair_rows, tiles = self._tiles_reaching(tile_best, group_best, bound)
        for start in range(0, len(pair_rows), _PAIRS):
            part_rows, part_tiles = pair_rows[start : start + _PAIRS], tiles[start : start + _PAIRS]
            values = self._tile_values(rounded[part_rows], part_tiles, limits_t[part_rows])
            within = values.float() >= threshold[part_rows][:, None]
            pair, offset = torch.nonzero(within, as_tuple=True)
            columns = (part_tiles[pair] * _TILE + offset).numpy()
            self._rescore(positions, part_rows[pair].numpy(), columns, best)
        return best

    def _tiles_reaching(self, tile_best: Any, group_best: Any, bound: Any) -> tuple[Any, Any]:
        """(row, tile) pairs whose tile maximum reaches the row's bound (bfloat16), found
        through the groups of tiles: only the tiles of groups reaching it are compared."""
        torch = self._torch
        groups, rows = torch.nonzero(group_best >= bound[None, :], as_tuple=True)
        members = tile_best.view(-1, _TILES_PER_GROUP, tile_best.shape[1])[groups, :, rows]
        pair, offset = torch.nonzero(members >= bound[rows][:, None], as_tuple=True)
        return rows[pair], groups[pair] * _TILES_PER_GROUP + offset

    def _tile_maxima(self, rounded: Any, limits: Any, span: int) -> tuple[Any, Any]:
        """Each tile's and each group's highest screened similarity per query (tiles or
        groups x queries, bfloat16), later works masked. Earlier works are screened a chunk
        of `_CHUNK` at a time by each core on one thread of its own: the chunk's
        similarities stay in its cache while they are reduced, and are then dropped (a tile
        holding a candidate is screened again, `_tile_values`); writing them all to memory
        and reading them back took about as long as the products.

        The maxima are taken on the bits of the bfloat16 values read as int16, which order
        the values >= +0 as the numbers do and put every negative value (and -inf) below
        them: a maximum is exact where it is positive, and below +0 where the tile holds
        no value >= +0 (read as bfloat16, a negative number or -inf, not necessarily the
        largest). Rows whose bound is not positive are computed directly
        (`_compute_directly`). On an Intel CPU with AMX the int16 maxima took 0.08 s per
        million similarities of 1,024 queries on one core against 0.29 s in bfloat16,
        which was as long as the products themselves (0.26 s at 96 dimensions)."""
        torch = self._torch
        count = len(rounded)
        tile_best = torch.empty((span // _TILE, count), dtype=torch.bfloat16)
        group = _TILE * _TILES_PER_GROUP
        group_best = torch.empty((span // group, count), dtype=torch.bfloat16)
        low = int(limits.min())
        size = max(1, _CHUNK // group) * group  # whole groups

        def screen(first: int, step: int) -> None:
            buffer = torch.empty(size * count, dtype=torch.bfloat16)
            for start in range(first, span, step):
                stop = min(start + size, span)
                part = buffer[: (stop - start) * count].view(stop - start, count)
                torch.mm(self.screened[start:stop], rounded.T, out=part)
                if stop > low:  # works on or after some query's day
                    masked = max(start, low)
                    later = torch.arange(masked, stop)[:, None] >= limits[None, :]
                    part[masked - start :].masked_fill_(later, -torch.inf)
                tiles = tile_best[start // _TILE : stop // _TILE].view(torch.int16)
                keys = part.view(torch.int16).view(-1, _TILE, count)
                torch.amax(keys, dim=1, out=tiles)
                groups = tiles.view(-1, _TILES_PER_GROUP, count)
                torch.amax(
                    groups, dim=1, out=group_best[start // group : stop // group].view(torch.int16)
                )

        threads = torch.get_num_threads()
        workers = max(1, min(threads, -(-span // size)))
        if workers == 1:
            screen(0, size)
            return tile_best, group_best
        torch.set_num_threads(1)
        try:
            with ThreadPoolExecutor(workers) as pool:
                jobs = [pool.submit(screen, k * size, workers * size) for k in range(workers)]
                for job in jobs:
                    job.result()
        finally:
            torch.set_num_threads(threads)
        return tile_best, group_best

    def _tile_values(self, rounded_rows: Any, tiles: Any, limits: Any) -> Any:
        """The screened similarities of row k with the works of tile `tiles[k]` (rows x
        `_TILE`, bfloat16), later works -inf."""
        torch = self._torch
        dim = self.screened.shape[1]
        members = self.screened.view(-1, _TILE, dim)[tiles]
        values = torch.bmm(members, rounded_rows[:, :, None])[:, :, 0]
        columns = tiles[:, None] * _TILE + torch.arange(_TILE)[None, :]
        return values.masked_fill_(columns >= limits[:, None], -torch.inf)

    def _compute_directly(
        self, positions: IntArray, limits: IntArray, rows: npt.NDArray[np.bool_], best: FloatArray
    ) -> None:
        """Set `best` of the `rows` (a mask) to their float64 maximum over every earlier work,
        a part of the pool and `_DIRECT` rows at a time (at most 128 MB of similarities):
        rows with no positive bound, which the tiles' maxima cannot order (`_tile_maxima`).
        Usually none, or the first works of the pool."""
        picked = np.flatnonzero(rows)
        for first in range(0, picked.size, _DIRECT):
            batch = picked[first : first + _DIRECT]
            queries = self.exact[positions[batch]].astype(np.float64)
            found = np.full(batch.size, -np.inf)
            for start in range(0, int(limits[batch].max()), _PART):
                part = self.exact[start : start + _PART].astype(np.float64)
                similarity = part @ queries.T
                later = np.arange(start, start + len(part))[:, None] >= limits[batch][None, :]
                similarity[later] = -np.inf
                found = np.maximum(found, similarity.max(axis=0))
            best[batch] = found

    def _rescore(
        self, positions: IntArray, rows: IntArray, columns: IntArray, best: FloatArray
    ) -> None:
        """Raise `best` of each row to its candidates' float64 similarities."""
        for start in range(0, len(rows), _RESCORED):
            row, column = rows[start : start + _RESCORED], columns[start : start + _RESCORED]
            queries = self.exact[positions[row]].astype(np.float64)
            exact = np.einsum("pd,pd->p", queries, self.exact[column].astype(np.float64))
            np.maximum.at(best, row, exact)

    def _delta(self, positions: IntArray) -> FloatArray:
        """Largest |S~ - B| per query row (q, x: the screened forms; ^: rounded to bfloat16):
        |q.x - q^.x^| <= |q| |x - x^| + |q - q^| |x^|   (the inputs rounded to bfloat16),
        plus d 2^-23 |q^| |x^|                          (float32 accumulation of d products),
        plus 2^-8 |q^| |x^| (1 + d 2^-23)               (the result rounded to bfloat16)."""
        query_norm, query_residual = self.norms[positions], self.residuals[positions]
        pool_norm = self.largest_norm + self.largest_residual
        product = (query_norm + query_residual) * pool_norm
        accumulation = self.screened.shape[1] * 2.0**-23
        delta = query_norm * self.largest_residual + query_residual * pool_norm
        delta += product * (accumulation + _BFLOAT16_UNIT * (1 + accumulation))
        if self.projection is not None:
            # The bounding vectors were rotated in float64 and rounded to float32: each moved
            # by at most 2^-24 of its norm, the product by 2^-22 of theirs.
            delta += product * 2.0**-20
        # A margin for the float64 arithmetic above and for flushed bfloat16 subnormals.
        margin: FloatArray = delta * (1 + 2.0**-10) + 2.0**-40
        return margin


def _bfloat16_at_most(torch: Any, values: Any) -> Any:
    """The highest bfloat16 at or below each float32 value. bfloat16 is the upper half of
    float32's bits: clearing the lower half rounds toward zero, down for positive values;
    a negative value so rounded is raised, and one step further from zero lowers it."""
    bits = values.contiguous().view(torch.int32)
    cleared = bits & -65_536
    down = torch.where((values < 0) & (cleared != bits), cleared + 65_536, cleared)
    return down.view(torch.float32).to(torch.bfloat16)

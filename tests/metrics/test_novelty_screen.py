"""Novelty's exact screen (bfloat16, projected bounds) against float64 brute force: whatever
the rounding, tiles, groups or chunks, the values are the exact ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from paperscope.metrics import novelty_screen as screen_module
from paperscope.metrics.novelty import novelty


def _exact_novelty(vectors: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Brute force in float64, every pair at once."""
    exact = vectors.astype(np.float64)
    similarity = exact @ exact.T
    similarity[~(day[None, :] < day[:, None])] = -np.inf
    best = similarity.max(axis=1)
    return np.where(np.isfinite(best), 1 - np.clip(best, -1, 1), np.nan)


def _near_ties(size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Groups of works whose vectors differ by less than bfloat16 can tell apart."""
    rng = np.random.default_rng(seed)
    # |centre| ~ 7, |noise| ~ 0.7: similarities within a group differ by ~1e-3, under
    # bfloat16's resolution near 1 (without the error bound, novelty would be 2e-3 off).
    centres = rng.normal(size=(size // 200, 48))
    vectors = centres[rng.integers(0, len(centres), size)] + 0.1 * rng.normal(size=(size, 48))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), rng.integers(0, 400, size).astype(np.float64)


def test_the_bfloat16_screen_gives_the_exact_maximum() -> None:
    """Separated vectors: the float64 brute force's values, not the screen's."""
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(1500, 48)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    day = rng.integers(0, 3000, 1500).astype(np.float64)
    result = novelty(vectors, day, screen=True)
    np.testing.assert_allclose(result, _exact_novelty(vectors, day), atol=1e-12, rtol=0)


@pytest.mark.parametrize("tile", [1, 7, 256])
def test_near_ties_the_screen_cannot_order_are_all_recomputed(
    tile: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Works closer than bfloat16's rounding: the screen's order among them is noise, so
    every one within its error bound is recomputed, and the value is the exact one."""
    vectors, day = _near_ties(1200, seed=8)
    monkeypatch.setattr(screen_module, "_TILE", tile)
    result = novelty(vectors, day, screen=True)
    np.testing.assert_allclose(result, _exact_novelty(vectors, day), atol=1e-12, rtol=0)


def test_copies_are_all_candidates_recomputed_in_bounded_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Copies of one vector tie exactly: each is a candidate for every later copy; they are
    recomputed a few at a time, and every later copy has novelty 0."""
    monkeypatch.setattr(screen_module, "_RESCORED", 8)
    rng = np.random.default_rng(2)
    others = rng.normal(size=(40, 16)).astype(np.float32)
    vectors = np.concatenate([np.repeat(others[:1], 60, axis=0), others[1:]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    day = rng.permutation(len(vectors)).astype(np.float64)
    result = novelty(vectors, day, screen=True)
    np.testing.assert_allclose(result, _exact_novelty(vectors, day), atol=1e-12, rtol=0)
    copies = day[:60]
    assert np.all(result[:60][copies > copies.min()] < 1e-6)


def _low_rank(size: int, dim: int, rank: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors whose energy lies mostly in `rank` directions (as averaged token
    vectors do), with near-copies, and days with ties."""
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(rank, dim))
    topics = rng.normal(size=(size // 20, rank))
    vectors = topics[rng.integers(0, len(topics), size)] @ directions
    scale = 0.05 * np.linalg.norm(vectors, axis=1, keepdims=True) / np.sqrt(dim)
    vectors += scale * rng.normal(size=(size, dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), rng.integers(0, size // 3, size).astype(np.float64)


def test_the_projected_screen_is_used_and_gives_the_exact_maximum() -> None:
    """Vectors whose energy lies in a few directions are screened by the bound from their
    leading coordinates and the norm of the rest; the values are float64 brute force's."""
    vectors, day = _low_rank(3000, 128, 12, seed=4)
    projection = screen_module._Projection.of(vectors)
    assert projection is not None and projection.head == 31
    projected = novelty(vectors, day, screen=True, project=True)
    np.testing.assert_allclose(projected, _exact_novelty(vectors, day), atol=1e-12, rtol=0)
    np.testing.assert_array_equal(projected, novelty(vectors, day, screen=True, project=False))


def test_no_projection_when_the_energy_is_spread() -> None:
    rng = np.random.default_rng(6)
    vectors = rng.normal(size=(2000, 128)).astype(np.float32)
    assert screen_module._Projection.of(vectors) is None


@pytest.mark.parametrize(("tile", "tiles_per_group", "chunk"), [(1, 1, 1), (4, 3, 16), (8, 2, 64)])
def test_tiles_groups_and_chunks_do_not_change_values(
    tile: int, tiles_per_group: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Screened by many small chunks on both threads, tiles and groups cut anywhere (rows
    of one day across them), every value is still the exact one."""
    monkeypatch.setattr(screen_module, "_TILE", tile)
    monkeypatch.setattr(screen_module, "_TILES_PER_GROUP", tiles_per_group)
    monkeypatch.setattr(screen_module, "_CHUNK", chunk)
    monkeypatch.setattr(screen_module, "_PAIRS", 5)
    vectors, day = _low_rank(700, 96, 8, seed=9)
    expected = _exact_novelty(vectors, day)
    for project in (True, False):
        result = novelty(vectors, day, screen=True, project=project)
        np.testing.assert_allclose(result, expected, atol=1e-12, rtol=0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(width=32, allow_nan=False), min_size=1, max_size=50))
def test_bfloat16_at_most_is_the_highest_bfloat16_not_above(values: list[float]) -> None:
    import torch

    exact = torch.tensor(values, dtype=torch.float32)
    rounded = screen_module._bfloat16_at_most(torch, exact).float()
    assert bool((rounded <= exact).all())
    # One bfloat16 step up (in the float32 bits) is above the value, unless it is exact.
    bits = rounded.view(torch.int32)
    up = torch.where(rounded >= 0, bits + 65_536, bits - 65_536).view(torch.float32)
    finite = torch.isfinite(up) & (rounded != exact)
    assert bool((up[finite] > exact[finite]).all())


def test_the_rest_of_a_vector_can_decide_the_most_similar_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Works x1 and x2 before q: q's leading coordinates are closer to x2's (0.9025 against
    0.874), but x1 shares the rest of q's vector and x2's rest is orthogonal to it, so x1
    is the most similar (0.924 against 0.9025). Screening the leading coordinates alone
    would leave x1 more than the screen's error below x2's exact similarity; the bound with
    the norm of the rest keeps it a candidate. (The projection is fixed to the first 31
    coordinates, so that every designed rest lies outside it.)"""
    rng = np.random.default_rng(12)
    pool, pool_day = _low_rank(2000, 12, 12, seed=13)
    head, rest = np.sqrt(0.95), np.sqrt(0.05)

    def unit(size: int) -> np.ndarray:
        vector = rng.normal(size=size)
        return vector / np.linalg.norm(vector)

    def at_cosine(u: np.ndarray, cosine: float) -> np.ndarray:
        other = unit(u.size)
        other -= (other @ u) * u
        return cosine * u + np.sqrt(1 - cosine**2) * other / np.linalg.norm(other)

    designed, days = [], []
    for k in range(20):
        u, tail = unit(12), unit(65)
        x1 = np.concatenate([head * at_cosine(u, 0.92), np.zeros(19), rest * tail])
        x2 = np.concatenate([head * at_cosine(u, 0.95), np.zeros(19), rest * at_cosine(tail, 0)])
        q = np.concatenate([head * u, np.zeros(19), rest * tail])
        designed += [x1, x2, q]
        days += [2000 + 2 * k, 2000 + 2 * k, 2001 + 2 * k]
    padded = np.concatenate([pool, np.zeros((len(pool), 84), np.float32)], axis=1)
    vectors = np.concatenate([padded, np.array(designed, dtype=np.float32)])
    day = np.concatenate([pool_day, np.array(days, dtype=np.float64)])
    fixed = screen_module._Projection(np.eye(96), 31)
    monkeypatch.setattr(screen_module._Projection, "of", classmethod(lambda cls, v: fixed))
    result = novelty(vectors, day, screen=True, project=True)
    np.testing.assert_allclose(result, _exact_novelty(vectors, day), atol=1e-12, rtol=0)
    np.testing.assert_allclose(result[2002::3], 1 - (0.95 * 0.92 + 0.05), atol=1e-6)


@pytest.mark.parametrize("fastest_head", [None, 63, 31])
def test_by_default_the_fastest_screen_is_kept(
    fastest_head: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole vectors, the projection `_Projection.of` picks (63 directions here) and
    the next narrower one (31) are timed on the latest works and the fastest is kept (on a
    clock that makes one of them faster); whichever it is, the values are the exact ones,
    and what was kept and why is said (score's summary prints it)."""
    vectors, day = _low_rank(1500, 160, 8, seed=15)
    pool = vectors[np.argsort(day, kind="stable")]
    basis = np.linalg.eigh(pool.T.astype(np.float64) @ pool)[1][:, ::-1].copy()
    picked = screen_module._Projection(basis, 63)
    monkeypatch.setattr(screen_module._Projection, "of", classmethod(lambda cls, v: picked))
    screen = screen_module.Screen
    clock = [0.0]
    timed: list[int | None] = []
    real_best_before = screen.best_before

    def best_before(
        self: screen_module.Screen, positions: np.ndarray, limits: np.ndarray
    ) -> np.ndarray:
        head = None if self.projection is None else self.projection.head
        timed.append(head)
        clock[0] += 1.0 if head == fastest_head else 2.0
        return real_best_before(self, positions, limits)

    monkeypatch.setattr(screen, "best_before", best_before)
    monkeypatch.setattr(screen_module, "perf_counter", lambda: clock[0])
    kept = screen.fastest(pool, None)
    assert (None if kept.projection is None else kept.projection.head) == fastest_head
    # twice slower the first time: not timed again
    assert timed == [None, 63, 31, fastest_head]
    seconds = {head: 1.0 if head == fastest_head else 2.0 for head in (None, 63, 31)}
    assert kept.described.endswith(
        f"the fastest on the latest 1,024 works: whole 160-d {seconds[None]:.2f} s, "
        f"64-d bound {seconds[63]:.2f} s, 32-d bound {seconds[31]:.2f} s"
    )
    told: list[str] = []
    result = novelty(vectors, day, screen=True, on_screen=told.append)
    np.testing.assert_allclose(result, _exact_novelty(vectors, day), atol=1e-12, rtol=0)
    assert told == [kept.described]
    assert told[0].startswith(
        "bfloat16 screen of the whole 160-d"
        if fastest_head is None
        else f"bfloat16 screen of a {fastest_head + 1}-d bound ({fastest_head} leading"
    )


@pytest.mark.parametrize("project", [False, True])
def test_every_screened_product_lies_within_its_error_bound(project: bool) -> None:
    """The bound the candidates rest on, checked pair by pair: each bfloat16 product of the
    screened forms lies within delta of the float64 product of the float32 screened forms
    (the bound's vectors with a projection, the vectors themselves without)."""
    vectors, _ = _low_rank(600, 64, 6, seed=21)
    vectors[:5] *= np.float32(0.25)  # short vectors among unit ones
    projection = screen_module._Projection.of(vectors) if project else None
    assert (projection is not None) is project
    screen = screen_module.Screen.build(vectors, [projection])[0]
    forms = vectors if projection is None else projection.bounding(projection.rotated(vectors))
    exact = forms.astype(np.float64) @ forms.astype(np.float64).T
    rounded = screen.screened[: len(vectors)]
    screened = (rounded @ rounded.T).float().numpy().astype(np.float64)
    delta = screen._delta(np.arange(len(vectors)))[:, None]
    assert np.all(np.abs(screened - exact) <= delta)
    assert float(np.max(delta)) < 0.05  # not vacuous


def test_projections_built_together_rotate_the_pool_once_and_equal_their_own_builds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vectors, _ = _low_rank(3000, 256, 40, seed=4)
    wide = screen_module._Projection.of(vectors)
    assert wide is not None and wide.narrower() is not None
    projections = [None, wide, wide.narrower()]
    alone = [screen_module.Screen.build(vectors, [p])[0] for p in projections]
    rotations = []
    rotate = screen_module._Projection.rotated

    def counted(self: screen_module._Projection, part: np.ndarray) -> np.ndarray:
        rotations.append(len(part))
        return rotate(self, part)

    monkeypatch.setattr(screen_module, "_PART", 1024)
    monkeypatch.setattr(screen_module._Projection, "rotated", counted)
    together = screen_module.Screen.build(vectors, projections)
    assert rotations == [1024, 1024, 952]  # each part once, for both projections
    for built, own in zip(together, alone, strict=True):
        assert built.projection is own.projection
        assert bool((built.screened.view(torch.int16) == own.screened.view(torch.int16)).all())
        np.testing.assert_array_equal(built.norms, own.norms)
        np.testing.assert_array_equal(built.residuals, own.residuals)
        assert (built.largest_norm, built.largest_residual) == (
            own.largest_norm,
            own.largest_residual,
        )


def test_the_narrower_projection_has_the_next_smaller_head() -> None:
    basis = np.eye(200)
    assert screen_module._Projection(basis, 127).narrower().head == 95  # type: ignore[union-attr]
    assert screen_module._Projection(basis, 63).narrower().head == 31  # type: ignore[union-attr]
    assert screen_module._Projection(basis, 31).narrower() is None


@pytest.mark.parametrize(("rows", "part"), [(256, 65_536), (5, 100)])
def test_works_unlike_every_earlier_work_are_computed_directly(
    rows: int, part: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tiles' maxima are exact only where positive (int16 order of the bfloat16 bits):
    works whose every earlier work points away from them (a simplex of early works, and a
    late work opposite to all the rest) get their negative maximum exactly, in the same
    block as works with a positive one, however many rows and pool rows at a time."""
    monkeypatch.setattr(screen_module, "_DIRECT", rows)
    monkeypatch.setattr(screen_module, "_PART", part)
    rng = np.random.default_rng(21)
    dim, tilt = 48, 0.1
    # 47 vertices of a regular simplex in the first 47 coordinates (pairwise cosine
    # -1/46), tilted a little towards the last one: still pairwise obtuse.
    simplex = np.eye(dim - 1) - 1 / (dim - 1)
    simplex = (
        np.linalg.qr(rng.normal(size=(dim - 1, dim - 1)))[0]
        @ (simplex / np.linalg.norm(simplex, axis=1, keepdims=True)).T
    )
    early = np.hstack([np.sqrt(1 - tilt**2) * simplex.T, np.full((dim - 1, 1), tilt)])
    later = rng.normal(size=(1000, dim))
    later[:, -1] = np.abs(later[:, -1])  # every one on the side of the last coordinate
    opposite = np.zeros((1, dim))
    opposite[0, -1] = -1.0
    vectors = np.vstack([early, later, opposite])
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    day = np.concatenate([np.arange(dim - 1), dim + np.arange(1000) // 3, [5000]]).astype(float)
    expected = _exact_novelty(vectors, day)
    assert np.sum(expected > 1) >= dim - 1  # every early work but the first, and the last
    result = novelty(vectors, day, screen=True, project=False)
    np.testing.assert_allclose(result, expected, atol=1e-12, rtol=0)


def test_a_maximum_within_the_rounding_of_zero_is_found() -> None:
    """Works nearly orthogonal to every earlier one: the most similar earlier work (a few
    1e-4, within the rounding of zero) may screen negative, alone in a tile of works
    pointing away (-0.085), where the int16 order of the bits cannot find it; the row's
    bound is not positive, so it is computed directly, exactly (computing directly only
    the rows screened nowhere positive fails this test)."""
    rng = np.random.default_rng(3)
    dim, queries, tiles = 128, 50, 40
    basis = np.linalg.qr(rng.normal(size=(dim, dim)))[0]
    inside, outside = basis[:, :queries], basis[:, queries:]  # the queries' span, the rest

    def rest(count: int) -> np.ndarray:
        part = rng.normal(size=(count, dim - queries)) @ outside.T
        return part / np.linalg.norm(part, axis=1, keepdims=True)

    away = -0.6 * inside.sum(axis=1) / np.sqrt(queries) + 0.8 * rest(tiles * 31)
    near_zero = rest(tiles) + 1e-4 * rng.normal(size=(tiles, queries)) @ inside.T
    earlier = np.insert(away, np.arange(tiles) * 31, near_zero, axis=0)  # one per tile
    vectors = np.vstack([earlier, inside.T])
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    day = np.concatenate([np.arange(len(earlier)), np.full(queries, 10_000)]).astype(float)
    expected = _exact_novelty(vectors, day)
    assert np.all(np.abs(1 - expected[-queries:]) < 0.01)
    result = novelty(vectors, day, screen=True, project=False)
    np.testing.assert_allclose(result, expected, atol=1e-12, rtol=0)

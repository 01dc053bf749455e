"""Novelty (1 - max cosine to an earlier work) and cohort percentiles against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from paperscope.metrics import novelty as novelty_module
from paperscope.metrics.impact import citations_before, target_encoding
from paperscope.metrics.novelty import cohort_percentiles, novelty


def _brute_novelty(vectors: np.ndarray, day: np.ndarray) -> np.ndarray:
    out = np.full(len(day), np.nan)
    for i in range(len(day)):
        earlier = [j for j in range(len(day)) if day[j] < day[i]]
        if earlier and not np.isnan(day[i]):
            out[i] = 1 - max(float(vectors[i] @ vectors[j]) for j in earlier)
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=30), st.integers(min_value=0, max_value=10_000))
def test_novelty_matches_brute_force_dense_and_sparse(size: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(size, 5)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    day = rng.integers(0, 6, size=size).astype(np.float64)
    day[rng.random(size) < 0.1] = np.nan
    expected = _brute_novelty(vectors, day)
    np.testing.assert_allclose(novelty(vectors, day), expected, atol=1e-5)
    np.testing.assert_allclose(novelty(vectors, day, screen=True), expected, atol=1e-5)
    np.testing.assert_allclose(novelty(vectors, day, screen=False), expected, atol=1e-5)
    np.testing.assert_allclose(novelty(sparse.csr_matrix(vectors), day), expected, atol=1e-5)
    queries = np.arange(0, size, 2)
    np.testing.assert_allclose(novelty(vectors, day, queries), expected[queries], atol=1e-5)


@pytest.mark.parametrize("cells", [1, 7, 50])
def test_a_similarity_budget_shortens_blocks_not_values(
    cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Late blocks are cut to `_CELLS` similarities (a million works would otherwise hold
    1,024 x 1M of them at once); every work still gets its exact novelty."""
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(60, 5)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    day = rng.integers(0, 20, size=60).astype(np.float64)
    expected = _brute_novelty(vectors, day)
    widest: list[int] = []
    real_best = novelty_module._best_before

    def best_before(similarity: np.ndarray, limits: np.ndarray) -> np.ndarray:
        widest.append(similarity.size)
        return real_best(similarity, limits)

    monkeypatch.setattr(novelty_module, "_CELLS", cells)
    monkeypatch.setattr(novelty_module, "_best_before", best_before)
    np.testing.assert_allclose(novelty(vectors, day, screen=False), expected, atol=1e-5)
    np.testing.assert_allclose(novelty(vectors, day, screen=True), expected, atol=1e-5)
    # A block holds one row when even one row's earlier works exceed the budget.
    assert max(widest) <= max(cells, 60)
    assert len(widest) > 1


def test_a_copy_of_an_earlier_work_has_no_novelty() -> None:
    vectors = np.eye(3, dtype=np.float32)[[0, 1, 0]]
    result = novelty(vectors, np.array([1.0, 2.0, 3.0]))
    assert np.isnan(result[0])
    assert result[1] == 1.0
    assert result[2] == 0.0


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 5)), min_size=1, max_size=40))
def test_cohort_percentiles_are_mid_ranks(rows: list[tuple[str, int]]) -> None:
    cohorts = np.array([c for c, _ in rows], dtype=object)
    values = np.array([v for _, v in rows], dtype=np.float64)
    result = cohort_percentiles(values, cohorts)
    for i, (cohort, value) in enumerate(rows):
        peers = [v for c, v in rows if c == cohort]
        below = sum(v < value for v in peers)
        equal = sum(v == value for v in peers)
        assert abs(result[i] - 100 * (below + 0.5 * equal) / len(peers)) < 1e-9
        assert 0 < result[i] < 100 or len(peers) == 1


def test_citations_before_counts_only_earlier_citing_works() -> None:
    year = np.array([2000.0, 2001.0, 2002.0, 2003.0])
    counts = citations_before(year, np.array([1, 2, 3]), np.array([0, 0, 0]))
    assert counts(2002.0)[0] == 1
    assert counts(2004.0)[0] == 3


def test_target_encoding_leaves_training_rows_out() -> None:
    groups = np.array(["a", "a", "b"], dtype=object)
    labels = np.array([1.0, 3.0, 0.0])
    train = np.array([True, True, False])
    encoded = target_encoding(groups, labels, train)
    prior = 2.0
    assert encoded[0] == (3.0 + 10 * prior) / 11
    assert encoded[2] == prior

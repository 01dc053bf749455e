"""Pairwise and B-cubed scores on small hand-checked examples."""

from __future__ import annotations

import pytest

from paperscope.identity.evaluation import bcubed_prf, pair_counts, pairwise_prf, score


def test_perfect_clustering_scores_one() -> None:
    s = score(["a", "a", "b"], [5, 5, 7])
    assert (s.pairwise_f1, s.bcubed_f1) == (1.0, 1.0)


def test_one_cluster_for_everything() -> None:
    truth = ["a", "a", "b", "b"]
    counts = pair_counts(truth, [0, 0, 0, 0])
    assert (counts.true_positive, counts.predicted, counts.actual) == (2, 6, 2)
    precision, recall, f1 = pairwise_prf(counts)
    assert precision == pytest.approx(1 / 3)
    assert recall == 1.0
    assert f1 == pytest.approx(0.5)
    b_precision, b_recall, _ = bcubed_prf(truth, [0, 0, 0, 0])
    assert (b_precision, b_recall) == (0.5, 1.0)


def test_singletons_have_no_predicted_pairs() -> None:
    precision, recall, f1 = pairwise_prf(pair_counts(["a", "a", "b"], [0, 1, 2]))
    assert (precision, recall, f1) == (1.0, 0.0, 0.0)
    b_precision, b_recall, _ = bcubed_prf(["a", "a", "b"], [0, 1, 2])
    assert b_precision == 1.0
    assert b_recall == pytest.approx((0.5 + 0.5 + 1) / 3)

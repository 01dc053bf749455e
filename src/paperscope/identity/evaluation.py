"""Scores of a clustering against true labels: pairwise and B-cubed precision, recall, F1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall and F1, pairwise and B-cubed, for one name (or summed, for micro)."""

    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float


@dataclass(frozen=True, slots=True)
class PairCounts:
    """The counts behind pairwise scores, summed over names for micro averages."""

    true_positive: int
    predicted: int
    actual: int


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _pairs(labels: Sequence[object]) -> int:
    return sum(k * (k - 1) // 2 for k in Counter(labels).values())


def pair_counts(truth: Sequence[object], predicted: Sequence[object]) -> PairCounts:
    """Same-person pairs: predicted together and truly together, predicted, truly."""
    both = _pairs(list(zip(truth, predicted, strict=True)))
    return PairCounts(both, _pairs(predicted), _pairs(truth))


def pairwise_prf(counts: PairCounts) -> tuple[float, float, float]:
    """Precision and recall of same-person pairs; an empty side scores 1 (nothing to get wrong)."""
    precision = counts.true_positive / counts.predicted if counts.predicted else 1.0
    recall = counts.true_positive / counts.actual if counts.actual else 1.0
    return precision, recall, _f1(precision, recall)


def bcubed_prf(truth: Sequence[object], predicted: Sequence[object]) -> tuple[float, float, float]:
    """B-cubed: per item, the share of its predicted cluster that is truly its (precision)
    and the share of its true cluster that was predicted with it (recall), averaged."""
    n = len(truth)
    if n == 0:
        return 1.0, 1.0, 1.0
    joint = Counter(zip(truth, predicted, strict=True))
    true_size = Counter(truth)
    predicted_size = Counter(predicted)
    precision = sum(
        joint[(t, p)] / predicted_size[p] for t, p in zip(truth, predicted, strict=True)
    )
    recall = sum(joint[(t, p)] / true_size[t] for t, p in zip(truth, predicted, strict=True))
    return precision / n, recall / n, _f1(precision / n, recall / n)


def score(truth: Sequence[object], predicted: Sequence[object]) -> Scores:
    pp, pr, pf = pairwise_prf(pair_counts(truth, predicted))
    bp, br, bf = bcubed_prf(truth, predicted)
    return Scores(pp, pr, pf, bp, br, bf)

"""The impact model behind the AI score (docs/metrics.md), as pure functions over arrays.

Features of a work: its text vector (reduced to a few components), its venue and category
(each encoded as the mean training label of works sharing it, smoothed), the number of
authors, its authors' prior record (largest and mean h-index, largest paper and citation
counts over works published before it), and whether code is known. The target is
log(1 + citations) of works old enough for citations to speak. The estimator is scikit-learn's
HistGradientBoostingRegressor. `bench/impact.py` validates exactly these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.metrics.grouped import grouped_indices

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]

SMOOTHING = 10.0
MIN_TRAINING_WORKS = 30
TRAINING_YEARS = 10
"""The model learns from the most recent years of works old enough to have citations:
citation habits drift as a field grows (AAN's citations per paper grew tenfold)."""
# Impact can only grow with venue, category, prior record, code and text signal; the number
# of authors is left free. Constraining the trees so steadies them on noisy labels
# (bench/impact.py: +0.03 to +0.15 Spearman over unconstrained boosting).
MONOTONE = (1, 1, 0, 1, 1, 1, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    """Per work: its authors' record before it was published."""

    h_max: FloatArray
    h_mean: FloatArray
    papers_max: FloatArray
    citations_max: FloatArray


def citations_before(
    year: FloatArray, citing: IntArray, cited: IntArray, fallback: IntArray | None = None
) -> Callable[[float], IntArray]:
    """Per-work citation counts as known at the start of a year: citing works of earlier
    years. `fallback` (reported counts, which have no dates) is used for works that no stored
    work cites."""
    citing_year = year[citing]
    cited_at_all = np.bincount(cited, minlength=year.size) > 0

    def counts(this_year: float) -> IntArray:
        before = citing_year < this_year
        found = np.bincount(cited[before], minlength=year.size).astype(np.int64)
        if fallback is None:
            return found
        return np.where(cited_at_all, found, np.maximum(fallback, 0))

    return counts


def prior_author_record(
    year: FloatArray,
    citations: Callable[[float], IntArray],
    person_of_row: IntArray,
    work_of_row: IntArray,
    people: int,
) -> AuthorRecord:
    """For each work, its authors' h-index etc. over their works of strictly earlier years,
    with citations as known at the start of the work's year (`citations(year)`)."""
    size = year.size
    h_max, h_mean = np.zeros(size), np.zeros(size)
    papers_max, citations_max = np.zeros(size), np.zeros(size)
    row_year = year[work_of_row]
    for this_year in np.unique(year[~np.isnan(year)]):
        before = row_year < this_year
        known = citations(float(this_year))
        stats = grouped_indices(person_of_row[before], known[work_of_row[before]], people)
        now = np.flatnonzero(row_year == this_year)
        works, persons = work_of_row[now], person_of_row[now]
        np.maximum.at(h_max, works, stats.h_index[persons])
        np.maximum.at(papers_max, works, stats.papers[persons])
        np.maximum.at(citations_max, works, stats.citations[persons])
        sums = np.bincount(works, weights=stats.h_index[persons], minlength=size)
        counts = np.bincount(works, minlength=size)
        mask = (year == this_year) & (counts > 0)
        h_mean[mask] = sums[mask] / counts[mask]
    return AuthorRecord(h_max, h_mean, papers_max, citations_max)


def target_encoding(
    groups: ObjectArray, labels: FloatArray, train: npt.NDArray[np.bool_]
) -> FloatArray:
    """Smoothed mean training label of each row's group; training rows leave themselves out."""
    names, codes = np.unique(groups.astype(str), return_inverse=True)
    prior = float(labels[train].mean()) if train.any() else 0.0
    sums = np.bincount(codes[train], weights=labels[train], minlength=names.size)
    counts = np.bincount(codes[train], minlength=names.size).astype(np.float64)
    own_sum = np.where(train, labels, 0.0)
    own_count = train.astype(np.float64)
    group_sum = sums[codes] - own_sum
    group_count = counts[codes] - own_count
    encoded = (group_sum + SMOOTHING * prior) / (group_count + SMOOTHING)
    empty = np.array([not name for name in names])[codes]
    return np.where(empty, prior, encoded)


@dataclass(frozen=True, slots=True)
class ImpactInputs:
    text: FloatArray
    """What the text predicts (`text_signal`)."""
    venue: ObjectArray
    category: ObjectArray
    author_count: IntArray
    authors: AuthorRecord
    has_code: npt.NDArray[np.bool_]


def text_signal(
    vectors: Any, labels: FloatArray, train: npt.NDArray[np.bool_], folds: int = 5
) -> FloatArray:
    """What the text alone predicts: a ridge regression of the label on the text vectors.

    Training rows get out-of-fold predictions (their own label never informs their feature);
    other rows get the prediction of a model fitted on every training row.
    """
    from sklearn.linear_model import Ridge

    result = np.zeros(labels.size)
    rows = np.flatnonzero(train)
    if rows.size < max(folds, MIN_TRAINING_WORKS):
        return result
    fold_of = np.arange(rows.size) % folds
    for fold in range(folds):
        held, kept = rows[fold_of == fold], rows[fold_of != fold]
        model = Ridge(alpha=3.0).fit(vectors[kept], labels[kept])
        result[held] = model.predict(vectors[held])
    others = np.flatnonzero(~train)
    if others.size:
        model = Ridge(alpha=3.0).fit(vectors[rows], labels[rows])
        result[others] = model.predict(vectors[others])
    return result


def feature_matrix(
    inputs: ImpactInputs, labels: FloatArray, train: npt.NDArray[np.bool_]
) -> FloatArray:
    columns = [
        target_encoding(inputs.venue, labels, train),
        target_encoding(inputs.category, labels, train),
        inputs.author_count.astype(np.float64),
        inputs.authors.h_max,
        inputs.authors.h_mean,
        np.log1p(inputs.authors.papers_max),
        np.log1p(inputs.authors.citations_max),
        inputs.has_code.astype(np.float64),
    ]
    return np.column_stack([*columns, inputs.text])


def fit_predict(
    features: FloatArray, labels: FloatArray, train: npt.NDArray[np.bool_], predict: IntArray
) -> FloatArray | None:
    """Train on `train` rows, predict log(1 + citations) for `predict` rows (None: too few).

    `features` are `feature_matrix` columns (the monotone constraints follow their order)."""
    if int(train.sum()) < MIN_TRAINING_WORKS or np.ptp(labels[train]) == 0:
        return None
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    model = HistGradientBoostingRegressor(
        max_iter=150,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        monotonic_cst=list(MONOTONE),
        random_state=0,
    )
    # One OpenMP thread: on a shared 2-core machine more threads spin and run 15x slower.
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(features[train], labels[train])
        return np.asarray(model.predict(features[predict]), dtype=np.float64)

"""The pairwise model: P(two signatures are one person | their evidence).

A scikit-learn HistGradientBoostingClassifier (S2AND uses LightGBM; it is not installed
here) trained on labelled pairs. The shipped model is trained at first use, deterministically,
from `data/pairs.csv.gz`: numeric feature rows and same-person labels derived from the AMiner
dev names by `bench/disambiguation.py --export-training` (no text, names or ids, so nothing of
the licensed data set itself is redistributed). Without that file a transparent hand-set
logistic rule stands in (`HandSetModel`); docs/people.md explains both.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from paperscope.identity.features import FEATURE_NAMES
from paperscope.identity.merge import GROUP_FEATURES, GroupModel

DATA_DIR = Path(__file__).parent / "data"
TRAINING_PAIRS = DATA_DIR / "pairs.csv.gz"
TRAINING_GROUPS = DATA_DIR / "groups.csv.gz"
TRAINING_META = DATA_DIR / "pairs.json"
DEFAULT_THRESHOLD = 0.5

# +1: more of it can only raise the probability; -1: only lower it; 0: free.
_MONOTONE = {
    "given_agreement": 1,
    "same_printed_name": 0,
    "shared_coauthors": 1,
    "coauthor_jaccard": 1,
    "fewer_coauthors": 0,
    "same_venue": 1,
    "venue_cosine": 1,
    "title_cosine": 1,
    "abstract_cosine": 1,
    "category_jaccard": 1,
    "affiliation_cosine": 1,
    "year_gap": -1,
    "self_citation": 1,
    "same_source_id": 1,
    "coauthor_of_coauthor": 1,
    "common_cjk_surname": 0,
    "topic_cosine": 1,
}
_GROUP_MONOTONE = {
    "smaller_size": 0,
    "larger_size": 0,
    "best_link": 1,
    "mean_link": 1,
    "shared_coauthors": 1,
    "coauthor_cosine": 1,
    "second_order_cosine": 1,
    "shared_venues": 1,
    "venue_cosine": 1,
    "venue_word_cosine": 1,
    "title_cosine": 1,
    "affiliation_cosine": 1,
    "year_gap": -1,
    "block_size": 0,
    "topic_cosine": 1,
    "fragments": 0,
}


class PairwiseModel(Protocol):
    @property
    def threshold(self) -> float: ...

    @property
    def description(self) -> str: ...

    @property
    def linkage(self) -> str: ...

    @property
    def groups(self) -> GroupModel | None:
        """The second pass's model (`identity.merge`), or None: no second pass."""
        ...

    def probabilities(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """Same-person probabilities for rows of FEATURE_NAMES (any leading shape)."""
        ...


@dataclass(frozen=True, slots=True)
class BoostedModel:
    """A trained gradient-boosted classifier and its clustering threshold."""

    classifier: Any
    threshold: float
    description: str
    columns: tuple[int, ...]
    """The features it was trained on: those the training data ever knew (not all NaN)."""
    linkage: str = "average"
    groups: GroupModel | None = None

    def probabilities(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        shape = features.shape[:-1]
        flat = features.reshape(-1, features.shape[-1])
        if flat.shape[0] == 0:
            return np.zeros(shape)
        with _one_thread():
            out = self.classifier.predict_proba(flat[:, list(self.columns)])[:, 1]
        out[flat[:, 0] == 0] = 0.0  # conflicting given names are never one person
        return np.asarray(out.reshape(shape), dtype=float)


@dataclass(frozen=True, slots=True)
class HandSetModel:
    """A logistic rule with weights set by hand, for when no training data is available."""

    threshold: float = 0.5
    description: str = "hand-set logistic rule (no training data found)"
    linkage: str = "average"
    groups: GroupModel | None = None

    def probabilities(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        f = {name: np.nan_to_num(features[..., k]) for k, name in enumerate(FEATURE_NAMES)}
        z = (
            -2.5
            + 2.5 * np.minimum(f["shared_coauthors"], 2)
            + 3.0 * f["title_cosine"]
            + 2.0 * f["abstract_cosine"]
            + 1.0 * f["same_venue"]
            + 1.5 * f["affiliation_cosine"]
            + 1.0 * f["category_jaccard"]
            + 3.0 * f["self_citation"]
            + 4.0 * f["same_source_id"]
            + 2.0 * f["coauthor_of_coauthor"]
            + 0.5 * (f["given_agreement"] == 2)
            - 0.08 * f["year_gap"]
        )
        p = 1.0 / (1.0 + np.exp(-z))
        return np.where(features[..., 0] == 0, 0.0, p)


def _one_thread() -> Any:
    """OpenMP limited to one thread: on a shared 2-core machine, two spinning threads made
    training and prediction many times slower, never faster."""
    return _threadpools().limit(limits=1, user_api="openmp")


@lru_cache(maxsize=1)
def _threadpools() -> Any:
    """Finding the loaded thread pools scans the process's libraries: done once."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _fit(
    features: NDArray[np.float64],
    labels: NDArray[np.int_],
    monotone: dict[str, int],
    names: tuple[str, ...],
    weights: NDArray[np.float64] | None = None,
    rounds: int = 80,
) -> tuple[Any, tuple[int, ...]]:
    """A deterministic gradient-boosted classifier (fixed seed, no early stopping) over the
    columns the training data ever knew (not all NaN)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    columns = tuple(int(k) for k in np.flatnonzero(~np.isnan(features).all(axis=0)))
    classifier = HistGradientBoostingClassifier(
        max_iter=rounds,
        learning_rate=0.12,
        max_leaf_nodes=31,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        monotonic_cst=[monotone[names[k]] for k in columns],
        random_state=0,
    )
    with _one_thread():
        classifier.fit(features[:, list(columns)], labels, sample_weight=weights)
    return classifier, columns


def _with_and_without_topics(
    features: NDArray[np.float64],
    labels: NDArray[np.int_],
    weights: NDArray[np.float64] | None,
    names: tuple[str, ...],
) -> tuple[NDArray[np.float64], NDArray[np.int_], NDArray[np.float64] | None]:
    """Every row once more with the title-embedding feature unknown: the model learns the
    case of a database without embeddings (`identity_topics = none`), and the rows with them
    keep all they say."""
    without = features.copy()
    without[:, names.index("topic_cosine")] = np.nan
    doubled = None if weights is None else np.tile(weights, 2)
    return np.vstack([features, without]), np.tile(labels, 2), doubled


def train(
    features: NDArray[np.float64],
    labels: NDArray[np.int_],
    threshold: float = DEFAULT_THRESHOLD,
    description: str = "gradient-boosted pairwise model",
    linkage: str = "average",
    groups: GroupModel | None = None,
) -> BoostedModel:
    """Fit the pairwise classifier on pair rows (FEATURE_NAMES), each also without its
    title-embedding feature (see `_with_and_without_topics`)."""
    rows, same, _ = _with_and_without_topics(features, labels, None, FEATURE_NAMES)
    classifier, columns = _fit(rows, same, _MONOTONE, FEATURE_NAMES)
    return BoostedModel(classifier, threshold, description, columns, linkage, groups)


@dataclass(frozen=True, slots=True)
class BoostedGroupModel:
    """The second pass's classifier over rows of GROUP_FEATURES, and its merge threshold."""

    classifier: Any
    threshold: float
    columns: tuple[int, ...]

    def probabilities(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        if features.shape[0] == 0:
            return np.zeros(0)
        with _one_thread():
            out = self.classifier.predict_proba(features[:, list(self.columns)])[:, 1]
        return np.asarray(out, dtype=float)


def train_groups(
    features: NDArray[np.float64],
    labels: NDArray[np.int_],
    weights: NDArray[np.float64] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> BoostedGroupModel:
    """Fit the second pass's classifier on group-pair rows (GROUP_FEATURES); `weights`
    let every training name count alike, however many groups it has."""
    rows, same, weights = _with_and_without_topics(features, labels, weights, GROUP_FEATURES)
    classifier, columns = _fit(rows, same, _GROUP_MONOTONE, GROUP_FEATURES, weights, rounds=150)
    return BoostedGroupModel(classifier, threshold, columns)


def save_training_rows(
    path: Path,
    names: tuple[str, ...],
    features: NDArray[np.float64],
    labels: NDArray[np.int_],
    weights: NDArray[np.float64] | None = None,
) -> None:
    """Write rows as gzipped CSV: a header of `names`, then label (and weight) columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = ["label"] + ([] if weights is None else ["weight"])
    with gzip.open(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*names, *extra])
        for k, (row, label) in enumerate(zip(features, labels, strict=True)):
            tail = [int(label)] + ([] if weights is None else [f"{weights[k]:.6g}"])
            writer.writerow([*("" if np.isnan(v) else f"{v:.4g}" for v in row), *tail])


def load_training_rows(
    path: Path, names: tuple[str, ...]
) -> tuple[NDArray[np.float64], NDArray[np.int_], NDArray[np.float64] | None]:
    """Features, labels and weights (None when the file has none) written by
    `save_training_rows` with the same column names."""
    with gzip.open(path, "rt", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header[: len(names)] != list(names):
            raise ValueError(f"{path}: its columns are not this version's features")
        weighted = header[-1] == "weight"
        rows = [[float(v) if v else np.nan for v in line] for line in reader]
    table = np.array(rows, dtype=float).reshape(-1, len(header))
    weights = table[:, -1] if weighted else None
    label_column = len(names)
    return table[:, : len(names)], table[:, label_column].astype(int), weights


@lru_cache(maxsize=1)
def default_model() -> PairwiseModel:
    """The packaged model (trained on first use, about a second), else the hand-set rule."""
    if not TRAINING_PAIRS.is_file():
        return HandSetModel()
    features, labels, _ = load_training_rows(TRAINING_PAIRS, FEATURE_NAMES)
    meta = json.loads(TRAINING_META.read_text()) if TRAINING_META.is_file() else {}
    threshold = float(meta.get("threshold", DEFAULT_THRESHOLD))
    linkage = str(meta.get("linkage", "average"))
    groups: GroupModel | None = None
    second = meta.get("group_threshold")
    if second is not None and TRAINING_GROUPS.is_file():
        rows, same, weights = load_training_rows(TRAINING_GROUPS, GROUP_FEATURES)
        groups = train_groups(rows, same, weights, float(second))
    description = (
        f"gradient-boosted pairwise model trained on {len(labels)} packaged pairs "
        f"({meta.get('source', 'unknown source')}), {linkage} linkage, threshold {threshold:.2f}, "
        f"second pass {'off' if groups is None else f'at {groups.threshold:.2f}'}"
    )
    return train(features, labels, threshold, description, linkage, groups)

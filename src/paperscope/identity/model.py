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

DATA_DIR = Path(__file__).parent / "data"
TRAINING_PAIRS = DATA_DIR / "pairs.csv.gz"
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
}


class PairwiseModel(Protocol):
    @property
    def threshold(self) -> float: ...

    @property
    def description(self) -> str: ...

    @property
    def linkage(self) -> str: ...

    @property
    def regroup(self) -> float | None: ...

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
    regroup: float | None = None
    """Threshold of the cluster-level second pass (`identity.regroup`), or None: no pass."""

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
    regroup: float | None = None

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
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def train(
    features: NDArray[np.float64],
    labels: NDArray[np.int_],
    threshold: float = DEFAULT_THRESHOLD,
    description: str = "gradient-boosted pairwise model",
    linkage: str = "average",
    regroup: float | None = None,
) -> BoostedModel:
    """Fit the classifier on pair rows; deterministic (fixed seed, no early stopping)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    columns = tuple(int(k) for k in np.flatnonzero(~np.isnan(features).all(axis=0)))
    classifier = HistGradientBoostingClassifier(
        max_iter=80,
        learning_rate=0.12,
        max_leaf_nodes=31,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        monotonic_cst=[_MONOTONE[FEATURE_NAMES[k]] for k in columns],
        random_state=0,
    )
    with _one_thread():
        classifier.fit(features[:, list(columns)], labels)
    return BoostedModel(classifier, threshold, description, columns, linkage, regroup)


def save_training_pairs(
    path: Path, features: NDArray[np.float64], labels: NDArray[np.int_], meta: dict[str, Any]
) -> None:
    """Write pair rows as gzipped CSV (header = FEATURE_NAMES + label) and metadata beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*FEATURE_NAMES, "label"])
        for row, label in zip(features, labels, strict=True):
            writer.writerow([*("" if np.isnan(v) else f"{v:.4g}" for v in row), int(label)])
    path.with_suffix("").with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")


def load_training_pairs(path: Path) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    with gzip.open(path, "rt", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header[:-1] != list(FEATURE_NAMES):
            raise ValueError(f"{path}: its columns are not this version's features")
        rows = [[float(v) if v else np.nan for v in line[:-1]] + [int(line[-1])] for line in reader]
    table = np.array(rows, dtype=float)
    return table[:, :-1], table[:, -1].astype(int)


@lru_cache(maxsize=1)
def default_model() -> PairwiseModel:
    """The packaged model (trained on first use, about a second), else the hand-set rule."""
    if not TRAINING_PAIRS.is_file():
        return HandSetModel()
    features, labels = load_training_pairs(TRAINING_PAIRS)
    meta = json.loads(TRAINING_META.read_text()) if TRAINING_META.is_file() else {}
    threshold = float(meta.get("threshold", DEFAULT_THRESHOLD))
    linkage = str(meta.get("linkage", "average"))
    second = meta.get("regroup_threshold")
    regroup = None if second is None else float(second)
    description = (
        f"gradient-boosted pairwise model trained on {len(labels)} packaged pairs "
        f"({meta.get('source', 'unknown source')}), {linkage} linkage, threshold {threshold:.2f}, "
        f"second pass {'off' if regroup is None else f'{regroup:.2f}'}"
    )
    return train(features, labels, threshold, description, linkage, regroup)

"""The pairwise model: P(two signatures are one person | their evidence).

A scikit-learn HistGradientBoostingClassifier (S2AND uses LightGBM; it is not installed
here) trained on labelled pairs. The shipped model is trained at first use, deterministically,
and kept in the deployment's `models/identity/` folder for the runs after it (`default_model`),
from `data/pairs.csv.gz`: numeric feature rows and same-person labels derived from the AMiner
dev names by `bench/disambiguation.py --export-training` (no text, names or ids, so nothing of
the licensed data set itself is redistributed). Without that file a transparent hand-set
logistic rule stands in (`HandSetModel`); docs/people.md explains both.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import pickle
import sys
import tempfile
from collections.abc import Sequence
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
    forest: Forest
    """The classifier's trees, scored the same but faster (`Forest`)."""
    threshold: float
    description: str
    columns: tuple[int, ...]
    """The features it was trained on: those the training data ever knew (not all NaN)."""
    linkage: str = "average"
    groups: GroupModel | None = None

    def probabilities(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        shape = features.shape[:-1]
        flat = features.reshape(-1, features.shape[-1])
        out = np.zeros(flat.shape[0])
        # Conflicting given names are never one person: 0 without scoring (a third of the
        # pairs of a large block).
        compatible = flat[:, 0] != 0
        if compatible.any():
            out[compatible] = self.forest.probabilities(flat[compatible])
        return out.reshape(shape)


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


_FOREST_ROWS = 4096
"""Rows scored at once by `Forest` (bounds its working arrays: rows x trees)."""
_DE_BRUIJN = {(1 << bit) % 37: bit for bit in range(32)}
_LOWEST_BIT = np.array([_DE_BRUIJN.get(r, 0) for r in range(37)], dtype=np.intp)
"""Bit index of a power of two from its remainder mod 37 (distinct for 2^0..2^31)."""


@dataclass(frozen=True, slots=True)
class Forest:
    """A fitted `HistGradientBoostingClassifier`'s trees, scored for many rows at once with
    numpy by the bit-vector method of QuickScorer (Lucchese et al., SIGIR 2015).

    A tree's leaves are numbered left to right, one bit each. A split node whose test is
    false for a row (the row goes right) rules out every leaf of its left subtree; the row's
    leaf is the leftmost leaf no false node ruled out. Per feature, the nodes that test it
    are sorted by threshold, so the false ones for a value are a prefix (thresholds below it),
    and the AND of their masks is looked up in a table. Per row, one lookup per feature and
    tree replaces a walk down every tree.

    The same leaves as scikit-learn's predictor, so the same numbers bit for bit: a row goes
    left when its value is <= the threshold, or when it is missing and the node sends missing
    values left; the leaf values are added to the baseline in tree order (a cumulative sum)
    and turned into a probability by the classifier's own link. It has no per-tree call, no
    input validation and fewer steps per row: about a fifth of `predict_proba`'s time on the
    pair rows of a large block, a tenth or less on a few rows.
    """

    features: tuple[int, ...]
    """The columns (of the caller's rows) some node tests."""
    thresholds: tuple[NDArray[np.float64], ...]
    """Per tested column: the thresholds of the nodes testing it, ascending."""
    prefixes: tuple[NDArray[np.uint32], ...]
    """Per tested column: row k holds, per tree, the leaves left possible once the first k of
    those nodes are false."""
    missing: tuple[NDArray[np.uint32], ...]
    """Per tested column: per tree, the leaves left possible when the value is missing."""
    values: NDArray[np.float64]
    """Leaf values, trees x 32 (by leaf number)."""
    baseline: float
    loss: Any

    @classmethod
    def of(cls, classifier: Any, columns: Sequence[int]) -> Forest:
        """The trees of a binary classifier fitted on `columns` of the rows it will score."""
        trees = [predictor.nodes for (predictor,) in classifier._predictors]
        values = np.zeros((len(trees), 32))
        tests: dict[int, list[tuple[float, int, int, bool]]] = {}
        for t, nodes in enumerate(trees):
            if nodes["is_categorical"].any() or nodes["is_leaf"].sum() > 32:
                raise ValueError("only numeric trees of at most 32 leaves are supported")
            number, first, last = _leaf_numbers(nodes)
            values[t, : len(number)] = [nodes["value"][node] for node in number]
            for node in np.flatnonzero(~nodes["is_leaf"].astype(bool)):
                left = int(nodes["left"][node])
                mask = ~(((1 << (last[left] + 1)) - 1) ^ ((1 << first[left]) - 1)) & 0xFFFFFFFF
                column = int(columns[int(nodes["feature_idx"][node])])
                threshold = float(nodes["num_threshold"][node])
                missing_left = bool(nodes["missing_go_to_left"][node])
                tests.setdefault(column, []).append((threshold, t, mask, missing_left))
        features = tuple(sorted(tests))
        thresholds, prefixes, missing = [], [], []
        for column in features:
            found = sorted(tests[column], key=lambda test: test[0])
            table = np.full((len(found) + 1, len(trees)), 0xFFFFFFFF, dtype=np.uint32)
            lost = np.full(len(trees), 0xFFFFFFFF, dtype=np.uint32)
            for k, (_, t, mask, missing_left) in enumerate(found):
                table[k + 1] = table[k]
                table[k + 1, t] &= mask
                if not missing_left:
                    lost[t] &= mask
            thresholds.append(np.array([test[0] for test in found]))
            prefixes.append(table)
            missing.append(lost)
        baseline = float(np.asarray(classifier._baseline_prediction).ravel()[0])
        return cls(
            features, tuple(thresholds), tuple(prefixes), tuple(missing), values, baseline,
            classifier._loss,
        )  # fmt: skip

    def probabilities(self, rows: NDArray[np.float64]) -> NDArray[np.float64]:
        """P(class 1) for each row (2-D, float64), as `predict_proba(...)[:, 1]` gives it."""
        raw = np.empty(rows.shape[0])
        for start in range(0, rows.shape[0], _FOREST_ROWS):
            raw[start : start + _FOREST_ROWS] = self._raw(rows[start : start + _FOREST_ROWS])
        return np.asarray(self.loss.predict_proba(raw)[:, 1], dtype=float)

    def _raw(self, rows: NDArray[np.float64]) -> NDArray[np.float64]:
        n, trees = rows.shape[0], self.values.shape[0]
        possible = np.full((n, trees), 0xFFFFFFFF, dtype=np.uint32)
        for k, column in enumerate(self.features):
            data = rows[:, column]
            left_possible = self.prefixes[k][np.searchsorted(self.thresholds[k], data)]
            unknown = np.isnan(data)
            if unknown.any():
                left_possible[unknown] = self.missing[k]
            possible &= left_possible
        lowest = possible & (~possible + np.uint32(1))
        leaf = _LOWEST_BIT[lowest % 37]
        total = np.empty((n, trees + 1))
        total[:, 0] = self.baseline
        total[:, 1:] = self.values[np.arange(trees), leaf]
        return np.asarray(np.cumsum(total, axis=1)[:, -1], dtype=float)


def _leaf_numbers(nodes: Any) -> tuple[list[int], dict[int, int], dict[int, int]]:
    """A tree's leaves from left to right, and per node its first and last leaf number."""
    order: list[int] = []
    first: dict[int, int] = {}
    last: dict[int, int] = {}

    def visit(node: int) -> None:
        first[node] = len(order)
        if nodes["is_leaf"][node]:
            order.append(node)
        else:
            visit(int(nodes["left"][node]))
            visit(int(nodes["right"][node]))
        last[node] = len(order) - 1

    visit(0)
    return order, first, last


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
    forest = Forest.of(classifier, columns)
    return BoostedModel(classifier, forest, threshold, description, columns, linkage, groups)


@dataclass(frozen=True, slots=True)
class BoostedGroupModel:
    """The second pass's classifier over rows of GROUP_FEATURES, and its merge threshold."""

    classifier: Any
    forest: Forest
    """The classifier's trees, scored the same but faster (`Forest`)."""
    threshold: float
    columns: tuple[int, ...]

    def probabilities(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        if features.shape[0] == 0:
            return np.zeros(0)
        return self.forest.probabilities(features)


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
    return BoostedGroupModel(classifier, Forest.of(classifier, columns), threshold, columns)


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


MODEL_CACHE_DIR = "identity"
"""Under a deployment's models folder: the trained packaged model, reused by later runs."""


@lru_cache(maxsize=4)
def default_model(cache_dir: Path | None = None) -> PairwiseModel:
    """The packaged model, else the hand-set rule. Training takes ~12 s here, so with a
    `cache_dir` (the resolve stage passes its data folder's `models/`) the trained model is
    kept there and reused while nothing it was trained from changed (`_training_key`)."""
    if not TRAINING_PAIRS.is_file():
        return HandSetModel()
    if cache_dir is None:
        return _trained()
    path = cache_dir / MODEL_CACHE_DIR / f"pairwise-{_training_key()}.pickle"
    cached = _load_cached(path)
    if cached is not None:
        return cached
    model = _trained()
    _store_cached(path, model)
    return model


def _trained() -> BoostedModel:
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


def _training_key() -> str:
    """What the trained model depends on: the packaged rows and thresholds, this module's
    code (the training settings and the `Forest` layout live here) and the versions of the
    libraries that fit and pickle it. Any change trains afresh."""
    import sklearn

    digest = hashlib.sha256()
    for path in (TRAINING_PAIRS, TRAINING_GROUPS, TRAINING_META, Path(__file__)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")
    for version in (sys.version, np.__version__, sklearn.__version__):
        digest.update(version.encode())
    return digest.hexdigest()[:24]


def _load_cached(path: Path) -> BoostedModel | None:
    """The model stored at `path`, or None when there is none or it cannot be read (a
    truncated or foreign file is trained over). The file is the deployment's own, in the
    folder beside its database: whoever can write there can change the data already."""
    try:
        with path.open("rb") as handle:
            model = pickle.load(handle)  # the deployment's own file (above)
    except Exception:  # none yet, or unreadable: trained (over) and stored
        return None
    return model if isinstance(model, BoostedModel) else None


def _store_cached(path: Path, model: BoostedModel) -> None:
    """Written beside and renamed into place: a reader never sees half a file, and two
    runs training at once both end with a whole one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
        pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(handle.name, path)

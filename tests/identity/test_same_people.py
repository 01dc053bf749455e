"""Speed-ups of the clustering keep its results exactly: the people resolve makes of a
generated corpus (name blocks of many namesakes, some split into parts) are compared with
the people the code before them made (tests/data/identity/expected-people.json.gz, written
by `tests/same_people.py` with that code on the import path), on
SQLite and PostgreSQL; and the packaged models' fast tree scoring (`model.Forest`) gives
scikit-learn's probabilities bit for bit."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from paperscope.identity.features import FEATURE_NAMES
from paperscope.identity.merge import GROUP_FEATURES
from paperscope.identity.model import TRAINING_PAIRS, BoostedModel, Forest, default_model
from paperscope.ingest import ingest_paths
from paperscope.store import Store
from same_people import corpus, resolve_twice

EXPECTED = Path(__file__).parents[1] / "data" / "identity" / "expected-people.json.gz"

needs_model = pytest.mark.skipif(not TRAINING_PAIRS.is_file(), reason="no packaged training")


@pytest.fixture(scope="module")
def corpus_paths(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return corpus(tmp_path_factory.mktemp("generated"))


@needs_model
def test_resolve_makes_the_same_people_as_before(store: Store, corpus_paths: list[Path]) -> None:
    ingest_paths(store, corpus_paths)
    made = resolve_twice(store)
    with gzip.open(EXPECTED, "rt", encoding="utf-8") as handle:
        expected = json.load(handle)
    for run in ("incremental", "full in parts"):
        assert len(made[run]) == len(expected[run]), run
        for got, want in zip(made[run], expected[run], strict=True):
            assert got == want, run
    assert max(person["size"] for person in made["incremental"]) > 5  # namesakes were joined


def _rows(rng: np.random.Generator, n: int, forest: Forest, width: int) -> NDArray[np.float64]:
    """Random rows, a third of the values exactly on a split threshold, a fifth missing."""
    rows = rng.random((n, width)) * rng.choice([0.1, 1.0, 5.0, 30.0], size=(1, width))
    thresholds = np.concatenate([t[np.isfinite(t)] for t in forest.thresholds])
    on_split = rng.random(rows.shape) < 0.3
    rows[on_split] = rng.choice(thresholds, size=int(on_split.sum()))
    rows[rng.random(rows.shape) < 0.2] = np.nan
    return rows


@needs_model
@pytest.mark.parametrize("n", [1, 7, 5000])
def test_forest_scores_as_scikit_learn_bit_for_bit(n: int) -> None:
    model = default_model()
    assert isinstance(model, BoostedModel) and model.groups is not None
    rng = np.random.default_rng(n)
    for classifier, forest, columns, width in (
        (model.classifier, model.forest, model.columns, len(FEATURE_NAMES)),
        (model.groups.classifier, model.groups.forest, model.groups.columns, len(GROUP_FEATURES)),  # type: ignore[attr-defined]
    ):
        rows = _rows(rng, n, forest, width)
        expected = classifier.predict_proba(rows[:, list(columns)])[:, 1]
        assert np.array_equal(forest.probabilities(rows), expected)


def test_forest_follows_missing_values_and_the_split_of_missing_against_known() -> None:
    """A classifier trained where only missingness tells the classes apart splits on
    "missing or not" (threshold +inf, missing values right); the forest sends them the same
    way as scikit-learn."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    features = rng.random((600, 3))
    labels = rng.integers(0, 2, 600)
    features[labels == 1, 0] = np.nan
    features[rng.random(600) < 0.1, 1] = np.nan
    classifier = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(features, labels)
    forest = Forest.of(classifier, [0, 1, 2])
    assert np.isinf(np.concatenate(forest.thresholds)).any()
    rows = rng.random((300, 3))
    rows[rng.random((300, 3)) < 0.3] = np.nan
    rows[:5] = np.inf
    assert np.array_equal(forest.probabilities(rows), classifier.predict_proba(rows)[:, 1])


def test_pairs_of_conflicting_names_are_never_one_person() -> None:
    model = default_model()
    rows = np.random.default_rng(1).random((20, len(FEATURE_NAMES)))
    rows[::2, 0] = 0.0
    p = model.probabilities(rows.reshape(4, 5, -1)).ravel()
    assert (p[::2] == 0).all() and (p[1::2] > 0).all()

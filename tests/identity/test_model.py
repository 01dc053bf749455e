"""The trained packaged model is kept in a deployment's models folder and reused: the same
probabilities as the model trained in this process, retrained when the file is unreadable
or what it was trained from changed, and not trained at all by a resolve with nothing to do."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from paperscope.identity import model as identity_model
from paperscope.identity.features import FEATURE_NAMES
from paperscope.identity.model import (
    MODEL_CACHE_DIR,
    TRAINING_PAIRS,
    BoostedModel,
    HandSetModel,
    PairwiseModel,
    default_model,
    load_training_rows,
)
from paperscope.identity.resolve import resolve_people
from paperscope.ingest import ingest_paths
from paperscope.store import Store

needs_model = pytest.mark.skipif(not TRAINING_PAIRS.is_file(), reason="no packaged pairs")


@pytest.fixture(scope="session")
def trained() -> BoostedModel:
    """The model this test process trained (once, through the uncached path)."""
    found = default_model()
    assert isinstance(found, BoostedModel)
    return found


@pytest.fixture
def trainings(
    monkeypatch: pytest.MonkeyPatch, trained: BoostedModel
) -> Iterator[list[BoostedModel]]:
    """Counts the trainings `default_model(cache_dir)` asks for (each answered with the
    model already trained, to spare the test ~12 s)."""
    calls: list[BoostedModel] = []

    def counted() -> BoostedModel:
        calls.append(trained)
        return trained

    monkeypatch.setattr(identity_model, "_trained", counted)
    yield calls


def fresh_process(cache_dir: Path) -> PairwiseModel:
    """`default_model` as a new process calls it (without this process's in-memory cache)."""
    return default_model.__wrapped__(cache_dir)


def _stored(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / MODEL_CACHE_DIR).glob("pairwise-*.pickle"))


@needs_model
def test_a_second_run_loads_the_stored_model_and_scores_the_same(
    tmp_path: Path, trainings: list[BoostedModel], trained: BoostedModel
) -> None:
    first = fresh_process(tmp_path)
    assert len(trainings) == 1 and len(_stored(tmp_path)) == 1
    second = fresh_process(tmp_path)
    assert len(trainings) == 1, "the stored model was trained again"
    assert second is not first and isinstance(second, BoostedModel)
    features, _, _ = load_training_rows(TRAINING_PAIRS, FEATURE_NAMES)
    rows = features[::7]
    assert np.array_equal(second.probabilities(rows), trained.probabilities(rows))
    assert second.groups is not None and trained.groups is not None
    assert (second.threshold, second.linkage, second.description) == (
        trained.threshold,
        trained.linkage,
        trained.description,
    )


@needs_model
def test_an_unreadable_stored_model_is_trained_again_and_replaced(
    tmp_path: Path, trainings: list[BoostedModel]
) -> None:
    fresh_process(tmp_path)
    (stored,) = _stored(tmp_path)
    stored.write_bytes(stored.read_bytes()[:1000])  # a run killed while writing, say
    assert isinstance(fresh_process(tmp_path), BoostedModel)
    assert len(trainings) == 2
    fresh_process(tmp_path)
    assert len(trainings) == 2, "the replaced file was not whole"
    assert not list((tmp_path / MODEL_CACHE_DIR).glob("tmp*")), "a temporary file was left"


@needs_model
def test_changed_training_data_is_not_served_from_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trainings: list[BoostedModel]
) -> None:
    fresh_process(tmp_path)
    meta = tmp_path / "pairs.json"
    shutil.copy(identity_model.TRAINING_META, meta)
    meta.write_text(meta.read_text().replace("}", ', "note": "retuned"}', 1))
    monkeypatch.setattr(identity_model, "TRAINING_META", meta)
    fresh_process(tmp_path)
    assert len(trainings) == 2
    assert len(_stored(tmp_path)) == 2


def test_a_resolve_with_no_new_authorships_trains_nothing(
    store: Store, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_paths(store, [data_dir / "identity" / "two-jane-does.jsonl"])
    with store.transaction() as connection:
        first = resolve_people(connection, model=HandSetModel())
    assert first.authorships > 0

    def refuse(cache_dir: Path | None = None) -> BoostedModel:
        raise AssertionError("trained a model with nothing to cluster")

    monkeypatch.setattr("paperscope.identity.resolve.default_model", refuse)
    with store.transaction() as connection:
        again = resolve_people(connection, model_dir=tmp_path)
    assert (again.mode, again.authorships) == ("incremental", 0)

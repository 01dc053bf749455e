"""Identity test helpers: a store with the two Jane Does ingested and resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperscope.identity.model import HandSetModel, PairwiseModel
from paperscope.identity.resolve import resolve_people
from paperscope.ingest import ingest_paths
from paperscope.store import Store


@pytest.fixture
def identity_data(data_dir: Path) -> Path:
    return data_dir / "identity"


@pytest.fixture(params=["packaged", "hand-set"])
def model(request: pytest.FixtureRequest) -> PairwiseModel:
    """Both the shipped trained model and the hand-set fallback must pass the resolve tests."""
    if request.param == "hand-set":
        return HandSetModel()
    from paperscope.identity.model import TRAINING_PAIRS, default_model

    if not TRAINING_PAIRS.is_file():
        pytest.skip("no packaged training pairs")
    return default_model()


@pytest.fixture
def resolved(store: Store, identity_data: Path, model: PairwiseModel) -> Store:
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    with store.transaction() as connection:
        resolve_people(connection, model=model)
    return store

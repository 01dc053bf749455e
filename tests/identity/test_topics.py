"""Title embeddings for disambiguation: encoded once per title, cached in the store or a file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Connection, func, select, update

from paperscope.embeddings.encoders import HashingEncoder
from paperscope.embeddings.static import TEACHER_TOKENS
from paperscope.identity.loading import all_ids, load
from paperscope.identity.resolve import resolve_people
from paperscope.identity.signatures import Signature
from paperscope.identity.topics import (
    TITLE_TRAIN_TEXTS,
    FileTopicCache,
    encoded_topics,
    prepare_topics,
    stored_topics,
    title_encoder,
    topic_source,
    topic_vectors,
)
from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import authorships, works
from paperscope.store.search_schema import embeddings


class CountingEncoder(HashingEncoder):
    """The hashing encoder, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.encoded += list(texts)
        return super().encode(texts, batch_size)


def test_only_missing_titles_are_encoded_and_rows_are_unit_length() -> None:
    encoder = CountingEncoder()
    cache: dict[str, np.ndarray] = {}
    first = topic_vectors(["Deep nets", "Tiny ML", "Deep  nets"], encoder, cache)
    again = topic_vectors(["Tiny ML"], encoder, cache)

    assert encoder.encoded == ["Deep nets", "Tiny ML"]  # whitespace-equal titles once
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    assert np.allclose(first[0], first[2]) and np.allclose(again[0], first[1])


def test_file_cache_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "hashing-titles.npz"
    cache = FileTopicCache(path)
    topic_vectors(["A title"], HashingEncoder(), cache)
    cache.save()

    reread = FileTopicCache(path)
    encoder = CountingEncoder()
    topic_vectors(["A title"], encoder, reread)
    assert encoder.encoded == [] and len(reread) == 1


def _signatures(connection: Connection) -> list[Signature]:
    return [s.signature for s in load(connection, all_ids(connection))]


def test_store_cache_encodes_each_work_once_and_again_after_a_title_change(
    store: Store, identity_data: Path
) -> None:
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    encoder = CountingEncoder()
    with store.transaction() as connection:
        signatures = _signatures(connection)
        topics = stored_topics(connection, encoder)
        first = topics(signatures)
        count = len(encoder.encoded)
        again = topics(signatures)
        stored = connection.execute(
            select(func.count()).where(embeddings.c.model == "hashing-title")
        ).scalar_one()
    assert count == len({s.work for s in signatures}) == stored
    assert len(encoder.encoded) == count and np.allclose(first, again)

    work = signatures[0].work
    with store.transaction() as connection:
        connection.execute(update(works).where(works.c.id == work).values(title="A new title"))
        stored_topics(connection, encoder)(_signatures(connection))
    assert encoder.encoded[count:] == ["A new title"]


def test_resolve_with_topics_gives_every_authorship_a_person(
    store: Store, identity_data: Path
) -> None:
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    with store.transaction() as connection:
        resolve_people(connection, topics=stored_topics(connection, HashingEncoder()))
        missing = connection.execute(
            select(func.count()).where(authorships.c.person_id.is_(None))
        ).scalar_one()
    assert missing == 0


def test_encoded_topics_encode_every_block_and_store_nothing(
    store: Store, identity_data: Path
) -> None:
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    encoder = CountingEncoder()
    topics = encoded_topics(encoder)
    with store.transaction() as connection:
        signatures = _signatures(connection)
        first, again = topics(signatures), topics(signatures)
        stored = connection.execute(select(func.count()).select_from(embeddings)).scalar_one()
    titles = {" ".join(s.title.split()) for s in signatures}
    assert len(encoder.encoded) == 2 * len(titles) and stored == 0
    assert first.shape == (len(signatures), encoder.dim) and np.allclose(first, again)
    assert np.allclose(first, topic_vectors([s.title for s in signatures], HashingEncoder(), {}))


def test_only_tokenlearn_topics_train_a_title_encoder(
    store: Store, identity_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    trained_on: list[list[str]] = []
    monkeypatch.setattr(
        "paperscope.embeddings.static.TokenlearnEncoder.train",
        lambda encoder, texts, progress: trained_on.append(list(texts)),
    )
    for name in ("none", "minilm"):
        prepare_topics(store, name, tmp_path)
    assert trained_on == [] and not (tmp_path / "models").exists()
    prepare_topics(store, "tokenlearn", tmp_path)
    with store.connect() as connection:
        titles = set(connection.execute(select(works.c.title)).scalars())
    # the titles alone (not title + abstract), each work's once, at most TITLE_TRAIN_TEXTS
    assert len(trained_on) == 1 and set(trained_on[0]) == titles
    assert len(trained_on[0]) == len(titles) <= TITLE_TRAIN_TEXTS
    with store.connect() as connection:
        assert topic_source(connection, "none", tmp_path) is None


@pytest.mark.model
@pytest.mark.slow
def test_resolve_trains_the_title_encoder_on_the_corpus_and_keeps_it(
    sqlite_url: str, data_dir: Path, tmp_path: Path
) -> None:
    from paperscope.config import Settings
    from paperscope.pipeline.runner import run_stages
    from paperscope.pipeline.stages import Run, RunOptions

    store = Store.open(sqlite_url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        embedding_model="hashing",
        identity_topics="tokenlearn",
    )
    run = Run(store, settings, RunOptions(paths=(data_dir / "aan",), full=True))
    run_stages(run, ["ingest", "resolve"])
    encoder = title_encoder(settings.data_dir)
    assert encoder.trained
    version = encoder.version
    meta = json.loads((encoder.directory / "paperscope-tokenlearn.json").read_text())
    assert meta["teacher_tokens"] == TEACHER_TOKENS  # what the teacher read is on record
    with store.connect() as connection:
        unplaced = connection.execute(
            select(func.count()).where(authorships.c.person_id.is_(None))
        ).scalar_one()
        stored = connection.execute(select(func.count()).select_from(embeddings)).scalar_one()
    assert unplaced == 0 and stored == 0  # title vectors are encoded per block, not stored
    vectors = encoder.encode(
        [
            "Statistical machine translation with phrase tables",
            "Phrase-based statistical translation models",
            "Parsing the Penn Treebank with a lexicalised grammar",
        ]
    )
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    run_stages(run, ["resolve"])  # trained once: a second run reuses it
    assert title_encoder(settings.data_dir).version == version
    store.close()


@pytest.mark.model
def test_minilm_title_topics_place_related_titles_closer() -> None:
    from paperscope.embeddings.encoders import get_encoder

    encoder = get_encoder("minilm", Path("var"))
    vectors = topic_vectors(
        [
            "Deep residual networks for image super-resolution",
            "Convolutional neural networks for image denoising",
            "A survey of medieval monastic land tenure",
        ],
        encoder,
        {},
    )
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]

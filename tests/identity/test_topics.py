"""Title embeddings for disambiguation: encoded once per title, cached in the store or a file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, update

from paperscope.embeddings.encoders import HashingEncoder
from paperscope.identity.loading import all_ids, load
from paperscope.identity.resolve import resolve_people
from paperscope.identity.topics import FileTopicCache, stored_topics, topic_vectors
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


def test_store_cache_encodes_each_work_once_and_again_after_a_title_change(
    store: Store, identity_data: Path
) -> None:
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    encoder = CountingEncoder()
    with store.transaction() as connection:
        signatures = [s.signature for s in load(connection, all_ids(connection))]
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
        signatures = [s.signature for s in load(connection, all_ids(connection))]
        stored_topics(connection, encoder)(signatures)
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

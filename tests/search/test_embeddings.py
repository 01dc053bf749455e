"""Encoders, and embeddings computed incrementally: only new or changed texts are embedded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from search_helpers import title_id
from sqlalchemy import event, select, update

from paperscope.embeddings.encoders import HashingEncoder, get_encoder, text_hash, work_text
from paperscope.embeddings.vectors import embed_works, load_embeddings
from paperscope.errors import ConfigError
from paperscope.store import Store
from paperscope.store.schema import works
from paperscope.store.search_schema import embeddings


class CountingEncoder(HashingEncoder):
    """The hashing encoder, counting what it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts, batch_size=32):  # type: ignore[no-untyped-def]
        self.seen += list(texts)
        return super().encode(texts, batch_size)


def test_hashing_encoder_is_deterministic_normalised_and_meaningful() -> None:
    encoder = HashingEncoder()
    texts = [
        "graph neural networks for molecules",
        "neural networks on molecular graphs",
        "a history of medieval tapestry weaving",
    ]
    first, again = encoder.encode(texts), HashingEncoder().encode(texts)
    assert first.dtype == np.float32 and first.shape == (3, encoder.dim)
    assert np.array_equal(first, again)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert first[0] @ first[1] > 0.3 > first[0] @ first[2]


def test_work_text_and_hash() -> None:
    assert work_text("A title", "An  abstract.\n") == "A title. An abstract."
    assert work_text("Why?", None) == "Why?"
    assert text_hash("x") == text_hash("x") != text_hash("y")


def test_unknown_encoder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown embedding model"):
        get_encoder("word2vec", tmp_path)
    assert get_encoder("hashing", tmp_path) is get_encoder("hashing", tmp_path)


def test_embeddings_are_incremental(sample_store: Store) -> None:
    encoder = CountingEncoder()
    assert embed_works(sample_store, encoder) == 12
    assert len(encoder.seen) == 12
    assert embed_works(sample_store, encoder) == 0  # nothing changed: nothing embedded
    assert len(encoder.seen) == 12
    graph = title_id(sample_store, "Graph Neural")
    with sample_store.transaction() as connection:
        connection.execute(
            update(works).where(works.c.id == graph).values(abstract="A changed abstract.")
        )
        connection.execute(update(works).where(works.c.id != graph).values(upvotes=5))
    assert embed_works(sample_store, encoder) == 1
    assert encoder.seen[-1].endswith("A changed abstract.")
    with sample_store.connect() as connection:
        ids, matrix = load_embeddings(connection, "hashing")
        stored = connection.execute(
            select(embeddings.c.version, embeddings.c.text_hash).where(
                embeddings.c.work_id == graph
            )
        ).one()
    assert ids.dtype == np.int64 and len(ids) == 12 and matrix.shape == (12, encoder.dim)
    assert matrix.dtype == np.float32
    row = int(np.where(ids == graph)[0][0])
    expected = encoder.encode([encoder.seen[-1]])[0]
    assert np.allclose(matrix[row], expected)
    assert stored.version == encoder.version


def test_a_new_model_version_recomputes_everything(sample_store: Store) -> None:
    encoder = CountingEncoder()
    embed_works(sample_store, encoder)
    encoder.version = "hashing-v2"
    assert embed_works(sample_store, encoder) == 12


def test_embeddings_go_with_their_work(sample_store: Store) -> None:
    embed_works(sample_store, HashingEncoder())
    with sample_store.transaction() as connection:
        connection.execute(works.delete().where(works.c.id == title_id(sample_store, "Graph")))
    with sample_store.connect() as connection:
        ids, _ = load_embeddings(connection, "hashing")
    assert len(ids) == 11


def test_vectors_written_while_they_are_loaded_are_kept_consistent(
    sample_store: Store,
) -> None:
    """load_embeddings counts the rows, then streams them into arrays of that size; a
    writer that adds rows in between (each statement reads afresh on both databases) makes
    the arrays grow, and never misaligns ids and vectors."""
    embed_works(sample_store, HashingEncoder())
    with sample_store.connect() as connection:
        everything = connection.execute(
            select(embeddings).where(embeddings.c.model == "hashing")
        ).all()
    late = [row._asdict() for row in everything[:5]]
    with sample_store.transaction() as connection:
        connection.execute(
            embeddings.delete().where(embeddings.c.work_id.in_([r["work_id"] for r in late]))
        )

    def add_late_rows(*args: object) -> None:
        if "count(" in str(args[2]).lower() and late:
            with sample_store.transaction() as writer:
                writer.execute(embeddings.insert(), late)
            late.clear()

    with sample_store.connect() as connection:
        event.listen(connection, "after_cursor_execute", add_late_rows)
        ids, matrix = load_embeddings(connection, "hashing")
        event.remove(connection, "after_cursor_execute", add_late_rows)
    expected = {row.work_id: np.frombuffer(row.vector, dtype=np.float32) for row in everything}
    assert list(ids) == sorted(expected) and matrix.shape == (12, HashingEncoder().dim)
    for work_id, vector in zip(ids.tolist(), matrix, strict=True):
        assert np.array_equal(vector, expected[work_id])


def test_progress_is_reported(sample_store: Store) -> None:
    calls: list[tuple[int, int | None]] = []

    class Recorder:
        total: int | None = None
        done = 0

        def start(self, description: str, total: int | None = None) -> None:
            self.total, self.done = total, 0
            calls.append((0, total))

        def advance(self, amount: int = 1) -> None:
            self.done += amount
            calls.append((self.done, self.total))

        def note(self, text: str) -> None:
            pass

    embed_works(sample_store, HashingEncoder(), progress=Recorder())
    assert calls[0] == (0, 12) and calls[-1] == (12, 12)


@pytest.mark.model
def test_minilm_from_the_package_embeds_offline(tmp_path: Path) -> None:
    """The real model (about 10 s): bundled weights, the expected hash, sensible cosines."""
    encoder = get_encoder("minilm", tmp_path)
    assert "sha256:53aa51172d142c89" in encoder.version
    vectors = encoder.encode(
        [
            "A cat sits on the mat.",
            "A kitten is sitting on a rug.",
            "Quarterly revenue grew by four percent.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > 0.5 > vectors[0] @ vectors[2]


def test_cached_encoder_reuses_vectors_across_instances(tmp_path: Path) -> None:
    from paperscope.embeddings.cache import CachedEncoder

    texts = ["alpha beta", "gamma delta", "alpha beta"]
    first = CachedEncoder(CountingEncoder(), tmp_path / "cache.sqlite")
    vectors = first.encode(texts)
    assert first.misses == 3 and first.hits == 0
    first.close()
    inner = CountingEncoder()
    second = CachedEncoder(inner, tmp_path / "cache.sqlite")
    assert np.array_equal(second.encode(texts), vectors)
    assert second.hits == 3 and inner.seen == []
    second.close()

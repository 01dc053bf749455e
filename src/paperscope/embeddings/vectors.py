"""Stored embeddings: computed incrementally per (work, model), read back as one matrix.

A work is (re)embedded when it has no vector for the model, when the hash of its text
(``work_text(title, abstract)``) differs from the stored one, or when the model's version
changed. Each chunk is committed on its own, so an interrupted run keeps what it did and
the next run continues. Every write bumps the model's generation in ``search_state``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, delete, func, insert, select, update

from paperscope.embeddings.encoders import Encoder, Matrix, text_hash, work_text
from paperscope.embeddings.static import TRAIN_TEXTS, TokenlearnEncoder
from paperscope.progress import SILENT, Progress
from paperscope.store import Store
from paperscope.store.ids import in_list
from paperscope.store.schema import works
from paperscope.store.search_schema import embeddings, search_state

"""Called with (done, total) after each chunk."""

CHUNK = 512
_READ_PAGE = 20_000


def _stored_hashes(connection: Connection, model: str) -> dict[int, tuple[str, str]]:
    query = select(embeddings.c.work_id, embeddings.c.text_hash, embeddings.c.version).where(
        embeddings.c.model == model
    )
    return {row[0]: (row[1], row[2]) for row in connection.execute(query)}


def _texts(connection: Connection) -> Iterator[tuple[int, str]]:
    last = 0
    while True:
        query = (
            select(works.c.id, works.c.title, works.c.abstract)
            .where(works.c.id > last)
            .order_by(works.c.id)
            .limit(_READ_PAGE)
        )
        rows = connection.execute(query).all()
        if not rows:
            return
        for work_id, title, abstract in rows:
            yield work_id, work_text(title or "", abstract)
        last = rows[-1][0]


def stale_works(store: Store, encoder: Encoder) -> list[tuple[int, str, str]]:
    """(work id, text, text hash) of every work whose vector is missing or out of date."""
    version = encoder.version
    with store.connect() as connection:
        stored = _stored_hashes(connection, encoder.name)
        todo = []
        for work_id, text in _texts(connection):
            digest = text_hash(text)
            if stored.get(work_id) != (digest, version):
                todo.append((work_id, text, digest))
    return todo


def bump_generation(connection: Connection, model: str) -> None:
    changed = connection.execute(
        update(search_state)
        .where(search_state.c.model == model)
        .values(generation=search_state.c.generation + 1)
    ).rowcount
    if not changed:
        connection.execute(insert(search_state).values(model=model, generation=1))


def generation(connection: Connection, model: str) -> int:
    query = select(search_state.c.generation).where(search_state.c.model == model)
    return int(connection.execute(query).scalar() or 0)


def store_vectors(
    connection: Connection,
    model: str,
    version: str,
    rows: list[tuple[int, str]],
    vectors: Matrix,
) -> None:
    """Replace the vectors of ``rows`` ((work id, text hash) pairs) for ``model``."""
    ids = [work_id for work_id, _ in rows]
    connection.execute(
        delete(embeddings).where(embeddings.c.model == model, in_list(embeddings.c.work_id, ids))
    )
    values: list[dict[str, Any]] = [
        {
            "work_id": work_id,
            "model": model,
            "version": version,
            "text_hash": digest,
            "vector": np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
        }
        for (work_id, digest), vector in zip(rows, vectors, strict=True)
    ]
    connection.execute(insert(embeddings), values)
    bump_generation(connection, model)


def training_sample(
    store: Store, limit: int, seed: int = 15, text: Callable[[str, str | None], str] = work_text
) -> list[str]:
    """The texts of ``limit`` works in a seeded random order: works with an abstract first,
    then the others, so a smaller ``limit`` always draws a prefix of the same draw.
    ``text`` makes a work's text of its title and abstract (the title alone for the title
    encoder of `resolve`)."""
    with store.connect() as connection:
        rows = connection.execute(
            select(works.c.id, works.c.abstract.is_not(None)).order_by(works.c.id)
        ).all()
        order = random.Random(seed)
        with_abstract = [work_id for work_id, has in rows if has]
        without = [work_id for work_id, has in rows if not has]
        order.shuffle(with_abstract)
        order.shuffle(without)
        picked = (with_abstract + without)[:limit]
        found = connection.execute(
            select(works.c.id, works.c.title, works.c.abstract).where(in_list(works.c.id, picked))
        ).all()
    text_of = {work_id: text(title or "", abstract) for work_id, title, abstract in found}
    return [text_of[work_id] for work_id in picked if work_id in text_of]


def prepare_encoder(
    store: Store, encoder: Encoder, progress: Progress = SILENT, train_texts: int = TRAIN_TEXTS
) -> None:
    """Train an encoder that learns from the corpus (``tokenlearn``) if it is not yet, on
    ``train_texts`` works at most."""
    if isinstance(encoder, TokenlearnEncoder) and not encoder.trained:
        progress.note(f"training the {encoder.name} encoder on {train_texts:,} works at most")
        encoder.train(training_sample(store, train_texts), progress)


def embed_works(
    store: Store, encoder: Encoder, progress: Progress = SILENT, batch_size: int = 32
) -> int:
    """Embed every work whose vector is missing or stale; return how many were embedded.

    An encoder that learns from the corpus is trained first (``prepare_encoder``).
    """
    prepare_encoder(store, encoder, progress)
    todo = stale_works(store, encoder)
    version = encoder.version
    progress.start(f"embedding ({encoder.name})", len(todo))
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        vectors = encoder.encode([text for _, text, _ in chunk], batch_size=batch_size)
        with store.transaction() as connection:
            rows = [(work_id, digest) for work_id, _, digest in chunk]
            # A work deleted since it was read would violate the foreign key: skip it.
            alive = set(
                connection.execute(
                    select(works.c.id).where(in_list(works.c.id, [r[0] for r in rows]))
                ).scalars()
            )
            keep = [i for i, row in enumerate(rows) if row[0] in alive]
            if keep:
                store_vectors(
                    connection, encoder.name, version, [rows[i] for i in keep], vectors[keep]
                )
        progress.advance(len(chunk))
    return len(todo)


def decode(blob: bytes, dim: int | None = None) -> Matrix:
    vector = np.frombuffer(blob, dtype=np.float32)
    if dim is not None and vector.shape[0] != dim:
        raise ValueError(f"stored vector has {vector.shape[0]} dimensions, expected {dim}")
    return vector


def load_embeddings(
    connection: Connection, model_name: str, work_ids: list[int] | None = None
) -> tuple[npt.NDArray[np.int64], Matrix]:
    """Work ids (ascending) and their vectors for ``model_name`` (optionally only ``work_ids``)."""
    query = (
        select(embeddings.c.work_id, embeddings.c.vector)
        .where(embeddings.c.model == model_name)
        .order_by(embeddings.c.work_id)
    )
    if work_ids is not None:
        query = query.where(in_list(embeddings.c.work_id, work_ids))
    # Streamed into arrays sized by a count first: holding every row, then one joined copy
    # of every blob, peaked at 3 GB beside a million 384-d vectors (1.5 GB). Another
    # writer may add rows between the count and the read (PostgreSQL reads each statement
    # afresh), so the arrays still grow if need be.
    expected = connection.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    ids = np.empty(expected, dtype=np.int64)
    matrix = np.empty((0, 0), dtype=np.float32)
    filled = 0
    for work_id, blob in connection.execute(query):
        row = np.frombuffer(blob, dtype=np.float32)
        if filled == 0:
            matrix = np.empty((max(expected, 1), row.size), dtype=np.float32)
        if filled == len(ids) or filled == len(matrix):
            ids = np.resize(ids, 2 * filled + 1)
            matrix = np.resize(matrix, (2 * filled + 1, row.size))
        ids[filled], matrix[filled] = work_id, row
        filled += 1
    if filled == 0:
        return ids[:0], np.zeros((0, 0), dtype=np.float32)
    return ids[:filled], np.ascontiguousarray(matrix[:filled])


def has_embeddings(connection: Connection, model_name: str) -> bool:
    """Whether any work has a stored vector for ``model_name``."""
    query = select(embeddings.c.work_id).where(embeddings.c.model == model_name).limit(1)
    return connection.execute(query).first() is not None


def load_hashes(connection: Connection, model_name: str) -> dict[int, str]:
    """work id -> a digest of (text hash, model version) of every vector for ``model_name``.

    Changes when the work's text changed or its vector came from another model version.
    """
    query = select(embeddings.c.work_id, embeddings.c.text_hash, embeddings.c.version).where(
        embeddings.c.model == model_name
    )
    return {
        row[0]: hashlib.blake2b(f"{row[1]}|{row[2]}".encode(), digest_size=8).hexdigest()
        for row in connection.execute(query)
    }

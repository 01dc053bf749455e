"""Which vector index serves a model: pgvector inside PostgreSQL when the server has it, else the
faiss/exact index kept beside the database; one synced copy per process."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from paperscope.embeddings.faiss_index import VectorIndex, index_dir
from paperscope.embeddings.pgvector import forget_pgvector_indexes, open_pgvector_index
from paperscope.store import Store

_CACHE: dict[tuple[str, str], VectorIndex] = {}
_CACHE_LOCK = threading.Lock()


def open_index(store: Store, data_dir: Path, model: str, save: bool = True) -> VectorIndex:
    """The up-to-date index of ``model`` (cached per process; synced when the DB moved on).

    On PostgreSQL with the pgvector extension, the index lives in the database
    (``paperscope.embeddings.pgvector``); elsewhere it is this module's exact/faiss index.
    """
    if store.engine.dialect.name == "postgresql":
        in_database = open_pgvector_index(store, model)
        if in_database is not None:
            return in_database
    directory = index_dir(store, data_dir, model)
    key = (str(directory), model)
    with _CACHE_LOCK:
        index = _CACHE.get(key)
        with store.connect() as connection:
            if index is None:
                index = VectorIndex.load(directory, model)
            if index is None:
                index = VectorIndex.build(connection, model)
                changed = True
            else:
                changed = index.sync(connection)
        if changed and save:
            with contextlib.suppress(OSError):  # read-only data dir: memory still serves
                index.save(directory)
        _CACHE[key] = index
        return index


def forget_cached_indexes() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
    forget_pgvector_indexes()

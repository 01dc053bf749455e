"""The faiss vector index: exact inner product while small, faiss HNSW beyond ``HNSW_THRESHOLD``.

Persisted in a folder beside the database (``<db>.search/<model>/`` for SQLite, under
``data_dir/search/`` for a server), and kept in step with the ``embeddings`` table
incrementally: ``sync`` compares the (work id, text hash) pairs it holds with the table,
drops rows of changed or deleted works (tombstones), appends new vectors, and rebuilds
from scratch only when tombstones pile up or the index crosses the HNSW threshold. The
model's generation counter (``search_state``) tells a reader cheaply when to sync.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from paperscope.embeddings.encoders import Matrix
from paperscope.embeddings.vectors import generation, load_embeddings, load_hashes
from paperscope.store import Store

HNSW_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 1024  # recall@10 0.97 on 113k ACM-CR model2vec vectors (0.93 at 256)
MAX_TOMBSTONE_SHARE = 0.2
FORMAT_VERSION = 1


def index_dir(store: Store, data_dir: Path, model: str) -> Path:
    """Where the index of ``model`` for this database lives."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(f"{url.database}.search") / model
    safe = make_url(url).render_as_string(hide_password=True)
    key = hashlib.blake2b(safe.encode("utf-8"), digest_size=8).hexdigest()
    return data_dir / "search" / key / model


@dataclass(eq=False)
class VectorIndex:
    """Vectors of one model with their work ids; exact or HNSW search; tombstoned deletes."""

    model: str
    ids: npt.NDArray[np.int64]
    hashes: list[str]
    matrix: Matrix
    alive: npt.NDArray[np.bool_]
    generation: int = 0
    hnsw: Any = None
    _row_of: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._row_of = {int(w): r for r, w in enumerate(self.ids) if self.alive[r]}

    @classmethod
    def empty(cls, model: str) -> VectorIndex:
        return cls(
            model,
            np.zeros(0, dtype=np.int64),
            [],
            np.zeros((0, 0), dtype=np.float32),
            np.zeros(0, dtype=np.bool_),
        )

    @property
    def size(self) -> int:
        return len(self._row_of)

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1]) if self.matrix.ndim == 2 else 0

    def vector_of(self, work_id: int) -> Matrix | None:
        row = self._row_of.get(work_id)
        return None if row is None else self.matrix[row]

    def count_among(self, work_ids: npt.NDArray[np.int64]) -> int:
        """How many of ``work_ids`` have a vector in the index."""
        return sum(1 for work_id in work_ids.tolist() if work_id in self._row_of)

    # --- building -----------------------------------------------------------------------

    @classmethod
    def build(cls, connection: Connection, model: str) -> VectorIndex:
        gen = generation(connection, model)
        ids, matrix = load_embeddings(connection, model)
        hashes = load_hashes(connection, model)
        index = cls(
            model,
            ids,
            [hashes.get(int(w), "") for w in ids],
            matrix,
            np.ones(len(ids), dtype=np.bool_),
            gen,
        )
        index._build_hnsw()
        return index

    def _build_hnsw(self) -> None:
        self.hnsw = None
        if self.size < HNSW_THRESHOLD:
            return
        import faiss

        hnsw = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        hnsw.add(self.matrix)
        hnsw.hnsw.efSearch = HNSW_EF_SEARCH
        self.hnsw = hnsw
        _single_query_threads()

    def sync(self, connection: Connection) -> bool:
        """Bring the index up to date with the table; True if anything changed."""
        gen = generation(connection, self.model)
        if gen == self.generation:
            return False
        stored = load_hashes(connection, self.model)
        current = {int(w): self.hashes[r] for w, r in self._row_of.items()}
        changed = [w for w, h in stored.items() if current.get(w) != h]
        changed_set = set(changed)
        gone = [w for w in current if w not in stored or w in changed_set]
        for work_id in gone:
            row = self._row_of.pop(work_id)
            self.alive[row] = False
        dead = len(self.alive) - self.size
        crosses = self.hnsw is None and self.size + len(changed) >= HNSW_THRESHOLD
        if crosses or dead > MAX_TOMBSTONE_SHARE * max(len(self.alive), 1):
            rebuilt = VectorIndex.build(connection, self.model)
            self.__dict__.update({k: getattr(rebuilt, k) for k in _STATE})
            return True
        if changed:
            ids, matrix = load_embeddings(connection, self.model, changed)
            self._append(ids, matrix, [stored[int(w)] for w in ids])
        self.generation = gen
        return True

    def _append(self, ids: npt.NDArray[np.int64], matrix: Matrix, hashes: list[str]) -> None:
        if not len(ids):
            return
        start = len(self.ids)
        self.matrix = matrix if start == 0 else np.vstack([self.matrix, matrix])
        self.ids = np.concatenate([self.ids, ids])
        self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=np.bool_)])
        self.hashes.extend(hashes)
        for offset, work_id in enumerate(ids):
            self._row_of[int(work_id)] = start + offset
        if self.hnsw is not None:
            self.hnsw.add(matrix)

    # --- searching ----------------------------------------------------------------------

    def search(
        self, query: Matrix, k: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest (work id, cosine) to ``query``, optionally among ``allowed`` ids."""
        if self.size == 0 or k <= 0:
            return []
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        if allowed is not None:
            rows = np.array(
                [r for r in (self._row_of.get(int(w)) for w in allowed) if r is not None],
                dtype=np.int64,
            )
            return self._exact(query, k, rows)
        if self.hnsw is None:
            return self._exact(query, k, None)
        dead = len(self.alive) - self.size
        scores, rows = self.hnsw.search(query.reshape(1, -1), min(k + dead, len(self.alive)))
        hits = [
            (int(self.ids[r]), float(s))
            for s, r in zip(scores[0], rows[0], strict=True)
            if r >= 0 and self.alive[r]
        ]
        return hits[:k]

    def _exact(
        self, query: Matrix, k: int, rows: npt.NDArray[np.int64] | None
    ) -> list[tuple[int, float]]:
        if rows is None:
            scores = self.matrix @ query
            scores[~self.alive] = -np.inf
            candidates = np.arange(len(scores))
        else:
            if not len(rows):
                return []
            scores = self.matrix[rows] @ query
            candidates = rows
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            (int(self.ids[candidates[i]]), float(scores[i])) for i in top if np.isfinite(scores[i])
        ]

    # --- persistence --------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write atomically: a reader sees the old index or the new one, never half of one."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".index-", dir=directory.parent))
        np.save(staging / "matrix.npy", self.matrix)
        np.save(staging / "ids.npy", self.ids)
        np.save(staging / "alive.npy", self.alive)
        meta = {
            "format": FORMAT_VERSION,
            "model": self.model,
            "generation": self.generation,
            "hashes": self.hashes,
            "hnsw": self.hnsw is not None,
        }
        (staging / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        if self.hnsw is not None:
            import faiss

            faiss.write_index(self.hnsw, str(staging / "hnsw.faiss"))
        old = directory.with_name(f".old-{directory.name}-{os.getpid()}")
        if directory.exists():
            directory.rename(old)
        staging.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, model: str) -> VectorIndex | None:
        """The index saved in ``directory``, or None if absent, foreign or unreadable."""
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT_VERSION or meta.get("model") != model:
                return None
            index = cls(
                model,
                np.load(directory / "ids.npy"),
                list(meta["hashes"]),
                np.load(directory / "matrix.npy"),
                np.load(directory / "alive.npy"),
                int(meta["generation"]),
            )
            if meta["hnsw"]:
                import faiss

                index.hnsw = faiss.read_index(str(directory / "hnsw.faiss"))
                index.hnsw.hnsw.efSearch = HNSW_EF_SEARCH
                _single_query_threads()
        except (OSError, ValueError, KeyError, RuntimeError):
            return None
        return index


def _single_query_threads() -> None:
    """One query is one thread's work: OpenMP hand-offs only add latency (and much more of it
    on a busy machine)."""
    import faiss

    faiss.omp_set_num_threads(1)


_STATE = ("ids", "hashes", "matrix", "alive", "generation", "hnsw", "_row_of")

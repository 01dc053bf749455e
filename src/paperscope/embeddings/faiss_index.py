"""The faiss vector index: exact inner product while small, faiss IVF-Flat beyond ``ANN_THRESHOLD``.

Persisted in a folder beside the database (``<db>.search/<model>/`` for SQLite, under
``data_dir/search/`` for a server), and kept in step with the ``embeddings`` table
incrementally: ``sync`` compares the (work id, text hash) pairs it holds with the table,
drops rows of changed or deleted works (tombstones, also removed from the IVF lists),
appends new vectors (assigned to the nearest existing IVF centroid: no rebuild), and rebuilds
from scratch only when tombstones pile up, the index crosses the threshold, or it has grown
``RETRAIN_GROWTH`` times past the size its centroids were trained on. The model's generation
counter (``search_state``) tells a reader cheaply when to sync.

Why IVF-Flat (docs/search.md, "A million works"; 1M vectors on 2 cores): HNSW needed some
20 minutes to build at 1M and its recall@10 fell to 0.68 at the settings that were fast;
IVF-Flat with ``ivf_lists(n)`` lists (recall@10 0.987) builds in 30 s of CPU,
scans ``IVF_NPROBE`` lists per query, and adding works keeps recall, since new vectors go
to the lists of their nearest centroids exactly as a rebuild would put them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
import threading
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

ANN_THRESHOLD = 50_000
IVF_NPROBE = 32
IVF_TRAIN_PER_LIST = 40  # k-means training points per list (faiss warns below 39)
RETRAIN_GROWTH = 2.0
MAX_TOMBSTONE_SHARE = 0.2
VECTORISED_LOOKUP = 4_096
"""From this many ids on, rows are found with numpy and an exact search scans the IVF lists."""
FORMAT_VERSION = 2  # 1 was HNSW: such an index is rebuilt as IVF on first use


def ivf_lists(size: int) -> int:
    """Inverted lists for ``size`` vectors: 2 sqrt(n) (2,000 at 1M), at least 64."""
    return max(64, int(2 * math.sqrt(size)))


def build_ivf(matrix: Matrix, threads: int | None = None) -> Any:
    """An IVF-Flat inner-product index of ``matrix``; centroids trained on a fixed sample."""
    import faiss

    faiss.omp_set_num_threads(threads or os.cpu_count() or 1)
    lists = ivf_lists(len(matrix))
    index: Any = faiss.index_factory(
        int(matrix.shape[1]), f"IVF{lists},Flat", faiss.METRIC_INNER_PRODUCT
    )
    wanted = min(len(matrix), IVF_TRAIN_PER_LIST * lists)
    sample = np.random.default_rng(0).choice(len(matrix), wanted, replace=False)
    index.train(matrix[np.sort(sample)])
    index.add(matrix)
    index.nprobe = IVF_NPROBE
    _single_query_threads()
    return index


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
    """Vectors of one model with their work ids; exact or IVF search; tombstoned deletes."""

    model: str
    ids: npt.NDArray[np.int64]
    hashes: list[str]
    matrix: Matrix
    alive: npt.NDArray[np.bool_]
    generation: int = 0
    ann: Any = None
    trained_size: int = 0
    _row_of: dict[int, int] = field(default_factory=dict)
    _by_id: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """The live rows' work ids sorted, and their rows in that order (`_rows`), made on first
    use and dropped whenever rows change (`_rows_changed`)."""
    _row_changes: int = field(default=0, init=False, repr=False, compare=False)
    _by_id_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # zip of lists, not a loop over numpy scalars: 0.1 s instead of 0.2-9 s at 1M rows.
        alive_rows = np.flatnonzero(self.alive)
        self._row_of = dict(zip(self.ids[alive_rows].tolist(), alive_rows.tolist(), strict=True))

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
    def reads_deep_lists(self) -> bool:
        """Whether a list of thousands of nearest works costs about its length (faiss: it
        does; an index that reads them by scanning every vector says no)."""
        return True

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1]) if self.matrix.ndim == 2 else 0

    def vector_of(self, work_id: int) -> Matrix | None:
        row = self._row_of.get(work_id)
        return None if row is None else self.matrix[row]

    def count_among(self, work_ids: npt.NDArray[np.int64]) -> int:
        """How many of ``work_ids`` have a vector in the index."""
        return len(self._rows(work_ids))

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
        index.build_ann()
        return index

    @property
    def kind(self) -> str:
        """``exact`` or the approximate index in use (``IVF-Flat``)."""
        return "exact" if self.ann is None else "IVF-Flat"

    def build_ann(self) -> None:
        """(Re)build the IVF index over every row, or none below the threshold."""
        self.ann, self.trained_size = None, 0
        if self.size < ANN_THRESHOLD:
            return
        self.ann = build_ivf(self.matrix)
        self.trained_size = self.size
        dead = np.flatnonzero(~self.alive)
        if len(dead):
            self._remove_rows(dead)

    def _remove_rows(self, rows: npt.NDArray[np.int64]) -> None:
        import faiss

        self.ann.remove_ids(faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64)))

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
        gone_rows = np.array([self._row_of.pop(work_id) for work_id in gone], dtype=np.int64)
        self.alive[gone_rows] = False
        self._rows_changed()
        if self.ann is not None and len(gone_rows):
            self._remove_rows(gone_rows)
        dead = len(self.alive) - self.size
        crosses = self.ann is None and self.size + len(changed) >= ANN_THRESHOLD
        outgrown = self.ann is not None and (
            self.size + len(changed) > RETRAIN_GROWTH * max(self.trained_size, 1)
        )
        if crosses or outgrown or dead > MAX_TOMBSTONE_SHARE * max(len(self.alive), 1):
            rebuilt = VectorIndex.build(connection, self.model)
            self.__dict__.update({k: getattr(rebuilt, k) for k in _STATE})
            self._rows_changed()
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
        self._rows_changed()
        self.hashes.extend(hashes)
        for offset, work_id in enumerate(ids):
            self._row_of[int(work_id)] = start + offset
        if self.ann is not None:
            # The row numbers as ids: `add` would number them from `ntotal`, which tombstones
            # removed from the lists have lowered, so they would name other rows' works.
            self.ann.add_with_ids(matrix, np.arange(start, start + len(ids), dtype=np.int64))

    # --- searching ----------------------------------------------------------------------

    def search(
        self,
        query: Matrix,
        k: int,
        allowed: npt.NDArray[np.int64] | None = None,
        scan: int | None = None,
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest (work id, cosine) to ``query``, optionally among ``allowed`` ids
        (exactly). `scan`: compare at least about that many vectors, scanning more than
        `IVF_NPROBE` inverted lists if need be (a deep list to filter)."""
        if self.size == 0 or k <= 0:
            return []
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        if allowed is not None:
            return self._exact_among(query, k, self._rows(allowed))
        if self.ann is None:
            return self._exact(query, k, None)
        params = None
        probes = math.ceil(scan * self.ann.nlist / self.size) if scan else 0
        if probes > IVF_NPROBE:
            import faiss

            params = faiss.SearchParametersIVF()
            params.nprobe = min(probes, self.ann.nlist)
        scores, rows = self.ann.search(query.reshape(1, -1), min(k, self.size), params=params)
        hits = [
            (int(self.ids[r]), float(s))
            for s, r in zip(scores[0], rows[0], strict=True)
            if r >= 0 and self.alive[r]
        ]
        return hits[:k]

    def nearest_among(
        self, query: Matrix, k: int, allowed: npt.NDArray[np.int64]
    ) -> tuple[list[tuple[int, float]], int]:
        """`search` among `allowed` ids, and how many are eligible: all the hits when fewer
        than `k`, else how many of `allowed` have a vector. The ids are looked up once (at a
        million vectors 25-40 ms for 100k ids, which `count_among` after `search` spent a
        second time)."""
        rows = self._rows(allowed)
        hits: list[tuple[int, float]] = []
        if self.size and k > 0:
            query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
            hits = self._exact_among(query, k, rows)
        return hits, len(hits) if len(hits) < k else len(rows)

    def warm_up(self) -> None:
        """Sort the ids and scan the inverted lists once with a bitmap, as the first search
        among many ids would otherwise do while its visitor waits (at a million vectors
        38 ms here, and that first filtered search 87-91 ms instead of 104-111)."""
        if self.ann is None or self.size < VECTORISED_LOOKUP:
            return
        sorted_ids, rows = self._id_order()
        self.nearest_among(self.matrix[rows[0]], 1, sorted_ids[:VECTORISED_LOOKUP])

    def _rows(self, work_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The rows holding vectors of `work_ids` (those without one left out)."""
        if len(work_ids) < VECTORISED_LOOKUP:
            found = (self._row_of.get(work_id) for work_id in work_ids.tolist())
            return np.array([row for row in found if row is not None], dtype=np.int64)
        sorted_ids, rows = self._id_order()
        if not len(rows):
            return np.zeros(0, dtype=np.int64)
        places = np.minimum(np.searchsorted(sorted_ids, work_ids), len(rows) - 1)
        return np.asarray(rows[places[sorted_ids[places] == work_ids]], dtype=np.int64)

    def _id_order(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(the live rows' ids sorted, their rows in that order), kept until rows change:
        making them took 5-8 ms of each search among 100k ids at a million vectors."""
        made = self._by_id
        if made is None:
            seen = self._row_changes
            alive_rows = np.flatnonzero(self.alive)
            alive_ids = self.ids[alive_rows]
            order = np.argsort(alive_ids, kind="stable")
            made = (alive_ids[order], alive_rows[order])
            with self._by_id_lock:
                # Kept only if no sync changed the rows while they were being read (the
                # server searches in one thread while another syncs the index).
                if self._row_changes == seen:
                    self._by_id = made
        return made

    def _rows_changed(self) -> None:
        with self._by_id_lock:
            self._row_changes += 1
            self._by_id = None

    def _exact_among(
        self, query: Matrix, k: int, rows: npt.NDArray[np.int64]
    ) -> list[tuple[int, float]]:
        """The exact `k` nearest among `rows`. With IVF lists in memory, every list is
        scanned with the rows as a bitmap (at a million vectors 19 ms for 33k rows, 107 ms
        for 500k): gathering the rows from the matrix file instead took 135 ms and 1.5 s,
        and on a first visit reads them from the disk."""
        if self.ann is None or len(rows) < VECTORISED_LOOKUP:
            return self._exact(query, k, rows)
        import faiss

        wanted = np.zeros(self.ann.ntotal, dtype=bool)
        wanted[rows] = True
        bitmap = np.packbits(wanted, bitorder="little")
        params = faiss.SearchParametersIVF()
        params.nprobe = self.ann.nlist
        params.sel = faiss.IDSelectorBitmap(len(wanted), faiss.swig_ptr(bitmap))
        scores, found = self.ann.search(query.reshape(1, -1), min(k, len(rows)), params=params)
        return [
            (int(self.ids[r]), float(s))
            for s, r in zip(scores[0], found[0], strict=True)
            if r >= 0 and self.alive[r]
        ]

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
            "ann": self.ann is not None,
            "trained_size": self.trained_size,
        }
        (staging / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        if self.ann is not None:
            import faiss

            faiss.write_index(self.ann, str(staging / "ivf.faiss"))
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
            # With an IVF index the matrix is read only for single rows (a work's own
            # vector, a filtered search's candidates): mapped, not read whole. At 1M works
            # reading its 1.5 GB took 18 s of the first semantic request's time.
            index = cls(
                model,
                np.load(directory / "ids.npy"),
                list(meta["hashes"]),
                np.load(directory / "matrix.npy", mmap_mode="r" if meta["ann"] else None),
                np.load(directory / "alive.npy"),
                int(meta["generation"]),
                trained_size=int(meta["trained_size"]),
            )
            if meta["ann"]:
                import faiss

                index.ann = faiss.read_index(str(directory / "ivf.faiss"))
                index.ann.nprobe = IVF_NPROBE
                _single_query_threads()
        except (OSError, ValueError, KeyError, RuntimeError):
            return None
        return index


def _single_query_threads() -> None:
    """One query is one thread's work: OpenMP hand-offs only add latency (and much more of it
    on a busy machine)."""
    import faiss

    faiss.omp_set_num_threads(1)


_STATE = (
    "ids",
    "hashes",
    "matrix",
    "alive",
    "generation",
    "ann",
    "trained_size",
    "_row_of",
)

"""The vector index inside PostgreSQL, with pgvector's HNSW, when the extension is available.

One table per model, ``search_vec_<model>`` (work id, a digest of the vector's text hash and
model version, ``vector(dim)``), with an HNSW index on inner product (the stored vectors are
unit length, so inner product is the cosine). The tables are created at run time, not by a
migration, because the extension may be absent; they stay off the SQLAlchemy metadata.

The table follows the ``embeddings`` table by the same rule as the faiss index: the model's
generation counter (``search_state``) says when it moved on, and the per-work digests say
which rows to delete and insert. ``search_vec_state`` records the generation each table
reflects, so every process (web workers, the CLI) shares one up-to-date table; syncs are
serialised by an advisory lock.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from paperscope.embeddings.encoders import Matrix
from paperscope.embeddings.faiss_index import VectorIndex
from paperscope.embeddings.vectors import generation, load_embeddings, load_hashes
from paperscope.store import Store

HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
# ef_search = max(HNSW_EF_SEARCH, 2k). An index scan returns at most ef_search rows, and
# pgvector allows 1000 at most: a larger k is an exact scan. On the 113k ACM-CR model2vec
# vectors (m=16, ef_construction=64; 200 stored vectors as queries) recall@10 was 0.963 at
# ef_search 40, 0.986 at 200 (p50 9 ms), 0.995 at 1000 (p50 34 ms).
HNSW_EF_SEARCH = 200
MAX_EF_SEARCH = 1000
STATE_TABLE = "search_vec_state"
TABLE_PREFIX = "search_vec_"

_AVAILABLE: dict[str, bool] = {}
_CACHE: dict[tuple[str, str], PgVectorIndex] = {}
_LOCK = threading.Lock()


def table_name(model: str) -> str:
    """``search_vec_<model>``, with anything but [a-z0-9_] replaced (models are short names)."""
    return TABLE_PREFIX + re.sub(r"[^a-z0-9_]", "_", model.lower())


def pgvector_available(store: Store) -> bool:
    """Whether the database is PostgreSQL with the ``vector`` extension (created if needed)."""
    if store.engine.dialect.name != "postgresql":
        return False
    key = store.engine.url.render_as_string(hide_password=True)
    if key not in _AVAILABLE:
        _AVAILABLE[key] = _create_extension(store)
    return _AVAILABLE[key]


def _create_extension(store: Store) -> bool:
    try:
        with store.transaction() as connection:
            offered = connection.execute(
                text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
            ).first()
            if offered is None:
                return False
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            connection.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} "
                    "(model varchar(32) PRIMARY KEY, generation bigint NOT NULL, "
                    "dim integer NOT NULL)"
                )
            )
    except DBAPIError:  # no privilege to create it: the faiss index serves
        return False
    return True


def _literal(vector: Matrix) -> str:
    """pgvector's text form; float32 values print exactly via Python's repr."""
    return "[" + ",".join(map(repr, np.asarray(vector, dtype=np.float32).tolist())) + "]"


def binary_copy(ids: npt.NDArray[np.int64], hashes: list[str], matrix: Matrix) -> bytes:
    """Rows (int4, varchar, vector) in PostgreSQL's binary COPY format, built with numpy.

    pgvector's binary form of a vector is int16 dim, int16 zero, dim float4 (big-endian).
    The digests must share one length (``load_hashes`` gives 16 hex characters).
    """
    width = len(hashes[0]) if hashes else 0
    if any(len(digest) != width for digest in hashes):
        raise ValueError("digests of one length expected")
    dim = int(matrix.shape[1]) if matrix.ndim == 2 else 0
    row = np.dtype(
        [
            ("fields", ">i2"),
            ("id_len", ">i4"),
            ("id", ">i4"),
            ("hash_len", ">i4"),
            ("hash", f"S{width}"),
            ("vector_len", ">i4"),
            ("dim", ">i2"),
            ("unused", ">i2"),
            ("vector", ">f4", (dim,)),
        ]
    )
    rows = np.zeros(len(ids), dtype=row)
    rows["fields"], rows["id_len"], rows["id"] = 3, 4, ids
    rows["hash_len"], rows["hash"] = width, [digest.encode("ascii") for digest in hashes]
    rows["vector_len"], rows["dim"], rows["vector"] = 4 + 4 * dim, dim, matrix
    header = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
    return header + rows.tobytes() + b"\xff\xff"  # trailer: -1 fields


class PgVectorIndex(VectorIndex):
    """A VectorIndex whose vectors live in PostgreSQL; the local arrays stay empty."""

    def __init__(self, store: Store, model: str) -> None:
        empty = VectorIndex.empty(model)
        super().__init__(model, empty.ids, [], empty.matrix, empty.alive)
        self.store = store
        self.table = table_name(model)
        self._dim = 0
        self._ids: set[int] = set()

    @property
    def size(self) -> int:
        return len(self._ids)

    @property
    def kind(self) -> str:
        return "pgvector HNSW"

    @property
    def dim(self) -> int:
        return self._dim

    def vector_of(self, work_id: int) -> Matrix | None:
        if work_id not in self._ids:
            return None
        with self.store.connect() as connection:
            row = connection.execute(
                text(f"SELECT embedding::text FROM {self.table} WHERE work_id = :w"),
                {"w": work_id},
            ).first()
        if row is None:
            return None
        return np.array(row[0].strip("[]").split(","), dtype=np.float32)

    def count_among(self, work_ids: npt.NDArray[np.int64]) -> int:
        return sum(1 for work_id in work_ids.tolist() if work_id in self._ids)

    def nearest_among(
        self, query: Matrix, k: int, allowed: npt.NDArray[np.int64]
    ) -> tuple[list[tuple[int, float]], int]:
        hits = self.search(query, k, allowed)
        return hits, len(hits) if len(hits) < k else self.count_among(allowed)

    def save(self, directory: Path) -> None:
        """Nothing to write: the table is the persisted index."""

    # --- keeping the table in step ------------------------------------------------------

    def sync(self, connection: Connection) -> bool:
        """Bring the table (and this process's view of it) up to date; True if it changed."""
        current = generation(connection, self.model)
        if current == self.generation:
            return False
        lock = text("SELECT pg_advisory_xact_lock(hashtext(:key))")
        connection.execute(lock, {"key": f"paperscope.{self.table}"})
        state = connection.execute(
            text(f"SELECT generation, dim FROM {STATE_TABLE} WHERE model = :m"),
            {"m": self.model},
        ).first()
        if state is None or state[0] != current:
            self._update_table(connection, current, None if state is None else int(state[1]))
        self.generation = current
        self._load_view(connection)
        return True

    def _update_table(self, connection: Connection, current: int, dim: int | None) -> None:
        stored = load_hashes(connection, self.model)
        probe_ids, probe = load_embeddings(connection, self.model, list(stored)[:1])
        new_dim = int(probe.shape[1]) if len(probe_ids) else (dim or 0)
        if dim is not None and dim != new_dim:
            connection.execute(text(f"DROP TABLE IF EXISTS {self.table}"))
            dim = None
        if new_dim == 0:  # no vectors for this model yet
            return
        if dim is None:
            connection.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {self.table} (work_id integer PRIMARY KEY "
                    "REFERENCES works (id) ON DELETE CASCADE, hash varchar(32) NOT NULL, "
                    f"embedding vector({new_dim}) NOT NULL)"
                )
            )
        rows = connection.execute(text(f"SELECT work_id, hash FROM {self.table}"))
        held: dict[int, str] = {int(row[0]): str(row[1]) for row in rows}
        changed = [w for w, h in stored.items() if held.get(w) != h]
        gone = [w for w in held if w not in stored or held[w] != stored[w]]
        if gone:
            connection.execute(
                text(f"DELETE FROM {self.table} WHERE work_id = ANY(:ids)"), {"ids": gone}
            )
        if changed:
            ids, matrix = load_embeddings(connection, self.model, changed)
            self._copy(connection, ids, matrix, [stored[int(w)] for w in ids])
        # After the first bulk load: building the graph once beats growing it row by row.
        connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        connection.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {self.table}_hnsw ON {self.table} USING hnsw "
                f"(embedding vector_ip_ops) WITH (m = {HNSW_M}, "
                f"ef_construction = {HNSW_EF_CONSTRUCTION})"
            )
        )
        connection.execute(
            text(
                f"INSERT INTO {STATE_TABLE} (model, generation, dim) VALUES (:m, :g, :d) "
                "ON CONFLICT (model) DO UPDATE SET generation = :g, dim = :d"
            ),
            {"m": self.model, "g": current, "d": new_dim},
        )

    def _copy(
        self,
        connection: Connection,
        ids: npt.NDArray[np.int64],
        matrix: Matrix,
        hashes: list[str],
    ) -> None:
        """COPY the rows in (binary format), on the connection's own transaction."""
        raw = connection.connection.driver_connection
        assert raw is not None
        statement = f"COPY {self.table} (work_id, hash, embedding) FROM STDIN (FORMAT BINARY)"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(binary_copy(ids, hashes, matrix))

    def _load_view(self, connection: Connection) -> None:
        state = connection.execute(
            text(f"SELECT dim FROM {STATE_TABLE} WHERE model = :m"), {"m": self.model}
        ).first()
        if state is None:
            self._ids, self._dim = set(), 0
            return
        self._dim = int(state[0])
        self._ids = set(connection.execute(text(f"SELECT work_id FROM {self.table}")).scalars())

    # --- searching ----------------------------------------------------------------------

    @property
    def reads_deep_lists(self) -> bool:
        return False  # above MAX_EF_SEARCH a list is an exact scan of the table

    def search(
        self,
        query: Matrix,
        k: int,
        allowed: npt.NDArray[np.int64] | None = None,
        scan: int | None = None,
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest (work id, cosine); exact among ``allowed`` ids (an HNSW scan
        filters after the graph walk and would miss most of a selective filter). `scan` is
        not needed: the graph walk's breadth grows with `k`."""
        if self.size == 0 or k <= 0:
            return []
        params: dict[str, object] = {"q": _literal(np.reshape(query, -1)), "k": k}
        ef_search = max(HNSW_EF_SEARCH, 2 * k)
        exact = allowed is not None or k > MAX_EF_SEARCH
        where = ""
        if allowed is not None:
            where = "WHERE work_id = ANY(:ids)"
            params["ids"] = [int(w) for w in allowed]
        with self.store.transaction() as connection:
            name, value = (
                ("enable_indexscan", "off")
                if exact
                else ("hnsw.ef_search", str(min(ef_search, MAX_EF_SEARCH)))
            )
            connection.execute(  # SET LOCAL, with bound values
                text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
            )
            rows = connection.execute(text(nearest_statement(self.table, where)), params).all()
        return [(int(work_id), -float(distance)) for work_id, distance in rows]


def nearest_statement(table: str, where: str = "") -> str:
    """Best-first ``k`` nearest rows: ``<#>`` is the negative inner product."""
    return (
        f"SELECT work_id, embedding <#> CAST(:q AS vector) AS distance FROM {table} {where} "
        "ORDER BY embedding <#> CAST(:q AS vector) LIMIT :k"
    )


def open_pgvector_index(store: Store, model: str) -> PgVectorIndex | None:
    """The synced pgvector index of ``model``, or None when the extension is unavailable."""
    if not pgvector_available(store):
        return None
    key = (store.engine.url.render_as_string(hide_password=True), model)
    with _LOCK:
        index = _CACHE.get(key)
        if index is None or index.store is not store:
            index = PgVectorIndex(store, model)
        with store.transaction() as connection:
            index.sync(connection)
        _CACHE[key] = index
        return index


def forget_pgvector_indexes() -> None:
    with _LOCK:
        _CACHE.clear()
        _AVAILABLE.clear()

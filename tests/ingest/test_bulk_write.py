"""The bulk write path on both databases: COPY into staging tables and set-based merges on
PostgreSQL, `executemany` on SQLite; reference edges linked as they are written.

The data is a small benchmark corpus (bench/scale_corpus.py): the same works in arXiv, OpenAlex and
S2 records, which merge inside one batch and across batches, and OpenAlex reference lists
and S2 citation records that point at works of the same batch, of earlier and of later ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from dump import canonical_dump
from sqlalchemy import func, select

from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import references, work_ids
from pgserver import PgServer

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "scale_corpus.py"
WORKS = 300


@pytest.fixture(scope="module")
def corpus_paths(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("corpus")
    command = [sys.executable, str(GENERATOR), str(out), "--works", str(WORKS), "--seed", "3"]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    return [out / "arxiv", out / "openalex", out / "s2"]


def _unlinked(store: Store) -> int:
    """Edges whose cited identifier is a stored work's but whose cited work id is not set."""
    stored = select(work_ids.c.work_id).where(
        work_ids.c.scheme == references.c.cited_scheme,
        work_ids.c.value == references.c.cited_value,
    )
    query = select(func.count()).where(references.c.cited_work_id.is_(None), stored.exists())
    with store.connect() as connection:
        return int(connection.execute(query).scalar_one())


def test_small_batches_store_what_one_batch_stores_and_a_rerun_changes_nothing(
    new_database_url: Callable[[], str], corpus_paths: list[Path]
) -> None:
    one_batch, small_batches = Store.open(new_database_url()), Store.open(new_database_url())
    try:
        whole = ingest_paths(one_batch, corpus_paths, batch_size=100_000)
        counts = ingest_paths(small_batches, corpus_paths, batch_size=97)
        dump = canonical_dump(small_batches)
        assert dump == canonical_dump(one_batch)
        assert (counts.new, counts.merged, counts.quarantined) == (
            whole.new,
            whole.merged,
            0,
        )
        assert WORKS <= counts.new <= WORKS * 1.05
        assert len(dump["references"]) > WORKS
        assert _unlinked(small_batches) == 0
        assert counts.references_linked >= sum(
            1 for row in dump["references"] if dict(row)["cited_work_id"] is not None
        )

        again = ingest_paths(small_batches, corpus_paths, batch_size=97)
        assert canonical_dump(small_batches) == dump
        assert (again.new, again.merged, again.unchanged) == (0, 0, again.read)
    finally:
        one_batch.close()
        small_batches.close()


def test_sqlite_and_postgresql_store_the_same_rows(
    pg_server: PgServer, tmp_path: Path, corpus_paths: list[Path]
) -> None:
    sqlite = Store.open(f"sqlite:///{tmp_path / 'same.db'}")
    postgres = Store.open(pg_server.new_database(f"same_rows_{os.getpid()}"))
    try:
        for store in (sqlite, postgres):
            ingest_paths(store, corpus_paths, batch_size=211)
        assert canonical_dump(sqlite) == canonical_dump(postgres)
    finally:
        sqlite.close()
        postgres.close()

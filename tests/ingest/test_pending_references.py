"""A run's reference edges wait in `pending_references` and are stored once, linked, at the
end of the run (`ingest.references.write_edges`, `move_pending_references`), on SQLite and
PostgreSQL; a run that stops before its end leaves them to the next."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

import paperscope.ingest.references as references_module
from paperscope.ingest import ingest_paths
from paperscope.ingest.items import item_for
from paperscope.ingest.writer import BatchWriter
from paperscope.sources.base import DEFAULT_LIMITS, Parsed
from paperscope.sources.detect import format_named
from paperscope.store import Store
from paperscope.store.schema import pending_references, references, work_ids

OPENALEX = "https://openalex.org/"


def _work(openalex_id: str, title: str, cites: list[str]) -> dict[str, Any]:
    return {
        "id": OPENALEX + openalex_id,
        "title": title,
        "publication_year": 2020,
        "authorships": [{"author": {"display_name": "Ada Lovelace"}}],
        "referenced_works": [OPENALEX + cited for cited in cites],
    }


def _write(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), "utf-8")
    return path


def _edges(connection: Connection) -> dict[tuple[str, str], tuple[int | None, int | None]]:
    query = select(
        references.c.citing_value,
        references.c.cited_value,
        references.c.citing_work_id,
        references.c.cited_work_id,
    )
    return {(a, b): (c, d) for a, b, c, d in connection.execute(query)}


def _work_id(connection: Connection, openalex_id: str) -> int:
    query = select(work_ids.c.work_id).where(work_ids.c.value == openalex_id)
    return int(connection.execute(query).scalar_one())


def _held(connection: Connection) -> int:
    return int(
        connection.execute(select(func.count()).select_from(pending_references)).scalar_one()
    )


def test_an_edge_to_a_later_work_is_stored_once_linked_at_the_end_of_the_run(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(references_module, "MOVE_CHUNK", 1)  # SQLite: one edge per chunk
    # One record per batch: W1's edges are written before W2 (which it cites) is stored.
    first = _write(tmp_path / "a.jsonl", _work("W1", "Citing work", ["W2", "W9"]))
    second = _write(tmp_path / "b.jsonl", _work("W2", "Cited later", ["W1"]))
    counts = ingest_paths(store, [first, second], format_name="openalex", batch_size=1)
    with store.connect() as connection:
        w1, w2 = _work_id(connection, "W1"), _work_id(connection, "W2")
        assert _edges(connection) == {
            ("W1", "W2"): (w1, w2),  # written before W2 was stored, linked when moved
            ("W1", "W9"): (w1, None),  # never arrives: stored unlinked
            ("W2", "W1"): (w2, w1),
        }
        assert _held(connection) == 0
    assert counts.references_linked == 2


def test_edges_held_by_a_run_that_never_finished_are_stored_by_the_next(
    store: Store, tmp_path: Path
) -> None:
    # A batch written and committed, then the run stopped before its end-of-run pass.
    fmt = format_named("openalex")
    path = _write(tmp_path / "a.jsonl", _work("W1", "Citing work", ["W2"]))
    with path.open("rb") as stream:
        parsed = [r for r in fmt.parse(stream, DEFAULT_LIMITS) if isinstance(r, Parsed)]
    with store.transaction() as connection:
        BatchWriter(connection, "openalex").write([(str(path), item_for(str(path), parsed[0]))])
    with store.connect() as connection:
        assert _held(connection) == 1 and _edges(connection) == {}

    later = _write(tmp_path / "b.jsonl", _work("W2", "Cited later", []))
    ingest_paths(store, [later], format_name="openalex")
    with store.connect() as connection:
        w1, w2 = _work_id(connection, "W1"), _work_id(connection, "W2")
        assert _edges(connection) == {("W1", "W2"): (w1, w2)}
        assert _held(connection) == 0


def test_work_beside_the_move_runs_on_postgresql_until_the_edges_are_stored(
    store: Store, tmp_path: Path
) -> None:
    """`beside_move` (the ingest stage re-indexes search documents there): on PostgreSQL it
    runs in a thread and is told once the move is committed; SQLite, with one writer, never
    runs it."""
    import threading

    first = _write(tmp_path / "a.jsonl", _work("W1", "Citing work", ["W2"]))
    second = _write(tmp_path / "b.jsonl", _work("W2", "Cited later", ["W1"]))
    seen: list[tuple[bool, int, int]] = []

    def beside(moved: threading.Event) -> None:
        told = moved.wait(timeout=60)
        with store.connect() as connection:
            seen.append((told, _held(connection), len(_edges(connection))))

    ingest_paths(store, [first, second], format_name="openalex", batch_size=1, beside_move=beside)
    if store.dialect == "postgresql":
        assert seen == [(True, 0, 2)]  # told after the move's commit: nothing held, 2 stored
    else:
        assert seen == []


def test_a_failure_beside_the_move_is_raised_once_the_edges_are_stored(
    store: Store, tmp_path: Path
) -> None:
    if store.dialect != "postgresql":
        pytest.skip("work beside the move runs on PostgreSQL only")
    path = _write(tmp_path / "a.jsonl", _work("W1", "Citing work", ["W9"]))

    def beside(moved: object) -> None:
        raise RuntimeError("the search documents could not be computed")

    with pytest.raises(RuntimeError, match="search documents"):
        ingest_paths(store, [path], format_name="openalex", beside_move=beside)
    with store.connect() as connection:
        assert _held(connection) == 0 and len(_edges(connection)) == 1

"""A store's corpus and results as the batch stages' Parquet tables (`paperscope batch export`).

Written with pyarrow, one folder per table (`part-0.parquet` and a `_SUCCESS` marker, the
layout Spark writes), with types taken from the store's columns. The folder is an input of
the Spark stages after `merge` (`snapshot.EXPORT_MARKER`), and the single-machine engine
exports its results the same way, so both engines' outputs compare table by table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.sql.expression import ColumnElement

from paperscope.batch.snapshot import EXPORT_MARKER
from paperscope.definitions import VERSION
from paperscope.store import Store
from paperscope.store.metrics_schema import person_metrics, work_metrics
from paperscope.store.schema import (
    authorships,
    people,
    references,
    reported_citations,
    work_categories,
    work_ids,
    works,
)

_CHUNK = 100_000


def _arrow_type(column: Any) -> Any:
    import pyarrow as pa
    from sqlalchemy import Boolean, Date, Float, Integer

    kind = column.type
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Integer):
        return pa.int64()
    if isinstance(kind, Float):
        return pa.float64()
    if isinstance(kind, Date):
        return pa.date32()
    return pa.string()


def write_rows(folder: Path, name: str, schema: Any, rows: Iterable[Sequence[Any]]) -> int:
    """Rows (tuples in the schema's order) as one Parquet table folder; returns the count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = folder / name
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        old.unlink()
    count = 0
    with pq.ParquetWriter(str(target / "part-0.parquet"), schema) as writer:
        chunk: list[Sequence[Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= _CHUNK:
                writer.write_table(
                    pa.Table.from_pylist(
                        [dict(zip(schema.names, r, strict=True)) for r in chunk], schema
                    )
                )
                count += len(chunk)
                chunk = []
        writer.write_table(
            pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in chunk], schema)
        )
        count += len(chunk)
    (target / "_SUCCESS").touch()
    return count


def _export_query(
    connection: Connection,
    folder: Path,
    name: str,
    columns: Sequence[ColumnElement[Any]],
    table: Table,
    order: Sequence[Any],
) -> int:
    import pyarrow as pa

    names = [c.key for c in columns]
    schema = pa.schema([(n, _arrow_type(c)) for n, c in zip(names, columns, strict=True)])
    result = connection.execution_options(stream_results=True).execute(
        select(*columns).select_from(table).order_by(*order)
    )
    return write_rows(folder, name, schema, (tuple(r) for r in result))


def export_store(store: Store, folder: Path) -> dict[str, int]:
    """Write the corpus, the people and the stored metrics; returns rows per table."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with store.engine.connect() as connection:
        plain = {
            "works": (works, [works.c.id]),
            "work_ids": (work_ids, [work_ids.c.work_id, work_ids.c.scheme, work_ids.c.value]),
            "work_categories": (
                work_categories,
                [work_categories.c.work_id, work_categories.c.position],
            ),
            "reported_citations": (
                reported_citations,
                [reported_citations.c.work_id, reported_citations.c.source],
            ),
            "references": (references, [references.c.id]),
            "people": (people, [people.c.id]),
            "work_metrics": (work_metrics, [work_metrics.c.work_id]),
            "person_metrics": (person_metrics, [person_metrics.c.person_key]),
        }  # fmt: skip
        for name, (table, order) in plain.items():
            columns = [c for c in table.c if name != "works" or c.key != "tldr"]
            counts[name] = _export_query(connection, folder, name, columns, table, order)
        columns = [c for c in authorships.c if c.key not in ("person_id", "person_confidence")]
        counts["authorships"] = _export_query(
            connection, folder, "authorships", columns, authorships, [authorships.c.id]
        )
        counts["authorship_people"] = _authorship_people(connection, folder)
        counts["work_scores"] = _work_scores(connection, folder)
        counts["work_citations"] = _work_citations(connection, folder)
    (folder / EXPORT_MARKER).write_text(
        json.dumps({"definitions": VERSION, "tables": counts}, indent=1), encoding="utf-8"
    )
    return counts


def _authorship_people(connection: Connection, folder: Path) -> int:
    import pyarrow as pa

    schema = pa.schema(
        [
            ("authorship_id", pa.int64()),
            ("person_id", pa.int64()),
            ("person_confidence", pa.float64()),
        ]
    )
    rows = connection.execute(
        select(authorships.c.id, authorships.c.person_id, authorships.c.person_confidence)
        .where(authorships.c.person_id.is_not(None))
        .order_by(authorships.c.id)
    )
    return write_rows(folder, "authorship_people", schema, (tuple(r) for r in rows))


def _work_scores(connection: Connection, folder: Path) -> int:
    import pyarrow as pa

    schema = pa.schema(
        [("work_id", pa.int64()), ("novelty", pa.float64()), ("predicted_impact", pa.float64()),
         ("encoder", pa.string())]
    )  # fmt: skip
    m = work_metrics.c
    rows = connection.execute(
        select(m.work_id, m.novelty, m.predicted_impact, m.encoder).order_by(m.work_id)
    )
    return write_rows(folder, "work_scores", schema, (tuple(r) for r in rows))


def _work_citations(connection: Connection, folder: Path) -> int:
    """Per work: in-corpus and reported counts as `score` stored them."""
    import pyarrow as pa

    schema = pa.schema(
        [("work_id", pa.int64()), ("in_corpus", pa.int64()), ("reported", pa.int64()),
         ("citations", pa.int64()), ("citation_source", pa.string())]
    )  # fmt: skip
    m = work_metrics.c
    rows = connection.execute(
        select(m.work_id, m.in_corpus_citations, m.reported_citations, m.citations,
               m.citation_source).order_by(m.work_id)
    )  # fmt: skip
    return write_rows(folder, "work_citations", schema, (tuple(r) for r in rows))

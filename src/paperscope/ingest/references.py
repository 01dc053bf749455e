"""Link reference edges to stored works: by identifier (set-wise), then by title and year.

Identifier step: an edge whose cited (or citing) id is a stored work id (DOI, arXiv, OpenAlex,
S2, AAN/ACL, AMiner, ...) gets that work's id. Title step: an edge whose cited side is a
title (scheme `title`, value `Title text` or `Title text (2010)`) is linked to the one work
whose normalised title matches and whose year is the same (or, without a year, to the only
work with that title). An ambiguous title (two works, no year to choose) stays unresolved.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update

from paperscope.ingest.keys import title_key
from paperscope.store.ids import in_list
from paperscope.store.schema import pending_references, references, work_ids, works
from paperscope.store.upsert import insert_rows

TITLE_SCHEME = "title"
_TITLE_YEAR = re.compile(r"^(?P<title>.*\S)\s*[(\[](?P<year>\d{4})[)\]]\s*$")


EDGE_KEY = ("citing_scheme", "citing_value", "cited_scheme", "cited_value")


def resolve_references(connection: Connection) -> int:
    """The end-of-ingest reference step, after the held edges are stored
    (`move_pending_references`): link every edge that can be linked; idempotent."""
    return link_references(connection) + link_references_by_title(connection)


def write_edges(connection: Connection, edges: Sequence[dict[str, Any]]) -> None:
    """Hold a batch's reference edges (rows of `pending_references`' columns but `id`;
    `citing_work_id` known or None) until the end of the run (`move_pending_references`),
    when the works they cite, and the S2 papers that citation records name, have arrived:
    one COPY now, one insert into `references` then, linked; rather than an insert now,
    before most of those works are stored, and an update of millions of edges at the end."""
    insert_rows(connection, pending_references, edges)


MOVE_CHUNK = 100_000
"""Held edges moved per statement on SQLite, whose RETURNING rows wait in memory until the
statement is done."""


def move_pending_references(connection: Connection) -> int:
    """Insert the held edges into `references` in the order they were held (of two with
    one key the first is kept, as an insert at the time would have kept it), each end
    linked to the work its identifier names now (the citing end: the work its record was
    written to, if still stored); returns how many stored edges have their cited end
    linked."""
    if connection.dialect.name == "postgresql":
        # One statement, so that edges another ingest commits meanwhile are neither moved
        # nor deleted: they wait for that run's own pass.
        moved = "moved AS (DELETE FROM pending_references RETURNING *)"
        into = _move_statement(held="moved", where="true")
        statement = f"WITH {moved}, stored AS ({into}) SELECT count(cited_work_id) FROM stored"
        return int(connection.exec_driver_sql(statement).scalar_one())
    # SQLite: this transaction holds the only write lock from the first insert to the delete.
    first, last = connection.execute(
        select(func.min(pending_references.c.id), func.max(pending_references.c.id))
    ).one()
    linked = 0
    if first is None:
        return linked
    chunk = _move_statement(held="pending_references", where="m.id BETWEEN ? AND ?")
    for start in range(first, last + 1, MOVE_CHUNK):
        rows = connection.exec_driver_sql(chunk, (start, start + MOVE_CHUNK - 1))
        linked += sum(work_id is not None for (work_id,) in rows)
    connection.exec_driver_sql("DELETE FROM pending_references")
    return linked


def _move_statement(held: str, where: str) -> str:
    """INSERT the edges of `held` (the pending table, or the rows a CTE deleted from it)
    that match `where` into `references`, linked, returning each one's cited work id."""
    key = ", ".join(EDGE_KEY)
    held_key = ", ".join(f"m.{name}" for name in EDGE_KEY)
    return (
        f'INSERT INTO "references" ({key}, citing_work_id, cited_work_id, is_influential) '
        f"SELECT {held_key}, COALESCE(c.id, citing.work_id), cited.work_id, m.is_influential "
        f"FROM {held} AS m "
        "LEFT JOIN works AS c ON c.id = m.citing_work_id "
        "LEFT JOIN work_ids AS citing "
        "ON citing.value = m.citing_value AND citing.scheme = m.citing_scheme "
        "LEFT JOIN work_ids AS cited "
        "ON cited.value = m.cited_value AND cited.scheme = m.cited_scheme "
        # A WHERE clause, or SQLite would read ON CONFLICT as the join's ON.
        f"WHERE {where} ORDER BY m.id "
        f"ON CONFLICT ({key}) DO NOTHING RETURNING cited_work_id"
    )


def link_references(connection: Connection) -> int:
    """Fill citing/cited work ids that an identifier now resolves; returns edges newly linked."""
    linked = 0
    for side in ("citing", "cited"):
        work_column = references.c[f"{side}_work_id"]
        found = select(work_ids.c.work_id).where(
            and_(
                work_ids.c.value == references.c[f"{side}_value"],
                work_ids.c.scheme == references.c[f"{side}_scheme"],
            )
        )
        result = connection.execute(
            update(references)
            .where(work_column.is_(None), found.exists())
            .values({work_column.key: found.scalar_subquery()})
        )
        linked += result.rowcount
    return linked


def split_title_year(value: str) -> tuple[str, int | None]:
    """`Title (2010)` -> (`title`, 2010): the normalised title and the year, if given."""
    match = _TITLE_YEAR.match(value)
    if match:
        return title_key(match["title"]), int(match["year"])
    return title_key(value), None


def link_references_by_title(connection: Connection) -> int:
    """Link unresolved `title:` references to the one work with that title (and year)."""
    pending = connection.execute(
        select(references.c.id, references.c.cited_value).where(
            references.c.cited_scheme == TITLE_SCHEME, references.c.cited_work_id.is_(None)
        )
    ).all()
    wanted: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for edge_id, value in pending:
        key, year = split_title_year(value)
        if key:
            wanted[key].append((edge_id, year))
    updates: list[dict[str, int]] = []
    found: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    query = select(works.c.title_key, works.c.id, works.c.year, works.c.published).where(
        in_list(works.c.title_key, wanted)
    )
    for key, work_id, year, published in connection.execute(query):
        found[key].append((work_id, year or (published.year if published else None)))
    for key in sorted(wanted):
        for edge_id, year in wanted[key]:
            candidates = [w for w, y in found.get(key, []) if year is None or y == year]
            if len(candidates) == 1:
                updates.append({"edge": edge_id, "work": candidates[0]})
    if updates:
        statement = (
            update(references)
            .where(references.c.id == bindparam("edge"))
            .values(cited_work_id=bindparam("work"))
        )
        connection.execute(statement, updates)
    return len(updates)

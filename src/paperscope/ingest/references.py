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

from sqlalchemy import Connection, and_, bindparam, select, update

from paperscope.ingest.keys import title_key
from paperscope.store.ids import in_list
from paperscope.store.schema import references, work_ids, works

TITLE_SCHEME = "title"
_TITLE_YEAR = re.compile(r"^(?P<title>.*\S)\s*[(\[](?P<year>\d{4})[)\]]\s*$")


def resolve_references(connection: Connection) -> int:
    """The `resolve` stage's reference step: link every edge that can be linked; idempotent."""
    return link_references(connection) + link_references_by_title(connection)


def link_new_edges(connection: Connection, edges: Sequence[dict[str, Any]], side: str) -> int:
    """Fill `{side}_work_id` of edge rows about to be inserted, where a stored work has that
    side's identifier; returns how many were filled.

    One query for the whole batch. Done before the insert, it spares the end-of-ingest
    `link_references` from rewriting nearly every edge row (at a million works, ten million
    of them): that pass then only looks at the edges still unlinked.
    """
    work_column, scheme_key, value_key = f"{side}_work_id", f"{side}_scheme", f"{side}_value"
    wanted = [edge for edge in edges if edge.get(work_column) is None]
    if not wanted:
        return 0
    query = select(work_ids.c.scheme, work_ids.c.value, work_ids.c.work_id).where(
        in_list(work_ids.c.value, {edge[value_key] for edge in wanted})
    )
    found = {(scheme, value): work_id for scheme, value, work_id in connection.execute(query)}
    linked = 0
    for edge in edges:
        work_id = found.get((edge[scheme_key], edge[value_key]))
        if edge.get(work_column) is None:
            edge[work_column] = work_id
            linked += work_id is not None
    return linked


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

"""Link reference edges to stored works by identifier, set-wise, after every ingest."""

from __future__ import annotations

from sqlalchemy import Connection, and_, select, update

from paperscope.store.schema import references, work_ids


def resolve_references(connection: Connection) -> int:
    """The `resolve` stage's reference step: link every edge that can be linked; idempotent."""
    return link_references(connection)


def link_references(connection: Connection) -> int:
    """Fill citing/cited work ids that an identifier now resolves; returns edges newly linked."""
    linked = 0
    for side in ("citing", "cited"):
        work_column = references.c[f"{side}_work_id"]
        match = (
            select(work_ids.c.work_id)
            .where(
                and_(
                    work_ids.c.value == references.c[f"{side}_value"],
                    work_ids.c.scheme == references.c[f"{side}_scheme"],
                )
            )
            .scalar_subquery()
        )
        result = connection.execute(
            update(references).where(work_column.is_(None)).values({work_column.key: match})
        )
        linked += result.rowcount
    return linked

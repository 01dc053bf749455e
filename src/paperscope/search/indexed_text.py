"""What a work is indexed by for keyword search, as SQL: its title, abstract, venue and its
authors' names in order, one string. The database's own index (search.keyword) and the BM25
index beside it (search.bm25) read the same text."""

from __future__ import annotations

AUTHORS = {
    "sqlite": (
        "(SELECT group_concat(name, ', ') FROM (SELECT name FROM authorships a "
        "WHERE a.work_id = w.id ORDER BY a.position))"
    ),
    "postgresql": (
        "coalesce((SELECT string_agg(a.name, ', ' ORDER BY a.position) FROM authorships a "
        "WHERE a.work_id = w.id), '')"
    ),
}
"""The authors' names of work `w`, in order, comma-separated, by dialect."""


def works_text_sql(dialect: str) -> str:
    """``SELECT id, title, abstract, venue, authors FROM works w`` (a WHERE may follow)."""
    return f"SELECT w.id, w.title, w.abstract, w.venue, {AUTHORS[dialect]} FROM works w"


__all__ = ["AUTHORS", "works_text_sql"]

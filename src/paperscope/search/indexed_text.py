"""What a work is indexed by for keyword search, as SQL: its title, abstract, venue and its
authors' names in order, one string. The database's own index (search.keyword) and the BM25
index beside it (search.bm25) read the same text; the BM25 index also reads the facts the
search filters test (search.bm25_filters)."""

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


_FACTS = {
    "sqlite": (
        "w.published, w.year, "
        "(coalesce(w.code_badge, 0) = 1 OR EXISTS (SELECT 1 FROM code_links c "
        "WHERE c.work_id = w.id)), "
        "(SELECT json_group_array(k.category) FROM work_categories k WHERE k.work_id = w.id), "
        "(SELECT json_group_array(a.name_key) FROM authorships a WHERE a.work_id = w.id)"
    ),
    "postgresql": (
        "w.published, w.year, "
        "(w.code_badge IS TRUE OR EXISTS (SELECT 1 FROM code_links c WHERE c.work_id = w.id)), "
        "(SELECT array_agg(k.category) FROM work_categories k WHERE k.work_id = w.id), "
        "(SELECT array_agg(a.name_key) FROM authorships a WHERE a.work_id = w.id)"
    ),
}


def works_document_sql(dialect: str) -> str:
    """``SELECT id, title, abstract, venue, authors, published, year, has_code, categories,
    name_keys FROM works w``: the text, then the facts the filters test (categories and name
    keys aggregated: a JSON array on SQLite, an array on PostgreSQL)."""
    text_columns = f"w.id, w.title, w.abstract, w.venue, {AUTHORS[dialect]}"
    return f"SELECT {text_columns}, {_FACTS[dialect]} FROM works w"


__all__ = ["AUTHORS", "works_document_sql", "works_text_sql"]

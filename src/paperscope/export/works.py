"""Stored works out, page by page: ids in pages (keyset: `id > last`), `load_works` and
`load_details` per page, each page written before the next is read. Memory holds one page
whatever the export's size; each page has its own short read transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import ColumnElement, Connection, select

from paperscope.errors import QueryError
from paperscope.export.formats import ExportFormat, write
from paperscope.export.items import ExportItem, from_work
from paperscope.progress import SILENT, Progress
from paperscope.read.works import load_details, load_works, work_id_for
from paperscope.search.filters import SearchFilters, filter_conditions
from paperscope.search.keyword import matching_ids
from paperscope.search.query import parse_query
from paperscope.store import Store
from paperscope.store.ids import in_list
from paperscope.store.schema import works

PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Selection:
    """Which works: all of them, those matching a keyword query (every term) and/or an
    author name, or a list of ids."""

    query: str | None = None
    author: str | None = None
    ids: tuple[int, ...] = ()


def resolve_ids(connection: Connection, refs: Sequence[str]) -> tuple[list[int], list[str]]:
    """Work ids of `123` or `scheme:value` references, and the references naming no work."""
    candidates = {ref: work_id_for(connection, ref) for ref in refs}
    wanted = [work_id for work_id in candidates.values() if work_id is not None]
    stored = set(
        connection.execute(select(works.c.id).where(in_list(works.c.id, wanted))).scalars()
    )
    found = [
        work_id for work_id in candidates.values() if work_id is not None and work_id in stored
    ]
    unknown = [ref for ref, work_id in candidates.items() if work_id not in stored]
    return list(dict.fromkeys(found)), unknown


def _next_ids(connection: Connection, selection: Selection, after: int, limit: int) -> list[int]:
    where: list[ColumnElement[bool]] = []
    if selection.author:
        where = filter_conditions(SearchFilters(author=selection.author))
    if selection.query:
        return matching_ids(connection, parse_query(selection.query), where, after, limit)
    page = select(works.c.id).where(works.c.id > after, *where).order_by(works.c.id).limit(limit)
    return [int(work_id) for work_id in connection.execute(page).scalars()]


def id_pages(store: Store, selection: Selection, size: int = PAGE_SIZE) -> Iterator[list[int]]:
    """The selected work ids, `size` at a time."""
    if selection.ids:
        wanted = list(dict.fromkeys(selection.ids))
        for start in range(0, len(wanted), size):
            yield wanted[start : start + size]
        return
    if selection.query:
        parse_query(selection.query)  # a bad query is a clear error before anything is written
    if selection.author:
        filter_conditions(SearchFilters(author=selection.author))
    after = 0
    while True:
        with store.connect() as connection:
            ids = _next_ids(connection, selection, after, size)
        if not ids:
            return
        yield ids
        after = ids[-1]


def load_items(connection: Connection, ids: Sequence[int]) -> list[ExportItem]:
    """Export items of these stored works (every author named), in the order given."""
    details = load_details(connection, ids)
    return [
        from_work(work, details.get(work.work_id))
        for work in load_works(connection, ids, authors_limit=None)
    ]


def item_pages(
    store: Store, selection: Selection, progress: Progress = SILENT, size: int = PAGE_SIZE
) -> Iterator[list[ExportItem]]:
    for ids in id_pages(store, selection, size):
        with store.connect() as connection:
            page = load_items(connection, ids)
        progress.advance(len(page))
        yield page


def export_works(
    store: Store,
    selection: Selection,
    fmt: ExportFormat,
    out: TextIO,
    progress: Progress = SILENT,
    size: int = PAGE_SIZE,
) -> int:
    """Write the selected works to `out`; how many were written."""
    if size < 1:
        raise QueryError("the page size must be at least 1")
    progress.start("export")
    return write(fmt, item_pages(store, selection, progress, size), out)

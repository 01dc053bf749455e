"""Reading a user's library: one page of items for a folder, a search and a state (the library
page), every item (an export), and the folders' counts.

A search is parsed like the search box's (`search.query.parse_query`: words, "phrases",
prefix*), and an item matches when every term is found in its title, authors, abstract,
note, tags, or what its imported file said. Every query is scoped to the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)

from paperscope.accounts.library import (
    MAX_TAG_CHARS,
    Entry,
    ImportedRecord,
    LibraryItem,
    UnmatchedItem,
    is_tag,
)
from paperscope.errors import QueryError
from paperscope.names import fold
from paperscope.read.works import load_works
from paperscope.search.query import parse_query
from paperscope.store.accounts_schema import (
    library_items,
    library_tags,
    library_unmatched,
    library_unmatched_tags,
)
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, works

MAX_SEARCH_CHARS = 200
PAGE_SIZE = 50
STATES = ("all", "unread", "read", "unmatched")


@dataclass(frozen=True, slots=True)
class TagCount:
    tag: str
    count: int


@dataclass(frozen=True, slots=True)
class LibraryFilter:
    """What the library page shows: a tag (folder), a search, a state, a page."""

    tag: str | None = None
    text: str | None = None
    state: str = "all"
    page: int = 1


@dataclass(frozen=True, slots=True)
class LibraryCounts:
    all: int
    unread: int
    unmatched: int


@dataclass(frozen=True, slots=True)
class LibraryPage:
    entries: tuple[Entry, ...]
    total: int
    """Items matching the filter (all pages)."""
    page: int
    pages: int
    tags: tuple[TagCount, ...]
    counts: LibraryCounts
    filter: LibraryFilter = field(default_factory=LibraryFilter)


def check_filter(tag: str | None, text: str | None, state: str, page: int) -> LibraryFilter:
    if state not in STATES:
        raise QueryError(f"state must be one of {', '.join(STATES)}, not {state[:20]!r}")
    if tag is not None and not is_tag(tag):
        raise QueryError(f"a tag must be printable and at most {MAX_TAG_CHARS} characters")
    text = (text or "").strip() or None
    if text is not None:
        parse_query(text, limit=MAX_SEARCH_CHARS)  # raises a clear QueryError
    return LibraryFilter(tag, text, state, max(page, 1))


# --- reading the library ----------------------------------------------------------------------


def _tags_of(
    connection: Connection, user_id: int, ref_kind: str, ids: Sequence[int]
) -> dict[int, list[str]]:
    table = library_tags if ref_kind == "work" else library_unmatched_tags
    column = table.c.work_id if ref_kind == "work" else table.c.item_id
    found: dict[int, list[str]] = {}
    query = (
        select(column, table.c.tag)
        .where(table.c.user_id == user_id, in_list(column, ids))
        .order_by(table.c.tag)
    )
    for item, tag in connection.execute(query):
        found.setdefault(item, []).append(tag)
    return found


def _saved(connection: Connection, user_id: int, work_ids: Sequence[int]) -> list[LibraryItem]:
    rows = connection.execute(
        select(library_items).where(
            library_items.c.user_id == user_id, in_list(library_items.c.work_id, work_ids)
        )
    ).all()
    by_work = {row.work_id: row for row in rows}
    tags = _tags_of(connection, user_id, "work", work_ids)
    summaries = {w.work_id: w for w in load_works(connection, work_ids, authors_limit=None)}
    return [
        LibraryItem(
            summaries[work_id],
            tuple(tags.get(work_id, ())),
            by_work[work_id].added_at,
            by_work[work_id].note,
            by_work[work_id].read_at,
            ImportedRecord.from_json(by_work[work_id].imported)
            if by_work[work_id].imported
            else None,
        )
        for work_id in work_ids
        if work_id in by_work and work_id in summaries
    ]


def _unmatched(
    connection: Connection, user_id: int, item_ids: Sequence[int]
) -> list[UnmatchedItem]:
    rows = connection.execute(
        select(library_unmatched).where(
            library_unmatched.c.user_id == user_id, in_list(library_unmatched.c.id, item_ids)
        )
    ).all()
    by_id = {row.id: row for row in rows}
    tags = _tags_of(connection, user_id, "unmatched", item_ids)
    return [
        UnmatchedItem(
            item_id,
            ImportedRecord.from_json(by_id[item_id].record),
            tuple(tags.get(item_id, ())),
            by_id[item_id].added_at,
            by_id[item_id].note,
            by_id[item_id].read_at,
        )
        for item_id in item_ids
        if item_id in by_id
    ]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    return func.lower(column).like(_like(text.lower()), escape="\\")


def _search_terms(text: str | None) -> list[str]:
    if not text:
        return []
    return [" ".join(term.words) for term in parse_query(text, limit=MAX_SEARCH_CHARS).terms]


def _saved_query(user_id: int, wanted: LibraryFilter) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = [library_items.c.user_id == user_id]
    if wanted.tag:
        conditions.append(
            exists().where(
                library_tags.c.user_id == user_id,
                library_tags.c.work_id == library_items.c.work_id,
                library_tags.c.tag == wanted.tag,
            )
        )
    if wanted.state == "unmatched":
        conditions.append(false())
    elif wanted.state in ("read", "unread"):
        read = library_items.c.read_at.is_not(None)
        conditions.append(read if wanted.state == "read" else ~read)
    for term in _search_terms(wanted.text):
        folded = _like(fold(term))
        conditions.append(
            or_(
                works.c.title_key.like(folded, escape="\\"),
                _contains(works.c.abstract, term),
                _contains(library_items.c.note, term),
                _contains(library_items.c.imported, term),
                exists().where(
                    authorships.c.work_id == library_items.c.work_id,
                    authorships.c.name_key.like(folded, escape="\\"),
                ),
                exists().where(
                    library_tags.c.user_id == user_id,
                    library_tags.c.work_id == library_items.c.work_id,
                    _contains(library_tags.c.tag, term),
                ),
            )
        )
    return (
        select(
            literal("work").label("kind"),
            library_items.c.work_id.label("id"),
            library_items.c.added_at.label("added_at"),
        )
        .select_from(library_items.join(works, works.c.id == library_items.c.work_id))
        .where(and_(*conditions))
    )


def _unmatched_query(user_id: int, wanted: LibraryFilter) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = [library_unmatched.c.user_id == user_id]
    if wanted.tag:
        conditions.append(
            exists().where(
                library_unmatched_tags.c.user_id == user_id,
                library_unmatched_tags.c.item_id == library_unmatched.c.id,
                library_unmatched_tags.c.tag == wanted.tag,
            )
        )
    if wanted.state in ("read", "unread"):
        read = library_unmatched.c.read_at.is_not(None)
        conditions.append(read if wanted.state == "read" else ~read)
    for term in _search_terms(wanted.text):
        conditions.append(
            or_(
                library_unmatched.c.title_key.like(_like(fold(term)), escape="\\"),
                _contains(library_unmatched.c.record, term),
                _contains(library_unmatched.c.note, term),
                exists().where(
                    library_unmatched_tags.c.item_id == library_unmatched.c.id,
                    _contains(library_unmatched_tags.c.tag, term),
                ),
            )
        )
    return select(
        literal("unmatched").label("kind"),
        library_unmatched.c.id.label("id"),
        library_unmatched.c.added_at.label("added_at"),
    ).where(and_(*conditions))


def _entries(connection: Connection, user_id: int, rows: Sequence[Any]) -> list[Entry]:
    saved_ids = [row.id for row in rows if row.kind == "work"]
    unmatched_ids = [row.id for row in rows if row.kind == "unmatched"]
    found: dict[tuple[str, int], Entry] = {}
    for item in _saved(connection, user_id, saved_ids):
        found["work", item.work_id] = item
    for other in _unmatched(connection, user_id, unmatched_ids):
        found["unmatched", other.item_id] = other
    return [found[row.kind, row.id] for row in rows if (row.kind, row.id) in found]


def library_page(connection: Connection, user_id: int, wanted: LibraryFilter) -> LibraryPage:
    """One page of the user's items (newest first) with the folder counts."""
    both = union_all(_saved_query(user_id, wanted), _unmatched_query(user_id, wanted)).subquery()
    total = int(connection.execute(select(func.count()).select_from(both)).scalar_one())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(wanted.page, pages)
    rows = connection.execute(
        select(both.c.kind, both.c.id)
        .order_by(both.c.added_at.desc(), both.c.kind, both.c.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return LibraryPage(
        entries=tuple(_entries(connection, user_id, rows)),
        total=total,
        page=page,
        pages=pages,
        tags=tuple(tag_counts(connection, user_id)),
        counts=counts(connection, user_id),
        filter=wanted,
    )


def entries(connection: Connection, user_id: int, tag: str | None = None) -> list[Entry]:
    """Every item of the library (or of one tag), newest first: what an export writes."""
    wanted = LibraryFilter(tag=tag)
    both = union_all(_saved_query(user_id, wanted), _unmatched_query(user_id, wanted)).subquery()
    rows = connection.execute(
        select(both.c.kind, both.c.id).order_by(both.c.added_at.desc(), both.c.kind, both.c.id)
    ).all()
    return _entries(connection, user_id, rows)


def items(connection: Connection, user_id: int, tag: str | None = None) -> list[LibraryItem]:
    """The saved works (or those of one tag), newest first."""
    return [e for e in entries(connection, user_id, tag) if isinstance(e, LibraryItem)]


def tag_counts(connection: Connection, user_id: int) -> list[TagCount]:
    """Every tag of the user's items and how many items carry it, by tag."""
    totals: dict[str, int] = {}
    for table in (library_tags, library_unmatched_tags):
        query = (
            select(table.c.tag, func.count())
            .where(table.c.user_id == user_id)
            .group_by(table.c.tag)
        )
        for tag, count in connection.execute(query):
            totals[tag] = totals.get(tag, 0) + int(count)
    return [TagCount(tag, totals[tag]) for tag in sorted(totals, key=str.casefold)]


def counts(connection: Connection, user_id: int) -> LibraryCounts:
    def count(table: Any, *conditions: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(table).where(table.c.user_id == user_id)
        return int(connection.execute(query.where(*conditions)).scalar_one())

    unmatched = count(library_unmatched)
    saved = count(library_items)
    unread = count(library_items, library_items.c.read_at.is_(None)) + count(
        library_unmatched, library_unmatched.c.read_at.is_(None)
    )
    return LibraryCounts(all=saved + unmatched, unread=unread, unmatched=unmatched)

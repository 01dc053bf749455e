"""A user's library: saved works with tags (shown as folders), a note and read state; items
imported from a reference manager that match no stored work yet; local upvotes. Reading
pages of it is `library_pages`, importing a file `library_import`.

Every function takes the acting user's id and only ever reads or writes that user's rows: an
item of another user is "not found", exactly like an item that does not exist. Local upvotes
count with the sources' `works.upvotes` wherever upvotes are shown (the read model adds them).

An item is a saved work (`LibraryItem`, ref `w<work id>`) or an imported item still waiting
for its work (`UnmatchedItem`, ref `u<item id>`); both take tags, a note and read state. What
an imported file said about an item (`ImportedRecord`) is kept with it: an export gives it
back first, the stored work filling what it lacks (docs/library.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from paperscope.domain import WorkRecord
from paperscope.errors import NotFoundError, QueryError
from paperscope.ingest.keys import title_key
from paperscope.read.works import WorkSummary
from paperscope.store.accounts_schema import (
    library_items,
    library_tags,
    library_unmatched,
    library_unmatched_tags,
    user_upvotes,
)
from paperscope.store.schema import works
from paperscope.untrusted import parse_id

MAX_TAGS = 20
MAX_TAG_CHARS = 64
MAX_NOTE_CHARS = 10_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LIMITS = {"title": 1000, "venue": 500, "abstract": 20_000, "url": 2000, "name": 300}
_MAX_AUTHORS = 500
_MAX_KEYWORDS = 50


# --- records ---------------------------------------------------------------------------------


def _clean(text: str | None, limit: int) -> str | None:
    """Untrusted text made storable: control characters and lone surrogates dropped (no
    NUL reaches PostgreSQL), whitespace collapsed, at most `limit` characters."""
    if not text:
        return None
    cleaned = " ".join(_CONTROL.sub(" ", text).split())
    return cleaned[:limit] or None


def _identifier(value: str | None, limit: int) -> str | None:
    """An identifier kept whole or not at all (a cut DOI would name another paper)."""
    cleaned = _clean(value, limit + 1)
    return cleaned if cleaned and len(cleaned) <= limit and " " not in cleaned else None


@dataclass(frozen=True, slots=True)
class ImportedRecord:
    """What a reference manager's file said about one item (stored as JSON)."""

    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    published: date | None = None
    venue: str | None = None
    abstract: str | None = None
    doi: str | None = None
    arxiv: str | None = None
    url: str | None = None
    keywords: tuple[str, ...] = ()

    @property
    def title_key(self) -> str:
        return title_key(self.title)

    @property
    def item_key(self) -> str:
        """What makes two imported items the same: DOI, else arXiv id, else title + year."""
        if self.doi:
            return f"doi:{self.doi}"
        if self.arxiv:
            return f"arxiv:{self.arxiv}"
        return f"title:{self.title_key}|{self.year or ''}"

    def to_json(self) -> str:
        body: dict[str, Any] = {"title": self.title}
        for name in ("year", "venue", "abstract", "doi", "arxiv", "url"):
            if getattr(self, name) is not None:
                body[name] = getattr(self, name)
        if self.published:
            body["published"] = self.published.isoformat()
        if self.authors:
            body["authors"] = list(self.authors)
        if self.keywords:
            body["keywords"] = list(self.keywords)
        return json.dumps(body, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ImportedRecord:
        body = json.loads(text)
        published = body.get("published")
        return cls(
            title=body["title"],
            authors=tuple(body.get("authors", ())),
            year=body.get("year"),
            published=date.fromisoformat(published) if published else None,
            venue=body.get("venue"),
            abstract=body.get("abstract"),
            doi=body.get("doi"),
            arxiv=body.get("arxiv"),
            url=body.get("url"),
            keywords=tuple(body.get("keywords", ())),
        )

    @classmethod
    def from_work_record(cls, record: WorkRecord) -> ImportedRecord | None:
        """The fields kept of a parsed record, cleaned and bounded; None without a title."""
        title = _clean(record.title, _LIMITS["title"])
        if title is None:
            return None
        ids = {i.scheme: i.value for i in record.ids}
        authors = (_clean(a.name, _LIMITS["name"]) for a in record.authors[:_MAX_AUTHORS])
        keywords = (_clean(k, MAX_TAG_CHARS * 4) for k in record.keywords[:_MAX_KEYWORDS])
        url = _clean(record.url, _LIMITS["url"])
        doi, arxiv = _identifier(ids.get("doi"), 300), _identifier(ids.get("arxiv"), 60)
        return cls(
            title=title,
            authors=tuple(a for a in authors if a),
            year=record.year or (record.published.year if record.published else None),
            published=record.published,
            venue=_clean(record.venue, _LIMITS["venue"]),
            abstract=_clean(record.abstract, _LIMITS["abstract"]),
            doi=doi.lower() if doi else None,
            arxiv=arxiv,
            url=url if url and url.startswith(("http://", "https://")) else None,
            keywords=tuple(k for k in keywords if k),
        )


@dataclass(frozen=True, slots=True)
class ItemRef:
    """One library item in a form or a URL: `w12` (saved work 12) or `u3` (unmatched item 3)."""

    kind: Literal["work", "unmatched"]
    id: int

    def __str__(self) -> str:
        return f"{self.kind[0]}{self.id}"

    @classmethod
    def parse(cls, text: str) -> ItemRef:
        number = parse_id(text[1:]) if text[:1] in ("w", "u") else None
        if number is None:
            raise QueryError("item must be w<work id> or u<item id>")
        return cls("work" if text[0] == "w" else "unmatched", number)


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """A saved work."""

    work: WorkSummary
    tags: tuple[str, ...]
    added_at: datetime
    note: str | None = None
    read_at: datetime | None = None
    imported: ImportedRecord | None = None
    """What the imported file said about it, if it came from an import."""

    @property
    def work_id(self) -> int:
        return self.work.work_id

    @property
    def ref(self) -> ItemRef:
        return ItemRef("work", self.work.work_id)

    @property
    def read(self) -> bool:
        return self.read_at is not None


@dataclass(frozen=True, slots=True)
class UnmatchedItem:
    """An imported item that matches no stored work (yet)."""

    item_id: int
    record: ImportedRecord
    tags: tuple[str, ...]
    added_at: datetime
    note: str | None = None
    read_at: datetime | None = None

    @property
    def ref(self) -> ItemRef:
        return ItemRef("unmatched", self.item_id)

    @property
    def read(self) -> bool:
        return self.read_at is not None


Entry = LibraryItem | UnmatchedItem


# --- checking what users type ----------------------------------------------------------------


def parse_tags(text: str) -> list[str]:
    """`"gnn, to read"` -> `["gnn", "to read"]`: trimmed, de-duplicated, bounded."""
    tags: list[str] = []
    for part in text.split(","):
        tag = " ".join(part.split())
        if not tag:
            continue
        if not is_tag(tag):
            raise QueryError(f"a tag must be printable and at most {MAX_TAG_CHARS} characters")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise QueryError(f"at most {MAX_TAGS} tags per paper")
    return tags


def is_tag(text: str) -> bool:
    return 0 < len(text) <= MAX_TAG_CHARS and text.isprintable() and "," not in text


def clean_note(text: str) -> str | None:
    """A note as stored: plain text, trimmed, at most MAX_NOTE_CHARS; None when empty."""
    if "\x00" in text:
        raise QueryError("the note contains a NUL character")
    note = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    if len(note) > MAX_NOTE_CHARS:
        raise QueryError(f"a note holds at most {MAX_NOTE_CHARS} characters (got {len(note)})")
    return note or None


# --- saved works ----------------------------------------------------------------------------


def _require_work(connection: Connection, work_id: int) -> None:
    if connection.execute(select(works.c.id).where(works.c.id == work_id)).first() is None:
        raise NotFoundError(f"no work {work_id}")


def save(
    connection: Connection, user_id: int, work_id: int, tags: Iterable[str], now: datetime
) -> None:
    """Save a work (again) with exactly these tags (its note and read state stay)."""
    _require_work(connection, work_id)
    try:
        with connection.begin_nested():
            connection.execute(
                insert(library_items).values(user_id=user_id, work_id=work_id, added_at=now)
            )
    except IntegrityError:
        pass  # already saved: only the tags change
    _replace_tags(connection, user_id, ItemRef("work", work_id), list(tags))


def remove(connection: Connection, user_id: int, work_id: int) -> None:
    remove_item(connection, user_id, ItemRef("work", work_id))


def remove_item(connection: Connection, user_id: int, ref: ItemRef) -> None:
    """Take an item out of the library (its tags and note go with it)."""
    if ref.kind == "work":
        connection.execute(
            delete(library_tags).where(
                library_tags.c.user_id == user_id, library_tags.c.work_id == ref.id
            )
        )
        connection.execute(
            delete(library_items).where(
                library_items.c.user_id == user_id, library_items.c.work_id == ref.id
            )
        )
        return
    connection.execute(
        delete(library_unmatched_tags).where(
            library_unmatched_tags.c.user_id == user_id,
            library_unmatched_tags.c.item_id == ref.id,
        )
    )
    connection.execute(
        delete(library_unmatched).where(
            library_unmatched.c.user_id == user_id, library_unmatched.c.id == ref.id
        )
    )


def _item_condition(user_id: int, ref: ItemRef) -> tuple[Any, ColumnElement[bool]]:
    if ref.kind == "work":
        return library_items, and_(
            library_items.c.user_id == user_id, library_items.c.work_id == ref.id
        )
    return library_unmatched, and_(
        library_unmatched.c.user_id == user_id, library_unmatched.c.id == ref.id
    )


def _not_found(ref: ItemRef) -> NotFoundError:
    return NotFoundError(f"there is no item {ref} in your library")


def _changed(connection: Connection, user_id: int, ref: ItemRef, **values: Any) -> None:
    """Update the user's item, or NotFoundError when the user has no such item."""
    table, condition = _item_condition(user_id, ref)
    if connection.execute(update(table).where(condition).values(**values)).rowcount == 0:
        raise _not_found(ref)


def set_note(connection: Connection, user_id: int, ref: ItemRef, text: str) -> None:
    _changed(connection, user_id, ref, note=clean_note(text))


def set_read(connection: Connection, user_id: int, ref: ItemRef, read: bool, now: datetime) -> None:
    _changed(connection, user_id, ref, read_at=now if read else None)


def set_tags(connection: Connection, user_id: int, ref: ItemRef, tags: Sequence[str]) -> None:
    """Give an item exactly these tags."""
    table, condition = _item_condition(user_id, ref)
    if connection.execute(select(func.count()).select_from(table).where(condition)).scalar() == 0:
        raise _not_found(ref)
    _replace_tags(connection, user_id, ref, list(tags))


def _tag_table(ref: ItemRef) -> tuple[Any, dict[str, int]]:
    if ref.kind == "work":
        return library_tags, {"work_id": ref.id}
    return library_unmatched_tags, {"item_id": ref.id}


def _replace_tags(connection: Connection, user_id: int, ref: ItemRef, tags: list[str]) -> None:
    table, key = _tag_table(ref)
    ((column, value),) = key.items()
    connection.execute(delete(table).where(table.c.user_id == user_id, table.c[column] == value))
    if tags:
        connection.execute(insert(table), [{"user_id": user_id, **key, "tag": t} for t in tags])


def add_tags(connection: Connection, user_id: int, ref: ItemRef, tags: Sequence[str]) -> None:
    """Add tags an item does not have yet, up to MAX_TAGS in all (an import merges this way)."""
    table, key = _tag_table(ref)
    ((column, value),) = key.items()
    present = set(
        connection.execute(
            select(table.c.tag).where(table.c.user_id == user_id, table.c[column] == value)
        ).scalars()
    )
    room = MAX_TAGS - len(present)
    new = [tag for tag in dict.fromkeys(tags) if tag not in present][: max(room, 0)]
    if new:
        connection.execute(insert(table), [{"user_id": user_id, **key, "tag": t} for t in new])


def all_tags(connection: Connection, user_id: int) -> list[str]:
    """The tags of saved works (what a personal digest can follow)."""
    return list(
        connection.execute(
            select(library_tags.c.tag)
            .where(library_tags.c.user_id == user_id)
            .distinct()
            .order_by(library_tags.c.tag)
        ).scalars()
    )


# --- upvotes -------------------------------------------------------------------------------


def toggle_upvote(connection: Connection, user_id: int, work_id: int, now: datetime) -> bool:
    """Upvote, or take the upvote back; returns whether the work is now upvoted."""
    _require_work(connection, work_id)
    removed = connection.execute(
        delete(user_upvotes).where(
            user_upvotes.c.user_id == user_id, user_upvotes.c.work_id == work_id
        )
    )
    if removed.rowcount:
        return False
    try:
        with connection.begin_nested():
            connection.execute(
                insert(user_upvotes).values(user_id=user_id, work_id=work_id, created_at=now)
            )
    except IntegrityError:
        pass  # a concurrent click upvoted already
    return True


def upvoted(connection: Connection, user_id: int) -> set[int]:
    return set(
        connection.execute(
            select(user_upvotes.c.work_id).where(user_upvotes.c.user_id == user_id)
        ).scalars()
    )

"""A user's library: saved works with tags, and local upvotes.

Every function takes the acting user's id and only ever reads or writes that user's rows.
Local upvotes count with the sources' `works.upvotes` wherever upvotes are shown (the read
model adds them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from paperscope.errors import NotFoundError, QueryError
from paperscope.read.works import WorkSummary, load_works
from paperscope.store.accounts_schema import library_items, library_tags, user_upvotes
from paperscope.store.schema import works

MAX_TAGS = 20
MAX_TAG_CHARS = 64


@dataclass(frozen=True, slots=True)
class LibraryItem:
    work: WorkSummary
    tags: tuple[str, ...]
    added_at: datetime

    @property
    def work_id(self) -> int:
        return self.work.work_id


def parse_tags(text: str) -> list[str]:
    """`"gnn, to read"` -> `["gnn", "to read"]`: trimmed, de-duplicated, bounded."""
    tags: list[str] = []
    for part in text.split(","):
        tag = " ".join(part.split())
        if not tag:
            continue
        if len(tag) > MAX_TAG_CHARS or not tag.isprintable():
            raise QueryError(f"a tag must be printable and at most {MAX_TAG_CHARS} characters")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise QueryError(f"at most {MAX_TAGS} tags per paper")
    return tags


def _require_work(connection: Connection, work_id: int) -> None:
    if connection.execute(select(works.c.id).where(works.c.id == work_id)).first() is None:
        raise NotFoundError(f"no work {work_id}")


def save(
    connection: Connection, user_id: int, work_id: int, tags: Iterable[str], now: datetime
) -> None:
    """Save a work (again) with exactly these tags."""
    _require_work(connection, work_id)
    try:
        with connection.begin_nested():
            connection.execute(
                insert(library_items).values(user_id=user_id, work_id=work_id, added_at=now)
            )
    except IntegrityError:
        pass  # already saved: only the tags change
    connection.execute(
        delete(library_tags).where(
            library_tags.c.user_id == user_id, library_tags.c.work_id == work_id
        )
    )
    rows = [{"user_id": user_id, "work_id": work_id, "tag": tag} for tag in tags]
    if rows:
        connection.execute(insert(library_tags), rows)


def remove(connection: Connection, user_id: int, work_id: int) -> None:
    connection.execute(
        delete(library_tags).where(
            library_tags.c.user_id == user_id, library_tags.c.work_id == work_id
        )
    )
    connection.execute(
        delete(library_items).where(
            library_items.c.user_id == user_id, library_items.c.work_id == work_id
        )
    )


def items(connection: Connection, user_id: int, tag: str | None = None) -> list[LibraryItem]:
    query = (
        select(library_items.c.work_id, library_items.c.added_at)
        .where(library_items.c.user_id == user_id)
        .order_by(library_items.c.added_at.desc(), library_items.c.work_id)
    )
    if tag:
        query = query.where(
            library_items.c.work_id.in_(
                select(library_tags.c.work_id).where(
                    library_tags.c.user_id == user_id, library_tags.c.tag == tag
                )
            )
        )
    rows = connection.execute(query).all()
    tags: dict[int, list[str]] = {}
    for work_id, name in connection.execute(
        select(library_tags.c.work_id, library_tags.c.tag)
        .where(library_tags.c.user_id == user_id)
        .order_by(library_tags.c.tag)
    ):
        tags.setdefault(work_id, []).append(name)
    saved = {w.work_id: w for w in load_works(connection, [r.work_id for r in rows])}
    return [
        LibraryItem(saved[r.work_id], tuple(tags.get(r.work_id, ())), r.added_at)
        for r in rows
        if r.work_id in saved
    ]


def all_tags(connection: Connection, user_id: int) -> list[str]:
    return list(
        connection.execute(
            select(library_tags.c.tag)
            .where(library_tags.c.user_id == user_id)
            .distinct()
            .order_by(library_tags.c.tag)
        ).scalars()
    )


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

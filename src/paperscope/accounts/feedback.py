"""Feedback that trains the feed: "not interested" and "more like this", per user and work.

A dismissed work is hidden from that user's lists (daily, trending, search, similar papers,
the personal feed and digests) and is an explicit negative for the personal ranking
(notify/personal.py); "more like this" is a positive beside the library's works. One work
has at most one feedback per user (the newest wins); either is undone by `clear`.

Every function takes the acting user's id and only reads or writes that user's rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperscope.errors import NotFoundError, QueryError
from paperscope.read.works import WorkSummary, load_works
from paperscope.store.accounts_schema import work_feedback
from paperscope.store.schema import works

Kind = Literal["dismissed", "more"]
KINDS: tuple[Kind, ...] = ("dismissed", "more")
LABELS = {"dismissed": "not interested", "more": "more like this"}
MAX_FEEDBACK = 10_000
"""Feedback rows one user may keep (the ranking reads them all)."""


@dataclass(frozen=True, slots=True)
class FeedbackEntry:
    work: WorkSummary
    kind: Kind
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FeedbackPage:
    """A user's feedback, newest first: what they dismissed and what they want more of."""

    dismissed: tuple[FeedbackEntry, ...]
    more: tuple[FeedbackEntry, ...]


@dataclass(frozen=True, slots=True)
class FeedbackChange:
    work_id: int
    kind: Kind | None
    """The work's feedback after the change (None: none any more)."""
    changed: bool


def check_kind(text: str) -> Kind:
    for kind in KINDS:
        if text == kind:
            return kind
    raise QueryError(f"feedback must be one of {', '.join(KINDS)}, not {text[:40]!r}")


def _check_work(connection: Connection, work_id: int) -> None:
    found = connection.execute(select(works.c.id).where(works.c.id == work_id)).first()
    if found is None:
        raise NotFoundError(f"there is no paper {work_id}")


def give(
    connection: Connection, user_id: int, work_id: int, kind: Kind, now: datetime
) -> FeedbackChange:
    """Record `kind` for the work (replacing the other kind, if given before)."""
    _check_work(connection, work_id)
    current = kind_of(connection, user_id, work_id)
    if current == kind:
        return FeedbackChange(work_id, kind, False)
    mine = (work_feedback.c.user_id == user_id) & (work_feedback.c.work_id == work_id)
    if current is not None:
        connection.execute(update(work_feedback).where(mine).values(kind=kind, created_at=now))
        return FeedbackChange(work_id, kind, True)
    if count(connection, user_id) >= MAX_FEEDBACK:
        raise QueryError(f"at most {MAX_FEEDBACK} feedback entries; undo some first")
    try:
        with connection.begin_nested():
            connection.execute(
                insert(work_feedback).values(
                    user_id=user_id, work_id=work_id, kind=kind, created_at=now
                )
            )
    except IntegrityError:  # the same click twice at once: the other one stored it
        connection.execute(update(work_feedback).where(mine).values(kind=kind, created_at=now))
    return FeedbackChange(work_id, kind, True)


def clear(connection: Connection, user_id: int, work_id: int) -> FeedbackChange:
    """Undo the user's feedback on the work (nothing to undo is not an error)."""
    result = connection.execute(
        delete(work_feedback).where(
            work_feedback.c.user_id == user_id, work_feedback.c.work_id == work_id
        )
    )
    return FeedbackChange(work_id, None, bool(result.rowcount))


def kind_of(connection: Connection, user_id: int, work_id: int) -> Kind | None:
    found = connection.execute(
        select(work_feedback.c.kind).where(
            work_feedback.c.user_id == user_id, work_feedback.c.work_id == work_id
        )
    ).scalar_one_or_none()
    return None if found is None else check_kind(found)


def count(connection: Connection, user_id: int) -> int:
    query = select(func.count()).where(work_feedback.c.user_id == user_id)
    return int(connection.execute(query).scalar_one())


def work_ids(connection: Connection, user_id: int, kind: Kind) -> list[int]:
    """The works the user gave this feedback, by id."""
    return sorted(
        connection.execute(
            select(work_feedback.c.work_id).where(
                work_feedback.c.user_id == user_id, work_feedback.c.kind == kind
            )
        ).scalars()
    )


def hidden_ids(connection: Connection, user_id: int | None) -> frozenset[int]:
    """The works hidden from this user's lists (none for a visitor)."""
    if user_id is None:
        return frozenset()
    return frozenset(work_ids(connection, user_id, "dismissed"))


def without_hidden(entries: Iterable[WorkSummary], hidden: frozenset[int]) -> list[WorkSummary]:
    return [e for e in entries if e.work_id not in hidden]


def feedback_page(connection: Connection, user_id: int) -> FeedbackPage:
    rows = connection.execute(
        select(work_feedback.c.work_id, work_feedback.c.kind, work_feedback.c.created_at)
        .where(work_feedback.c.user_id == user_id)
        .order_by(work_feedback.c.created_at.desc(), work_feedback.c.work_id)
    ).all()
    found = {w.work_id: w for w in load_works(connection, [r.work_id for r in rows])}
    entries = [
        FeedbackEntry(found[r.work_id], check_kind(r.kind), r.created_at)
        for r in rows
        if r.work_id in found
    ]
    return FeedbackPage(
        tuple(e for e in entries if e.kind == "dismissed"),
        tuple(e for e in entries if e.kind == "more"),
    )

"""Manual corrections applied now and stored for later: merge two people, split one, remove
works from one, revert any of them. `audit` says who proposed and approved it (the web's
user ids; the command line's default is nobody)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from paperscope.errors import NotFoundError, QueryError
from paperscope.identity import corrections
from paperscope.identity.corrections import COMMAND_LINE, Audit
from paperscope.names import name_key
from paperscope.read.works import work_id_for
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, people, works


@dataclass(frozen=True, slots=True)
class PersonWork:
    authorship_id: int
    work_id: int
    year: int | None
    title: str
    printed_name: str
    confidence: float | None
    external_id: str | None


@dataclass(frozen=True, slots=True)
class PersonDetails:
    id: int
    canonical_name: str
    block_key: str | None
    confidence: float | None
    note: str | None
    works: tuple[PersonWork, ...]


def _require_person(connection: Connection, person_id: int) -> None:
    if connection.execute(select(people.c.id).where(people.c.id == person_id)).first() is None:
        raise NotFoundError(f"no person {person_id}")


def _members(connection: Connection, person_id: int) -> list[int]:
    return list(
        connection.execute(
            select(authorships.c.id).where(authorships.c.person_id == person_id)
        ).scalars()
    )


def _refresh_size(connection: Connection, person_id: int) -> None:
    size = connection.execute(
        select(func.count()).where(authorships.c.person_id == person_id)
    ).scalar_one()
    # Its members changed, so its profile (identity.candidates) is out of date: the next
    # resolve that needs it computes it again.
    connection.execute(
        update(people).where(people.c.id == person_id).values(size=size, match_profile=None)
    )


def merge_people(connection: Connection, keep: int, other: int, audit: Audit = COMMAND_LINE) -> int:
    """Make `other` part of `keep` now and on every later resolve; returns the correction id."""
    if keep == other:
        raise QueryError("cannot merge a person with itself")
    _require_person(connection, keep)
    _require_person(connection, other)
    correction = corrections.record(
        connection, "merge", (_members(connection, keep), _members(connection, other)),
        note=f"merge {other} into {keep}", audit=audit,
    )  # fmt: skip
    connection.execute(
        update(authorships)
        .where(authorships.c.person_id == other)
        .values(person_id=keep, person_confidence=1.0)
    )
    connection.execute(delete(people).where(people.c.id == other))
    note = f"Merged by hand with person {other} (correction {correction})."
    connection.execute(update(people).where(people.c.id == keep).values(note=note))
    _refresh_size(connection, keep)
    return correction


def work_id_of(connection: Connection, reference: str) -> int:
    """A work by row id (`12`) or external id (`arxiv:2104.12255`, `doi:10...`)."""
    if not reference.isdigit() and ":" not in reference:
        raise QueryError(f"{reference!r} is neither a work id nor scheme:value")
    found = work_id_for(connection, reference)
    if found is None:
        raise NotFoundError(f"no work {reference!r}")
    return found


def _parted(
    connection: Connection, person_id: int, work_refs: Sequence[str]
) -> tuple[list[Any], list[int], list[int]]:
    """The person's authorship rows, those on the named works and the others."""
    _require_person(connection, person_id)
    wanted = {work_id_of(connection, ref) for ref in work_refs}
    rows = list(
        connection.execute(
            select(authorships.c.id, authorships.c.work_id, authorships.c.name).where(
                authorships.c.person_id == person_id
            )
        ).all()
    )
    moved = [r.id for r in rows if r.work_id in wanted]
    kept = [r.id for r in rows if r.work_id not in wanted]
    if not moved:
        raise QueryError(f"person {person_id} has no authorship on the works named")
    if not kept:
        raise QueryError("those are all of the person's works: nothing would remain")
    return rows, moved, kept


def split_person(
    connection: Connection, person_id: int, work_refs: Sequence[str], audit: Audit = COMMAND_LINE
) -> int:
    """Move the person's authorships on the named works to a new person, for good.

    Returns the new person's id.
    """
    return split_off(connection, person_id, work_refs, audit)[0]


def split_off(
    connection: Connection, person_id: int, work_refs: Sequence[str], audit: Audit = COMMAND_LINE
) -> tuple[int, int]:
    """`split_person`, returning the new person's id and the correction's."""
    rows, moved, kept = _parted(connection, person_id, work_refs)
    correction = corrections.record(
        connection, "split", (moved, kept), note=f"split from {person_id}", audit=audit
    )
    name = next(r.name for r in rows if r.id == moved[0])
    block = connection.execute(select(people.c.block_key).where(people.c.id == person_id)).scalar()
    note = f"Split by hand from person {person_id} (correction {correction})."
    new_id = _new_person(connection, moved, name, block, note)
    connection.execute(update(people).where(people.c.id == person_id).values(note=note))
    _refresh_size(connection, person_id)
    return new_id, correction


def remove_works(
    connection: Connection, person_id: int, work_refs: Sequence[str], audit: Audit = COMMAND_LINE
) -> int:
    """Take the named works off a person for good: each of its authorships becomes a person
    of its own now, and no later resolve puts it back (it may join someone else). Returns
    the correction id."""
    rows, moved, kept = _parted(connection, person_id, work_refs)
    correction = corrections.record(
        connection, "remove", (moved, kept), note=f"remove from {person_id}", audit=audit
    )
    block = connection.execute(select(people.c.block_key).where(people.c.id == person_id)).scalar()
    note = f"Removed by hand from person {person_id} (correction {correction})."
    for row in rows:
        if row.id in moved:
            _new_person(connection, [row.id], row.name, block, note)
    connection.execute(
        update(people)
        .where(people.c.id == person_id)
        .values(note=f"Works removed by hand (correction {correction}).")
    )
    _refresh_size(connection, person_id)
    return correction


def _new_person(
    connection: Connection, ids: Sequence[int], name: str, block: str | None, note: str
) -> int:
    new_id = connection.execute(
        insert(people)
        .values(canonical_name=name, block_key=block, size=len(ids), confidence=1.0, note=note)
        .returning(people.c.id)
    ).scalar_one()
    connection.execute(
        update(authorships)
        .where(in_list(authorships.c.id, ids))
        .values(person_id=new_id, person_confidence=1.0)
    )
    return int(new_id)


def revert_correction(
    connection: Connection, correction_id: int, audit: Audit = COMMAND_LINE
) -> int:
    """Cancel a correction for good (an audited `revert` record) and undo it now: a merge's
    second side becomes a person of its own again; a split's or a removal's works go back to
    the person holding the rest. Later resolves no longer follow it. Returns the revert's id."""
    found = corrections.load_corrections(connection, [correction_id])
    if not found:
        raise NotFoundError(f"no correction {correction_id}")
    original = found[0]
    if original.kind == "revert":
        raise QueryError("a revert cannot be reverted: make the correction again")
    if correction_id in corrections.reverted_ids(connection):
        raise QueryError(f"correction {correction_id} is already reverted")
    revert_id = corrections.record(
        connection, "revert", ((), ()), note=f"revert correction {correction_id}",
        audit=audit, reverts=correction_id,
    )  # fmt: skip
    located = corrections.locate(connection, [k for side in original.sides for k in side])
    first, second = ([located[k] for k in side if k in located] for side in original.sides)
    if original.kind == "merge":
        _undo_merge(connection, first, second, revert_id)
    else:
        _undo_split(connection, first, second, revert_id)
    return revert_id


def _person_rows(connection: Connection, ids: Sequence[int]) -> list[Any]:
    return list(
        connection.execute(
            select(authorships.c.id, authorships.c.person_id, authorships.c.name)
            .where(in_list(authorships.c.id, ids))
            .order_by(authorships.c.id)
        ).all()
    )


def _undo_merge(
    connection: Connection, kept: Sequence[int], merged: Sequence[int], revert_id: int
) -> None:
    holders = {r.person_id for r in _person_rows(connection, kept) if r.person_id is not None}
    rows = [r for r in _person_rows(connection, merged) if r.person_id in holders]
    if not rows:
        return
    block = connection.execute(
        select(people.c.block_key).where(people.c.id == rows[0].person_id)
    ).scalar()
    note = f"Merge reverted by hand (correction {revert_id})."
    _new_person(connection, [r.id for r in rows], rows[0].name, block, note)
    for person_id in holders:
        _refresh_size(connection, person_id)


def _undo_split(
    connection: Connection, moved: Sequence[int], kept: Sequence[int], revert_id: int
) -> None:
    anchor = next((r.person_id for r in _person_rows(connection, kept) if r.person_id), None)
    if anchor is None:
        return
    sources = {r.person_id for r in _person_rows(connection, moved)} - {anchor, None}
    connection.execute(
        update(authorships).where(in_list(authorships.c.id, moved)).values(person_id=anchor)
    )
    note = f"Correction reverted by hand (correction {revert_id})."
    connection.execute(update(people).where(people.c.id == anchor).values(note=note))
    _refresh_size(connection, anchor)
    for person_id in sources:
        _refresh_size(connection, person_id)
    _drop_empty(connection, sources)


def _drop_empty(connection: Connection, candidates: set[int]) -> None:
    if not candidates:
        return
    used = set(
        connection.execute(
            select(authorships.c.person_id).where(in_list(authorships.c.person_id, candidates))
        ).scalars()
    )
    empty = [p for p in candidates if p not in used]
    if empty:
        connection.execute(delete(people).where(in_list(people.c.id, empty)))


def people_named(connection: Connection, name: str) -> list[int]:
    """People with an authorship printed as `name` (folded), most works first."""
    rows = connection.execute(
        select(authorships.c.person_id, func.count())
        .where(authorships.c.name_key == name_key(name), authorships.c.person_id.is_not(None))
        .group_by(authorships.c.person_id)
    ).all()
    return [int(p) for p, _ in sorted(rows, key=lambda r: (-r[1], r[0]))]


def person_details(connection: Connection, person_id: int) -> PersonDetails:
    row = connection.execute(select(people).where(people.c.id == person_id)).first()
    if row is None:
        raise NotFoundError(f"no person {person_id}")
    items = connection.execute(
        select(
            authorships.c.id, authorships.c.work_id, authorships.c.name,
            authorships.c.person_confidence, works.c.year, works.c.title,
        )
        .join(works, works.c.id == authorships.c.work_id)
        .where(authorships.c.person_id == person_id)
        .order_by(works.c.year.desc(), works.c.title)
    ).all()  # fmt: skip
    by_work = {
        work_id: f"{scheme}:{value}"
        for work_id, (scheme, value) in corrections.durable_work_ids(
            connection, [i.work_id for i in items]
        ).items()
    }
    return PersonDetails(
        id=row.id,
        canonical_name=row.canonical_name,
        block_key=row.block_key,
        confidence=row.confidence,
        note=row.note,
        works=tuple(
            PersonWork(
                i.id,
                i.work_id,
                i.year,
                i.title,
                i.name,
                i.person_confidence,
                by_work.get(i.work_id),
            )
            for i in items
        ),
    )

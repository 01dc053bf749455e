"""Corrections proposed on the web: merges, splits and work removals of a person.

The owner of a person (an accepted claim) and admins propose them on the profile page. An
owner's proposal waits for an admin (it changes who the works belong to, which other
people's profiles see too); an admin's proposal is applied at once, approved by that admin.
Nobody reviews their own proposal. Applying one writes the same identity correction the
command line writes (`identity.manage`), with who proposed and who approved it, so it
survives re-ingest and re-resolve; an admin can revert any correction (an audited revert).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from paperscope.accounts.claims import owner_of, reanchor
from paperscope.accounts.roles import check_reviewable, is_admin, require_admin
from paperscope.accounts.users import User
from paperscope.errors import ForbiddenError, NotFoundError, QueryError
from paperscope.identity import corrections as identity
from paperscope.identity.corrections import Audit
from paperscope.identity.manage import (
    merge_people,
    person_details,
    remove_works,
    revert_correction,
    split_off,
)
from paperscope.store.accounts_schema import users
from paperscope.store.admin_schema import correction_proposals
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships
from paperscope.untrusted import parse_id

KINDS = ("merge", "split", "remove")
PENDING, APPLIED, REJECTED = "pending", "applied", "rejected"
MAX_WORKS = 500
MAX_NOTE = 2000


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    person_id: int
    kind: str
    other_person: int | None
    works: tuple[str, ...]
    note: str | None
    proposed_by: int
    proposer_email: str
    role: str
    created_at: datetime
    status: str
    reviewed_by: int | None
    reviewed_at: datetime | None
    correction_id: int | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One correction that touched a person, as the profile lists it."""

    correction_id: int
    kind: str
    created: datetime
    note: str | None
    by: str
    """`its owner`, `an admin` or `the command line`."""
    proposed_by: str | None
    approved_by: str | None
    reverts: int | None
    reverted_by: int | None
    reason: str | None = None
    """What the proposer wrote on the web, if anything."""


@dataclass(frozen=True, slots=True)
class ProfileHistory:
    corrected_by: str | None
    """Who made the corrections in force: `its owner`, `an admin`, `the command line`."""
    entries: tuple[HistoryEntry, ...]


def role_for(connection: Connection, user: User, person_id: int) -> str:
    """`admin` or `owner`; ForbiddenError for anyone else."""
    if is_admin(connection, user.id):
        return "admin"
    owner = owner_of(connection, person_id)
    if owner is not None and owner.user_id == user.id:
        return "owner"
    raise ForbiddenError("only the profile's owner or an admin may correct it")


def _check_works(connection: Connection, person_id: int, works: Sequence[str]) -> tuple[str, ...]:
    """The named works (row ids or `scheme:value`), each one of the person's, as their
    durable `scheme:value` (what a later re-ingest still knows), in a stable order."""
    if not works:
        raise QueryError("name at least one work")
    if len(works) > MAX_WORKS:
        raise QueryError(f"at most {MAX_WORKS} works at once")
    details = person_details(connection, person_id).works
    own = {w.external_id for w in details if w.external_id}
    by_row = {w.work_id: w.external_id for w in details if w.external_id}
    named = [by_row.get(parse_id(w) or -1, w) if w.isascii() and w.isdigit() else w for w in works]
    unknown = [w for w in named if w not in own]
    if unknown:
        raise QueryError(f"not a work of person {person_id}: {unknown[0][:100]!r}")
    works = named
    if set(works) == own:
        raise QueryError("those are all of the person's works: nothing would remain")
    return tuple(sorted(set(works)))


def propose(
    connection: Connection,
    user: User,
    person_id: int,
    kind: str,
    *,
    works: Sequence[str] = (),
    other_person: int | None = None,
    note: str | None = None,
    now: datetime,
) -> Proposal:
    """Record a proposal (pending for an owner; applied at once for an admin)."""
    if kind not in KINDS:
        raise QueryError(f"kind must be one of {', '.join(KINDS)}")
    role = role_for(connection, user, person_id)
    person_details(connection, person_id)  # NotFoundError for a person that is gone
    named: tuple[str, ...] = ()
    if kind == "merge":
        if other_person is None or other_person == person_id:
            raise QueryError("name the other person to merge with")
        person_details(connection, other_person)
        theirs = owner_of(connection, other_person)
        if role == "owner" and theirs is not None and theirs.user_id != user.id:
            raise ForbiddenError("that profile has an owner of its own: ask an admin")
    else:
        named = _check_works(connection, person_id, works)
        other_person = None
    proposal_id = connection.execute(
        insert(correction_proposals)
        .values(
            person_id=person_id,
            kind=kind,
            other_person=other_person,
            works=json.dumps(list(named)),
            note=(note or "").strip()[:MAX_NOTE] or None,
            proposed_by=user.id,
            role=role,
            created_at=now,
            status=PENDING,
        )
        .returning(correction_proposals.c.id)
    ).scalar_one()
    if role == "admin":
        return _apply(connection, get_proposal(connection, int(proposal_id)), user, now)
    return get_proposal(connection, int(proposal_id))


def _apply(connection: Connection, proposal: Proposal, reviewer: User, now: datetime) -> Proposal:
    audit = Audit(proposed_by=proposal.proposed_by, approved_by=reviewer.id)
    if proposal.kind == "merge":
        assert proposal.other_person is not None
        correction = merge_people(connection, proposal.person_id, proposal.other_person, audit)
    elif proposal.kind == "split":
        correction = split_off(connection, proposal.person_id, proposal.works, audit)[1]
    else:
        correction = remove_works(connection, proposal.person_id, proposal.works, audit)
    reanchor(connection, proposal.person_id)
    connection.execute(
        update(correction_proposals)
        .where(correction_proposals.c.id == proposal.id)
        .values(status=APPLIED, reviewed_by=reviewer.id, reviewed_at=now, correction_id=correction)
    )
    return get_proposal(connection, proposal.id)


def review(
    connection: Connection, proposal_id: int, reviewer: User, approve: bool, now: datetime
) -> Proposal:
    """An admin applies (approve) or rejects a pending proposal; never their own."""
    require_admin(connection, reviewer.id)
    proposal = get_proposal(connection, proposal_id)
    check_reviewable(reviewer.id, proposal.proposed_by, f"proposal {proposal_id}", proposal.status)
    if approve:
        return _apply(connection, proposal, reviewer, now)
    connection.execute(
        update(correction_proposals)
        .where(correction_proposals.c.id == proposal_id)
        .values(status=REJECTED, reviewed_by=reviewer.id, reviewed_at=now)
    )
    return get_proposal(connection, proposal_id)


def revert(connection: Connection, correction_id: int, reviewer: User) -> int:
    """An admin reverts a correction (an audited revert record); returns the revert's id."""
    require_admin(connection, reviewer.id)
    return revert_correction(connection, correction_id, Audit(reviewer.id, reviewer.id))


def _proposals(connection: Connection, *conditions: Any) -> list[Proposal]:
    rows = connection.execute(
        select(correction_proposals, users.c.email)
        .join(users, users.c.id == correction_proposals.c.proposed_by)
        .where(*conditions)
        .order_by(correction_proposals.c.created_at, correction_proposals.c.id)
    )
    return [
        Proposal(
            r.id, r.person_id, r.kind, r.other_person, tuple(json.loads(r.works)), r.note,
            r.proposed_by, r.email, r.role, r.created_at, r.status, r.reviewed_by,
            r.reviewed_at, r.correction_id,
        )
        for r in rows
    ]  # fmt: skip


def get_proposal(connection: Connection, proposal_id: int) -> Proposal:
    found = _proposals(connection, correction_proposals.c.id == proposal_id)
    if not found:
        raise NotFoundError(f"no proposal {proposal_id}")
    return found[0]


def pending_proposals(connection: Connection, person_id: int | None = None) -> list[Proposal]:
    conditions = [correction_proposals.c.status == PENDING]
    if person_id is not None:
        conditions.append(correction_proposals.c.person_id == person_id)
    return _proposals(connection, *conditions)


def history(connection: Connection, person_id: int) -> ProfileHistory:
    """The corrections that touch the person's works today, oldest first, with who made
    them; `corrected_by` names who made those still in force."""
    if not identity.any_correction(connection):
        return ProfileHistory(None, ())
    members = list(
        connection.execute(
            select(authorships.c.id).where(authorships.c.person_id == person_id)
        ).scalars()
    )
    found = identity.touching(connection, members)
    if not found:
        return ProfileHistory(None, ())
    ids = [c.id for c in found]
    proposals = {
        row.correction_id: (row.role, row.note)
        for row in connection.execute(
            select(
                correction_proposals.c.correction_id,
                correction_proposals.c.role,
                correction_proposals.c.note,
            ).where(in_list(correction_proposals.c.correction_id, ids))
        )
    }
    roles = {key: role for key, (role, _) in proposals.items()}
    user_ids = {u for c in found for u in (c.proposed_by, c.approved_by) if u is not None}
    emails = {
        row.id: row.email
        for row in connection.execute(
            select(users.c.id, users.c.email).where(in_list(users.c.id, user_ids))
        )
    }
    reverted_by = {c.reverts: c.id for c in found if c.kind == "revert"}
    entries = tuple(
        HistoryEntry(
            c.id, c.kind, c.created, c.note, _by(c, roles), emails.get(c.proposed_by),
            emails.get(c.approved_by), c.reverts, reverted_by.get(c.id),
            proposals.get(c.id, (None, None))[1],
        )
        for c in found
    )  # fmt: skip
    in_force = [e for e in entries if e.kind != "revert" and e.reverted_by is None]
    makers = {e.by for e in in_force}
    corrected_by = next((who for who in _BY_ORDER if who in makers), None)
    return ProfileHistory(corrected_by, entries)


_BY_ORDER = ("its owner", "an admin", "the command line")


def _by(correction: identity.Correction, roles: dict[int, str]) -> str:
    role = roles.get(correction.id)
    if role == "owner":
        return "its owner"
    if role == "admin" or correction.approved_by is not None:
        return "an admin"
    return "the command line"

"""Claims: a signed-in user says "this is me" of a person.

A claim is verified at once when the data proves it: the user's address is printed on one
of the person's works (an e-mail in an affiliation), or its domain is the domain (or a
subdomain, either way) of an address printed there, unless the domain is a public mail
provider. Otherwise it waits for an admin. A stated ORCID is not evidence: paperscope has
no ORCID sign-in, so anyone could type anyone's; ORCIDs printed on works are shown to the
admin who reviews.

A claim names the person by id and by anchors, the durable keys of the person's
authorships; `follow_people` (run by the resolve stage) moves a claim to whichever person
holds most of its anchors after a re-ingest or a re-cluster renumbered people, and applying
a correction re-anchors the owner's claim to what the profile holds afterwards.

One owner per person (a partial unique index holds it under races) and one person per
owner (someone whose works were split over two people asks for a merge instead). Nobody
reviews their own claim, admins included.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperscope.accounts.roles import check_reviewable, require_admin
from paperscope.accounts.users import User
from paperscope.errors import NotFoundError, QueryError
from paperscope.identity.corrections import MemberKey, locate, member_keys
from paperscope.store.accounts_schema import users
from paperscope.store.admin_schema import person_claims
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, people

PENDING, OWNER, REJECTED = "pending", "owner", "rejected"
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
PUBLIC_MAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
        "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net",
        "web.de", "qq.com", "163.com", "126.com", "yandex.ru", "mail.ru", "fastmail.com",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    person_id: int
    user_id: int
    email: str
    status: str
    evidence: str
    created_at: datetime
    reviewed_by: int | None
    reviewed_at: datetime | None


@dataclass(frozen=True, slots=True)
class PersonEvidence:
    """What the data holds about a person that a claim can be checked against."""

    addresses: tuple[str, ...]
    orcids: tuple[str, ...]


def person_evidence(connection: Connection, person_id: int) -> PersonEvidence:
    rows = connection.execute(
        select(authorships.c.affiliation, authorships.c.orcid).where(
            authorships.c.person_id == person_id
        )
    ).all()
    addresses = {
        match.group(0).lower()
        for row in rows
        if row.affiliation
        for match in _ADDRESS.finditer(row.affiliation[:2000])
    }
    orcids = {row.orcid for row in rows if row.orcid}
    return PersonEvidence(tuple(sorted(addresses)), tuple(sorted(orcids)))


def _same_institution(a: str, b: str) -> bool:
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def verification(evidence: PersonEvidence, email: str) -> str | None:
    """Why the data proves that `email` is this person, or None."""
    address = email.lower()
    if address in evidence.addresses:
        return f"the address {address} is printed on the person's works"
    domain = address.rpartition("@")[2]
    if domain in PUBLIC_MAIL:
        return None
    for printed in evidence.addresses:
        theirs = printed.rpartition("@")[2]
        if theirs not in PUBLIC_MAIL and _same_institution(domain, theirs):
            return f"the address's domain {domain} matches {printed} printed on the works"
    return None


def _claims(connection: Connection, *conditions: Any) -> list[Claim]:
    rows = connection.execute(
        select(person_claims, users.c.email)
        .join(users, users.c.id == person_claims.c.user_id)
        .where(*conditions)
        .order_by(person_claims.c.created_at, person_claims.c.id)
    )
    return [
        Claim(
            r.id, r.person_id, r.user_id, r.email, r.status, r.evidence, r.created_at,
            r.reviewed_by, r.reviewed_at,
        )
        for r in rows
    ]  # fmt: skip


def owner_of(connection: Connection, person_id: int) -> Claim | None:
    found = _claims(
        connection, person_claims.c.person_id == person_id, person_claims.c.status == OWNER
    )
    return found[0] if found else None


def claims_of(connection: Connection, user_id: int) -> list[Claim]:
    """The user's pending and accepted claims."""
    return _claims(
        connection,
        person_claims.c.user_id == user_id,
        in_list(person_claims.c.status, (PENDING, OWNER)),
    )


def pending_claims(connection: Connection) -> list[Claim]:
    return _claims(connection, person_claims.c.status == PENDING)


def get_claim(connection: Connection, claim_id: int) -> Claim:
    found = _claims(connection, person_claims.c.id == claim_id)
    if not found:
        raise NotFoundError(f"no claim {claim_id}")
    return found[0]


def claim_person(connection: Connection, user: User, person_id: int, now: datetime) -> Claim:
    """Claim a person: verified now when the data proves it, else pending for an admin."""
    if connection.execute(select(people.c.id).where(people.c.id == person_id)).first() is None:
        raise NotFoundError(f"no person {person_id}")
    owner = owner_of(connection, person_id)
    if owner is not None:
        if owner.user_id == user.id:
            return owner
        raise QueryError("this profile already has an owner; ask an admin if that is wrong")
    mine = claims_of(connection, user.id)
    for claim in mine:
        if claim.person_id == person_id:
            return claim
    if any(claim.status == OWNER for claim in mine):
        raise QueryError(
            "you already own a profile: if these works are yours too, propose a merge there"
        )
    why = verification(person_evidence(connection, person_id), user.email)
    status = OWNER if why else PENDING
    evidence = f"verified: {why}" if why else "no match in the data: an admin reviews it"
    try:
        with connection.begin_nested():
            claim_id = connection.execute(
                insert(person_claims)
                .values(
                    person_id=person_id,
                    user_id=user.id,
                    status=status,
                    evidence=evidence,
                    anchors=anchors_of(connection, person_id),
                    created_at=now,
                    reviewed_at=now if why else None,
                )
                .returning(person_claims.c.id)
            ).scalar_one()
    except IntegrityError:  # someone else's claim was verified at the same moment
        raise QueryError("this profile already has an owner") from None
    return get_claim(connection, int(claim_id))


def review_claim(
    connection: Connection, claim_id: int, reviewer: User, approve: bool, now: datetime
) -> Claim:
    """An admin approves (the user becomes the owner) or rejects a pending claim."""
    require_admin(connection, reviewer.id)
    claim = get_claim(connection, claim_id)
    check_reviewable(reviewer.id, claim.user_id, f"claim {claim_id}", claim.status)
    if approve and owner_of(connection, claim.person_id) is not None:
        raise QueryError("this profile already has an owner")
    status = OWNER if approve else REJECTED
    try:
        with connection.begin_nested():
            connection.execute(
                update(person_claims)
                .where(person_claims.c.id == claim_id, person_claims.c.status == PENDING)
                .values(
                    status=status,
                    reviewed_by=reviewer.id,
                    reviewed_at=now,
                    evidence=f"{claim.evidence}; {'approved' if approve else 'rejected'}",
                )
            )
    except IntegrityError:
        raise QueryError("this profile already has an owner") from None
    return get_claim(connection, claim_id)


MAX_ANCHORS = 200


def anchors_of(connection: Connection, person_id: int) -> str:
    """The durable keys of (up to MAX_ANCHORS of) the person's authorships, as JSON."""
    ids = list(
        connection.execute(
            select(authorships.c.id)
            .where(authorships.c.person_id == person_id)
            .order_by(authorships.c.id)
            .limit(MAX_ANCHORS)
        ).scalars()
    )
    keys = member_keys(connection, ids)
    return json.dumps([[k.work_scheme, k.work_value, k.name_key, k.position] for k in keys])


def reanchor(connection: Connection, person_id: int) -> None:
    """After a correction: the person's open claims hold on to what the profile holds now."""
    connection.execute(
        update(person_claims)
        .where(
            person_claims.c.person_id == person_id,
            in_list(person_claims.c.status, (PENDING, OWNER)),
        )
        .values(anchors=anchors_of(connection, person_id))
    )


def follow_people(connection: Connection) -> int:
    """Move each open claim to the person holding most of its anchors today (ties: the
    claim's own person if among them, else the lowest id); an owner claim stays where it is
    if that person has another owner. Returns how many claims moved."""
    moved = 0
    for claim_id, person_id, anchors in connection.execute(
        select(person_claims.c.id, person_claims.c.person_id, person_claims.c.anchors).where(
            in_list(person_claims.c.status, (PENDING, OWNER))
        )
    ).all():
        target = _holder(connection, anchors, person_id)
        if target is None or target == person_id:
            continue
        try:
            with connection.begin_nested():
                connection.execute(
                    update(person_claims)
                    .where(person_claims.c.id == claim_id)
                    .values(person_id=target)
                )
        except IntegrityError:  # that person has an owner already: leave this claim be
            continue
        moved += 1
    return moved


def _holder(connection: Connection, anchors: str, current: int) -> int | None:
    keys = [MemberKey(str(s), str(v), str(n), p) for s, v, n, p in json.loads(anchors)]
    located = locate(connection, keys)
    if not located:
        return None
    holders = Counter(
        p
        for p in connection.execute(
            select(authorships.c.person_id).where(in_list(authorships.c.id, list(located.values())))
        ).scalars()
        if p is not None
    )
    if not holders:
        return None
    most = max(holders.values())
    best = sorted(p for p, n in holders.items() if n == most)
    return current if current in best else best[0]

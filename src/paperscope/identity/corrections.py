"""Manual corrections (merge, split, remove) stored as constraints that survive re-ingest.

A correction names its authorships by one external id of the work (the most stable scheme
the work has) and the author's folded name, so it still applies after the rows were deleted
and ingested again, or the people were re-clustered from scratch. Corrections apply in the
order they were made; a later one overrides an earlier one it contradicts.

Every correction is audited (who proposed it, who approved it: user ids, None for the
command line; when) and reversible: a `revert` is a correction of its own that names the
one it cancels; a reverted correction no longer constrains anything, and a revert is not
itself reverted (propose the correction again instead).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from paperscope.store.identity_schema import identity_correction_members, identity_corrections
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, work_ids

# Most stable first: a work keeps these across sources and re-ingests.
_SCHEME_ORDER = (
    "doi", "arxiv", "openalex", "s2", "corpusid", "dblp", "acl", "aan", "pubmed", "pmc",
    "mag", "aminer", "hf", "bibkey", "listing",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MemberKey:
    """An authorship named by what survives re-ingest."""

    work_scheme: str
    work_value: str
    name_key: str
    position: int | None = None


@dataclass(frozen=True, slots=True)
class Correction:
    id: int
    kind: str
    """`merge`: both sides are one person. `split`: each side is one person, never the other.
    `remove`: the first side's authorships are never the second side's person (nor, unlike
    a split, necessarily one person among themselves). `revert`: cancels `reverts`."""
    created: datetime
    sides: tuple[tuple[MemberKey, ...], tuple[MemberKey, ...]]
    note: str | None = None
    proposed_by: int | None = None
    approved_by: int | None = None
    reverts: int | None = None


@dataclass(frozen=True, slots=True)
class Constraints:
    """Pairs of authorship ids that must / must not be one person."""

    must: frozenset[tuple[int, int]]
    cannot: frozenset[tuple[int, int]]

    def partners(self, ids: Iterable[int]) -> set[int]:
        wanted = set(ids)
        return {b for a, b in self.must if a in wanted} | {a for a, b in self.must if b in wanted}


def _rank(scheme: str) -> int:
    return _SCHEME_ORDER.index(scheme) if scheme in _SCHEME_ORDER else len(_SCHEME_ORDER)


def durable_work_ids(
    connection: Connection, work_list: Sequence[int]
) -> dict[int, tuple[str, str]]:
    """For each work, its most stable external id (scheme, value)."""
    best: dict[int, tuple[str, str]] = {}
    for work_id, scheme, value in connection.execute(
        select(work_ids.c.work_id, work_ids.c.scheme, work_ids.c.value).where(
            in_list(work_ids.c.work_id, work_list)
        )
    ):
        current = best.get(work_id)
        if current is None or (_rank(scheme), value) < (_rank(current[0]), current[1]):
            best[work_id] = (scheme, value)
    return best


def member_keys(connection: Connection, authorship_ids: Sequence[int]) -> list[MemberKey]:
    """The durable names of authorships (unknown ids are left out)."""
    rows: list[Any] = list(
        connection.execute(
            select(authorships.c.work_id, authorships.c.name_key, authorships.c.position)
            .where(in_list(authorships.c.id, authorship_ids))
            .order_by(authorships.c.id)
        ).all()
    )
    best = durable_work_ids(connection, [row.work_id for row in rows])
    return [
        MemberKey(*best[row.work_id], row.name_key, row.position)
        for row in rows
        if row.work_id in best
    ]


KINDS = ("merge", "split", "remove", "revert")


@dataclass(frozen=True, slots=True)
class Audit:
    """Who made a correction: user ids (None: the command line)."""

    proposed_by: int | None = None
    approved_by: int | None = None


COMMAND_LINE = Audit()


def record(
    connection: Connection,
    kind: str,
    sides: tuple[Sequence[int], Sequence[int]],
    note: str | None = None,
    audit: Audit = COMMAND_LINE,
    reverts: int | None = None,
) -> int:
    """Store a correction over authorship ids (by their durable keys); returns its id."""
    if kind not in KINDS:
        raise ValueError(f"unknown correction kind {kind!r}")
    created = datetime.now(UTC).replace(tzinfo=None)
    correction_id = connection.execute(
        insert(identity_corrections)
        .values(
            kind=kind,
            created=created,
            note=note,
            proposed_by=audit.proposed_by,
            approved_by=audit.approved_by,
            reverts=reverts,
        )
        .returning(identity_corrections.c.id)
    ).scalar_one()
    rows = [
        {
            "correction_id": correction_id,
            "side": side,
            "work_scheme": key.work_scheme,
            "work_value": key.work_value,
            "name_key": key.name_key,
            "position": key.position,
        }
        for side, ids in enumerate(sides)
        for key in member_keys(connection, ids)
    ]
    if rows:
        connection.execute(insert(identity_correction_members), rows)
    return int(correction_id)


def load_corrections(connection: Connection, ids: Iterable[int] | None = None) -> list[Correction]:
    """Every correction (or those with the given ids), in the order made."""
    wanted = None if ids is None else sorted(set(ids))
    member_query = select(identity_correction_members).order_by(identity_correction_members.c.id)
    query = select(identity_corrections).order_by(
        identity_corrections.c.created, identity_corrections.c.id
    )
    if wanted is not None:
        member_query = member_query.where(
            in_list(identity_correction_members.c.correction_id, wanted)
        )
        query = query.where(in_list(identity_corrections.c.id, wanted))
    members: dict[int, tuple[list[MemberKey], list[MemberKey]]] = defaultdict(lambda: ([], []))
    for row in connection.execute(member_query):
        members[row.correction_id][row.side].append(
            MemberKey(row.work_scheme, row.work_value, row.name_key, row.position)
        )
    return [
        Correction(
            row.id,
            row.kind,
            row.created,
            tuple(map(tuple, members[row.id])),  # type: ignore[arg-type]
            row.note,
            row.proposed_by,
            row.approved_by,
            row.reverts,
        )
        for row in connection.execute(query)
    ]


def touching(connection: Connection, authorship_ids: Sequence[int]) -> list[Correction]:
    """The corrections naming any of these authorships, and the reverts of them, in order."""
    if not _may_touch(connection, authorship_ids):
        return []
    keys = member_keys(connection, authorship_ids)
    if not keys:
        return []
    by_value = {(k.work_scheme, k.work_value, k.name_key) for k in keys}
    rows = connection.execute(
        select(
            identity_correction_members.c.correction_id,
            identity_correction_members.c.work_scheme,
            identity_correction_members.c.work_value,
            identity_correction_members.c.name_key,
        ).where(in_list(identity_correction_members.c.work_value, {k.work_value for k in keys}))
    ).all()
    found = {r.correction_id for r in rows if (r.work_scheme, r.work_value, r.name_key) in by_value}
    if not found:
        return []
    reverts = connection.execute(
        select(identity_corrections.c.id).where(in_list(identity_corrections.c.reverts, found))
    ).scalars()
    return load_corrections(connection, found | set(reverts))


def any_correction(connection: Connection) -> bool:
    """Whether any correction was ever made: none, on most databases, so every author page's
    history is empty without reading the person's authorships."""
    members = identity_correction_members
    return connection.execute(select(members.c.id).limit(1)).first() is not None


def _may_touch(connection: Connection, authorship_ids: Sequence[int]) -> bool:
    """Whether any correction names a work of these authorships under one of its ids, with
    their printed name: what `touching` finds is among those. Every resolved author page
    asks (its history), and at a million works a prolific person's authorships, their
    works and ids cost ~15 ms to read into durable keys; corrections are few, so this asks
    the database from their side, and nothing at all when there are none."""
    if not any_correction(connection):
        return False
    members = identity_correction_members
    query = (
        select(members.c.id)
        .join(
            work_ids,
            (work_ids.c.scheme == members.c.work_scheme)
            & (work_ids.c.value == members.c.work_value),
        )
        .join(
            authorships,
            (authorships.c.work_id == work_ids.c.work_id)
            & (authorships.c.name_key == members.c.name_key),
        )
        .where(in_list(authorships.c.id, authorship_ids))
        .limit(1)
    )
    return connection.execute(query).first() is not None


def reverted_ids(connection: Connection) -> set[int]:
    return {
        int(i)
        for i in connection.execute(
            select(identity_corrections.c.reverts).where(
                identity_corrections.c.reverts.is_not(None)
            )
        ).scalars()
    }


def locate(connection: Connection, keys: Iterable[MemberKey]) -> dict[MemberKey, int]:
    """Today's authorship id of each key (keys whose work or name is gone are left out)."""
    wanted = sorted(set(keys), key=lambda k: (k.work_scheme, k.work_value, k.name_key))
    found: dict[MemberKey, int] = {}
    if not wanted:
        return found
    # By value alone (the primary key's first column); the scheme is matched below.
    rows = connection.execute(
        select(work_ids.c.scheme, work_ids.c.value, authorships.c.id, authorships.c.name_key,
               authorships.c.position)
        .join(authorships, authorships.c.work_id == work_ids.c.work_id)
        .where(in_list(work_ids.c.value, {k.work_value for k in wanted}))
    ).all()  # fmt: skip
    candidates: dict[tuple[str, str], list[tuple[int, str, int]]] = defaultdict(list)
    for row in rows:
        candidates[(row.scheme, row.value)].append((row.id, row.name_key, row.position))
    for key in wanted:
        options = candidates.get((key.work_scheme, key.work_value), [])
        same_name = [o for o in options if o[1] == key.name_key]
        if len(same_name) > 1:
            same_name = [o for o in same_name if o[2] == key.position] or same_name[:1]
        if same_name:
            found[key] = same_name[0][0]
    return found


def constraints(connection: Connection) -> Constraints:
    """Every correction as pairs of today's authorship ids, later corrections winning."""
    corrections = load_corrections(connection)
    located = locate(connection, (k for c in corrections for side in c.sides for k in side))
    return constraints_from(corrections, located)


def constraints_from(
    corrections: Sequence[Correction], located: Mapping[MemberKey, int]
) -> Constraints:
    """The corrections (in the order made) as pairs of the authorship ids their members were
    located at (the batch stages locate them in their own tables)."""
    must: set[tuple[int, int]] = set()
    cannot: set[tuple[int, int]] = set()
    reverted = {c.reverts for c in corrections if c.kind == "revert"}
    for correction in corrections:
        if correction.kind == "revert" or correction.id in reverted:
            continue
        left, right = (
            sorted({located[k] for k in side if k in located}) for side in correction.sides
        )
        if correction.kind == "merge":
            both = set(left) | set(right)
            cannot = {p for p in cannot if not (p[0] in both and p[1] in both)}
            must |= _star(sorted(both))
        else:  # split and remove: never across the sides
            lset, rset = set(left), set(right)
            must = {p for p in must if not _crosses(p, lset, rset)}
            cannot |= {_pair(a, b) for a in left for b in right}
            # A split makes each side one person; a removal only keeps the rest together.
            must |= (_star(left) if correction.kind == "split" else set()) | _star(right)
    return Constraints(frozenset(must), frozenset(cannot))


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _star(ids: Sequence[int]) -> set[tuple[int, int]]:
    return {_pair(ids[0], other) for other in ids[1:]} if ids else set()


def _crosses(pair: tuple[int, int], left: set[int], right: set[int]) -> bool:
    a, b = pair
    return (a in left and b in right) or (a in right and b in left)

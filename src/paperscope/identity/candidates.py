"""Which existing people an incremental `resolve` compares new authorships with.

A name block is clustered whole when it is small. A large one ("Wei Wang" at a million works
holds tens of thousands of authorships) is where a new authorship's person is nearly always
one of the few people it shares a co-author with, so an incremental run does not load the
whole block: it reads each person's *match profile* (`people.match_profile`: the co-authors,
venues and printed names of the person's works, stored by every resolve that writes the
person; not the author page's profile) and loads only the people whose name may be the new
one's and who share most co-authors (then its venue) with it, at most `PER_AUTHORSHIP` of
them per new authorship; one sharing no co-author with anyone gets the people that printed
its very name. Before this, 3,677 new authorships of a million-work corpus (0.1%) fell in
blocks holding 88% of all authorships, and the run cost half a full one; now about a
twentieth (docs/people.md "Incremental runs"). A person without a profile (a database resolved
before profiles existed, a person merged or split by hand since, the Spark engine's people)
gets one computed from its authorships the first time a run needs it.

A candidate person larger than `SAMPLE` authorships (the full run's people of a common
name reach thousands at a million works) is loaded in part: its members whose works share
most co-author names with the new authorships that chose it, then an even spread of the
rest, `SAMPLE` in all. Its existing members are never split or moved by an incremental
run, so the part only decides whether a new authorship joins it; what is written for the
person adds the new members to what was stored (`Whole`): its size, profile, canonical
name and mean confidence, its note kept. So the work per new authorship is bounded (at most
`PER_AUTHORSHIP` x `SAMPLE` members of large blocks, or one small block), whatever the
corpus' size.

What this gives up: a new authorship whose person shares no co-author with it (and did not
print its name), or is not among its first `PER_AUTHORSHIP`, is clustered without that
person (it starts a new person, or joins another); one whose only strong link is with a
member left out of a large person's part may not join it. `bench/resolve_incremental.py`
measures how often new authorships go back to the full run's person, and with `--truth`
how right both are.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, select, update

from paperscope.identity.loading import load, runs
from paperscope.identity.signatures import Signature
from paperscope.names import (
    NameParts,
    fold,
    given_compatible,
    name_key,
    parse_name,
    person_key,
    swapped_block_key,
)
from paperscope.names import block_key as name_block_key
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, people

PER_AUTHORSHIP = 3
"""Candidate people loaded per new authorship in a large block, at most. On the 100k corpus
the full run's person was among the first 3 for 93.8% of new authorships (the first 10:
98.3%), yet against the truth 3 place them as well as 10 (B-cubed F1 0.545 and 0.544 at
1%; at a million works 0.359 and 0.360, in 206 s instead of 279 s: docs/people.md)."""
SAMPLE = 100
"""Members of one candidate person loaded at most (a larger person is loaded in part). At a
million works, 3,878 new authorships: 127 s against 201 s loading every member, B-cubed F1
against the truth 0.354 against 0.359 (200: 166 s, 0.357; 50: 103 s, 0.352)."""
COAUTHORS_KEPT = 256
"""The most frequent co-authors a profile keeps (person keys)."""
VENUES_KEPT = 8
"""The most frequent venues a profile keeps (folded)."""
NAMES_KEPT = 16
"""The most frequent printed forms of its name a profile keeps."""
_FILL_BATCH = 20_000
"""Authorships loaded at once when profiles are computed for people without one."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What a person's works say about who they are, compactly: co-authors, venues and the
    printed forms of its name, each with how many of the person's works have them, most
    frequent first."""

    coauthors: dict[str, int]
    venues: dict[str, int]
    names: dict[str, int]

    def to_json(self) -> str:
        return json.dumps({"coauthors": self.coauthors, "venues": self.venues, "names": self.names})

    @classmethod
    def from_json(cls, text: str) -> Profile:
        data = json.loads(text)
        return cls(
            dict(data.get("coauthors", {})),
            dict(data.get("venues", {})),
            dict(data.get("names", {})),
        )

    def plus(self, signatures: Iterable[Signature]) -> Profile:
        """This profile with more authorships counted in (kept to the same lengths)."""
        more = profile_of(signatures)
        return Profile(
            _summed(self.coauthors, more.coauthors, COAUTHORS_KEPT),
            _summed(self.venues, more.venues, VENUES_KEPT),
            _summed(self.names, more.names, NAMES_KEPT),
        )


def _summed(a: dict[str, int], b: dict[str, int], kept: int) -> dict[str, int]:
    return dict((Counter(a) + Counter(b)).most_common(kept))


@dataclass(frozen=True, slots=True)
class Whole:
    """A person loaded in part, as stored: what its written row adds the new members to."""

    size: int
    confidence: float | None
    note: str | None
    profile: Profile


@dataclass(frozen=True, slots=True)
class Neighbours:
    """What an incremental run clusters the new authorships with: authorship ids of existing
    people, and the people among them loaded in part (by id)."""

    ids: list[int]
    partial: dict[int, Whole]


def coauthor_keys(signature: Signature) -> set[str]:
    """The co-authors of a signature's work as person keys (the pairwise evidence's
    `shared_coauthors` compares the same keys), its own name's key left out."""
    own = person_key(signature.name)
    return {person_key(name) for name in signature.coauthors} - {own, ""}


def profile_of(signatures: Iterable[Signature]) -> Profile:
    """A person's profile from the signatures of its authorships."""
    coauthors: Counter[str] = Counter()
    venues: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for signature in signatures:
        coauthors.update(coauthor_keys(signature))
        names[signature.name] += 1
        if signature.venue and (venue := fold(signature.venue)):
            venues[venue] += 1
    return Profile(
        dict(coauthors.most_common(COAUTHORS_KEPT)),
        dict(venues.most_common(VENUES_KEPT)),
        dict(names.most_common(NAMES_KEPT)),
    )


def block_keys(name: str) -> set[str]:
    """The blocks a printed name falls in: its own and, for a two-part name, the block of the
    name printed family name first (the blocking joins the two)."""
    swapped = swapped_block_key(name)
    return {name_block_key(name)} | ({swapped} if swapped else set())


@dataclass(frozen=True, slots=True)
class _Person:
    id: int
    size: int
    names: tuple[NameParts, ...]
    """The printed forms of the person's name (its canonical one first), taken apart."""
    printed: frozenset[str]
    """The same, folded."""
    profile: Profile

    @classmethod
    def of(cls, pid: int, size: int, canonical: str, profile: Profile) -> _Person:
        forms = [canonical, *(name for name in profile.names if name != canonical)]
        return cls(
            pid,
            size,
            tuple(parse_name(name) for name in forms),
            frozenset(fold(name) for name in forms),
            profile,
        )

    def may_be(self, name: NameParts) -> bool:
        """Can a name be this person's? (Compatible with one of its printed forms: one
        person can hold names that conflict, joined through an initial or a correction.)"""
        return any(given_compatible(name, own) for own in self.names)


def neighbours(
    connection: Connection, fresh: Sequence[int], limit: int, sample: int = SAMPLE
) -> Neighbours:
    """Authorships of existing people that the new authorships `fresh` are clustered with:
    every person of a block holding at most `limit` authorships, and in a larger block the
    candidates `choose` picks, each loaded whole up to `sample` members and in part above."""
    signatures = [s.signature for s in load(connection, fresh)]
    wanted: dict[str, list[Signature]] = defaultdict(list)
    for signature in signatures:
        for key in block_keys(signature.name):
            wanted[key].append(signature)
    sizes = _block_sizes(connection, wanted)
    small = [key for key in wanted if sizes.get(key, 0) <= limit]
    large = [key for key in wanted if sizes.get(key, 0) > limit]
    chosen: dict[int, list[Signature]] = defaultdict(list)
    profiles: dict[int, Profile] = {}
    for key in large:
        block = _people_of_block(connection, key)
        profiles.update((person.id, person.profile) for person in block)
        for pid, signatures_of in choose(wanted[key], block).items():
            chosen[pid] += signatures_of
    found, partial = _members(connection, chosen, sample)
    if small:
        members = select(people.c.id).where(in_list(people.c.block_key, small))
        found.update(
            connection.execute(
                select(authorships.c.id).where(authorships.c.person_id.in_(members))
            ).scalars()
        )
    return Neighbours(sorted(found), _wholes(connection, {p: profiles[p] for p in partial}))


def _members(
    connection: Connection, chosen: Mapping[int, Sequence[Signature]], sample: int
) -> tuple[set[int], set[int]]:
    """The members of the chosen people to load, and which people are loaded in part: of a
    person above `sample` members, those whose works share most co-author names (folded)
    with the new authorships that chose it, then an even spread of the rest, `sample` in
    all."""
    if not chosen:
        return set(), set()
    members: dict[int, list[int]] = defaultdict(list)
    for authorship, person in connection.execute(
        select(authorships.c.id, authorships.c.person_id)
        .where(in_list(authorships.c.person_id, list(chosen)))
        .order_by(authorships.c.id)
    ):
        members[int(person)].append(int(authorship))
    large = {p: ids for p, ids in members.items() if len(ids) > sample}
    found = {a for p, ids in members.items() if p not in large for a in ids}
    shared = _shared_coauthors(connection, {p: chosen[p] for p in large})
    for person, ids in large.items():
        ranked = sorted(shared[person], key=lambda a: (-shared[person][a], a))[:sample]
        rest = sorted(set(ids) - set(ranked))
        room = sample - len(ranked)
        found.update(ranked)
        found.update(rest[k * len(rest) // room] for k in range(room))
    return found, set(large)


def _shared_coauthors(
    connection: Connection, chosen: Mapping[int, Sequence[Signature]]
) -> dict[int, Counter[int]]:
    """Per person: its members that share co-author names with the new authorships that
    chose it, with how many names each shares."""
    wanted = {p: {name_key(n) for s in sigs for n in s.coauthors} for p, sigs in chosen.items()}
    keys = sorted(set().union(*wanted.values())) if wanted else []
    out: dict[int, Counter[int]] = {p: Counter() for p in chosen}
    if not keys:
        return out
    member, coauthor = authorships.alias("member"), authorships.alias("coauthor")
    query = (
        select(member.c.person_id, member.c.id, coauthor.c.name_key)
        .join(coauthor, coauthor.c.work_id == member.c.work_id)
        .where(
            in_list(member.c.person_id, list(chosen)),
            in_list(coauthor.c.name_key, keys),
            coauthor.c.id != member.c.id,
        )
    )
    for person, authorship, key in connection.execute(query):
        if key in wanted[person]:
            out[person][int(authorship)] += 1
    return out


def _wholes(connection: Connection, profiles: Mapping[int, Profile]) -> dict[int, Whole]:
    """The stored rows of the people loaded in part."""
    if not profiles:
        return {}
    rows = connection.execute(
        select(people.c.id, people.c.size, people.c.confidence, people.c.note).where(
            in_list(people.c.id, list(profiles))
        )
    )
    return {
        int(row.id): Whole(int(row.size or 0), row.confidence, row.note, profiles[row.id])
        for row in rows
    }


def _block_sizes(connection: Connection, keys: Iterable[str]) -> dict[str, int]:
    """The authorships of each block's people, by block key."""
    return {
        str(key): int(total or 0)
        for key, total in connection.execute(
            select(people.c.block_key, func.sum(people.c.size))
            .where(in_list(people.c.block_key, list(keys)))
            .group_by(people.c.block_key)
        )
    }


def _people_of_block(connection: Connection, key: str) -> list[_Person]:
    """The block's people with their profiles (computed and stored where missing)."""
    rows = connection.execute(
        select(people.c.id, people.c.size, people.c.canonical_name, people.c.match_profile).where(
            people.c.block_key == key
        )
    ).all()
    missing = [int(row.id) for row in rows if row.match_profile is None]
    filled = fill_profiles(connection, missing) if missing else {}
    return [
        _Person.of(
            int(row.id),
            int(row.size or 0),
            row.canonical_name,
            filled[row.id] if row.match_profile is None else Profile.from_json(row.match_profile),
        )
        for row in rows
        if row.match_profile is not None or row.id in filled
    ]


def choose(
    fresh: Sequence[Signature],
    candidates: Sequence[_Person],
    per_authorship: int = PER_AUTHORSHIP,
) -> dict[int, list[Signature]]:
    """For each new authorship, the ids of at most `per_authorship` people of compatible
    name that share a co-author with it: most shared co-authors first, then one of its venue,
    then the larger person. A new authorship that shares no co-author with anyone (a
    single-author work, a new team) gets the people that printed its very name instead,
    by venue and then size: the evidence a full run would have to go on. Returns the
    chosen people's ids, each with the new authorships that chose it."""
    by_coauthor: dict[str, list[_Person]] = defaultdict(list)
    by_name: dict[str, list[_Person]] = defaultdict(list)
    for person in candidates:
        for key in person.profile.coauthors:
            by_coauthor[key].append(person)
        for printed in person.printed:
            by_name[printed].append(person)
    out: dict[int, list[Signature]] = defaultdict(list)
    for signature in fresh:
        name = parse_name(signature.name)
        shared: Counter[int] = Counter()
        found: dict[int, _Person] = {}
        for key in coauthor_keys(signature):
            for person in by_coauthor.get(key, ()):
                shared[person.id] += 1
                found[person.id] = person
        compatible = [pid for pid in shared if found[pid].may_be(name)]
        if not compatible:
            found = {person.id: person for person in by_name.get(fold(signature.name), ())}
            compatible = list(found)
        venue = fold(signature.venue or "")
        ranked = sorted(
            (-shared[pid], -(venue in found[pid].profile.venues), -found[pid].size, pid)
            for pid in compatible
        )
        for *_, pid in ranked[:per_authorship]:
            out[pid].append(signature)
    return dict(out)


def fill_profiles(connection: Connection, person_ids: Sequence[int]) -> dict[int, Profile]:
    """Compute and store the profiles of these people from their authorships."""
    members: dict[int, list[int]] = defaultdict(list)
    for authorship, person in connection.execute(
        select(authorships.c.id, authorships.c.person_id).where(
            in_list(authorships.c.person_id, person_ids)
        )
    ):
        members[int(person)].append(int(authorship))
    out: dict[int, Profile] = {}
    for batch in runs({person: len(keys) for person, keys in members.items()}, _FILL_BATCH):
        out.update(_fill(connection, batch, members))
    return out


def _fill(
    connection: Connection, batch: list[int], members: dict[int, list[int]]
) -> dict[int, Profile]:
    stored = {s.signature.key: s for s in load(connection, [a for p in batch for a in members[p]])}
    out = {p: profile_of(stored[a].signature for a in members[p]) for p in batch}
    _store_profiles(connection, out)
    return out


def _store_profiles(connection: Connection, profiles: dict[int, Profile]) -> None:
    if profiles:
        connection.execute(
            update(people)
            .where(people.c.id == bindparam("person"))
            .values(match_profile=bindparam("value")),
            [{"person": p, "value": profile.to_json()} for p, profile in profiles.items()],
        )

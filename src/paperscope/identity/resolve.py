"""The `resolve` stage's identity step: cluster authorships into people.

Incremental by default: authorships without a person join an existing person of their
block, or form new people; existing people are never merged with each other by it. A full
re-cluster (`full=True`) clusters every block from scratch and then gives each new cluster
the id of the old person it shares most authorships with, so ids stay stable where the
clusters did not change. Stored corrections and ORCIDs are hard constraints either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from paperscope.identity.assign import cluster_block
from paperscope.identity.corrections import Constraints, constraints
from paperscope.identity.explain import PersonDraft
from paperscope.identity.loading import (
    Stored,
    all_ids,
    load,
    neighbours_of,
    person_members,
    unresolved_ids,
)
from paperscope.identity.model import PairwiseModel, default_model
from paperscope.identity.signatures import blocks
from paperscope.identity.topics import TopicSource
from paperscope.progress import SILENT, Progress
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, people


@dataclass(frozen=True, slots=True)
class ResolveReport:
    mode: str
    blocks: int
    authorships: int
    people_created: int
    people_removed: int
    model: str


def resolve_people(
    connection: Connection,
    *,
    full: bool = False,
    model: PairwiseModel | None = None,
    progress: Progress = SILENT,
    topics: TopicSource | None = None,
) -> ResolveReport:
    """Cluster authorships into people; `topics` gives title embeddings for the pairwise
    evidence (None: without them, which the model also knows)."""
    model = model or default_model()
    rules = constraints(connection)
    if full:
        ids = all_ids(connection)
    else:
        fresh = unresolved_ids(connection)
        if not fresh:
            return ResolveReport("incremental", 0, 0, 0, 0, model.description)
        partners = rules.partners(fresh)
        ids = sorted(
            set(fresh)
            | set(neighbours_of(connection, fresh))
            | set(partners)
            | set(person_members(connection, _people_of(connection, partners)))
        )
    stored = load(connection, ids)
    grouped = _blocks_with_constraints(stored, rules)
    created = removed = 0
    old_people = {s.person_id for s in stored if s.person_id is not None}
    progress.start("clustering name blocks", len(grouped))
    for key, members in sorted(grouped.items()):
        drafts = cluster_block(members, rules, model, full, topics)
        created += _write(connection, key, drafts)
        progress.advance()
    if full:
        removed = _remove_orphans(connection)
    elif old_people:
        removed = _remove_empty(connection, old_people)
    clustered = len(stored) if full else len([s for s in stored if s.person_id is None])
    return ResolveReport(
        "full" if full else "incremental", len(grouped), clustered, created, removed,
        model.description,
    )  # fmt: skip


def _people_of(connection: Connection, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return {
        p
        for p in connection.execute(
            select(authorships.c.person_id).where(in_list(authorships.c.id, ids))
        ).scalars()
        if p is not None
    }


def _blocks_with_constraints(
    stored: Sequence[Stored], rules: Constraints
) -> dict[str, list[Stored]]:
    """Name blocks, joined where a correction must-links across them."""
    by_signature = {s.signature.key: s for s in stored}
    named = blocks(s.signature for s in stored)
    block_of = {s.key: key for key, group in named.items() for s in group}
    parent = {key: key for key in named}

    def find(key: str) -> str:
        while parent[key] != key:
            key = parent[key]
        return key

    for a, b in rules.must:
        if a in block_of and b in block_of:
            ra, rb = find(block_of[a]), find(block_of[b])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    out: dict[str, list[Stored]] = defaultdict(list)
    for key, group in named.items():
        out[find(key)].extend(by_signature[s.key] for s in group)
    return dict(out)


def _write(connection: Connection, key: str, drafts: Sequence[PersonDraft]) -> int:
    created = 0
    for draft in drafts:
        values = {
            "canonical_name": draft.canonical_name,
            "block_key": key,
            "size": len(draft.members),
            "confidence": draft.confidence,
            "note": draft.note,
        }
        person_id = draft.keep_id
        if person_id is None:
            person_id = connection.execute(
                insert(people).values(**values).returning(people.c.id)
            ).scalar_one()
            created += 1
        else:
            connection.execute(update(people).where(people.c.id == person_id).values(**values))
        for confidence, ids in draft.confidence_groups():
            connection.execute(
                update(authorships)
                .where(in_list(authorships.c.id, ids))
                .values(person_id=person_id, person_confidence=confidence)
            )
    return created


def _remove_orphans(connection: Connection) -> int:
    """Delete every person no authorship points at (after a full re-cluster)."""
    used = select(authorships.c.person_id).where(authorships.c.person_id.is_not(None))
    return int(connection.execute(delete(people).where(people.c.id.not_in(used))).rowcount)


def _remove_empty(connection: Connection, candidates: set[int]) -> int:
    """Delete people (among `candidates`) that no authorship points at any more."""
    still = set(
        connection.execute(
            select(authorships.c.person_id)
            .where(in_list(authorships.c.person_id, candidates))
            .distinct()
        ).scalars()
    )
    empty = [p for p in candidates if p not in still]
    if empty:
        connection.execute(delete(people).where(in_list(people.c.id, empty)))
    return len(empty)

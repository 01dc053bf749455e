"""The `resolve` stage's identity step: cluster authorships into people.

Incremental by default: authorships without a person join an existing person of their
block, or form new people; existing people are never merged with each other by it. A full
re-cluster (`full=True`) clusters every block from scratch and then gives each new cluster
the id of the old person it shares most authorships with, so ids stay stable where the
clusters did not change. Stored corrections and ORCIDs are hard constraints either way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, delete, insert, select

from paperscope.identity.candidates import Whole, neighbours, profile_of
from paperscope.identity.corrections import Constraints, constraints
from paperscope.identity.explain import PersonDraft, most_printed
from paperscope.identity.loading import (
    Names,
    Stored,
    load,
    load_names,
    person_members,
    runs,
    unresolved_ids,
)
from paperscope.identity.model import PairwiseModel, default_model
from paperscope.identity.parts import PART_LIMIT, block_pieces
from paperscope.identity.signatures import name_blocks
from paperscope.identity.topics import TopicSource
from paperscope.identity.workers import BlockBatch, BlockClusterer, Clustering
from paperscope.names import block_key
from paperscope.progress import SILENT, Progress
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, people
from paperscope.store.upsert import update_rows


@dataclass(frozen=True, slots=True)
class ResolveReport:
    mode: str
    blocks: int
    authorships: int
    people_created: int
    people_removed: int
    model: str


BATCH = 20_000
"""Authorships loaded (with their works' evidence) and written per batch of whole blocks:
memory follows the batch and the largest block, not the corpus."""


def resolve_people(
    connection: Connection,
    *,
    full: bool = False,
    model: PairwiseModel | None = None,
    progress: Progress = SILENT,
    topics: TopicSource | None = None,
    part_limit: int = PART_LIMIT,
    batch: int = BATCH,
    workers: int = 1,
    model_dir: Path | None = None,
) -> ResolveReport:
    """Cluster authorships into people; `topics` gives title embeddings for the pairwise
    evidence (None: without them, which the model also knows). A block above `part_limit`
    authorships is split into parts of at most that many (`identity.parts`). `workers`:
    processes clustering batches at once (`identity.workers`; 1: in this process); the
    people are the same for any number. `model_dir`: where the trained packaged model is
    kept between runs (`default_model`); it is trained only when there is work to do."""
    rules = constraints(connection)
    partial: dict[int, Whole] = {}
    if full:
        names = load_names(connection)
    else:
        fresh = unresolved_ids(connection)
        if not fresh:
            return ResolveReport("incremental", 0, 0, 0, 0, "none needed (no new authorships)")
        partners = rules.partners(fresh)
        constrained = _people_of(connection, partners)  # loaded whole
        found = neighbours(connection, fresh, part_limit)
        partial = {p: w for p, w in found.partial.items() if p not in constrained}
        ids = sorted(
            set(fresh)
            | set(found.ids)
            | set(partners)
            | set(person_members(connection, constrained))
        )
        names = load_names(connection, ids)
    grouped = _blocks_with_constraints(names, rules)
    totals = _Totals()
    progress.start("clustering name blocks", len(grouped))
    batches = list(runs({key: len(ids) for key, ids in grouped.items()}, batch))
    model = model or default_model(model_dir)
    clustering = Clustering(rules, model, full, part_limit)
    # Up to `workers` batches are clustered at once while the next is loaded; each is
    # written as soon as it and every batch loaded before it are done, in loading order.
    pending: deque[_Pending] = deque()
    with BlockClusterer(clustering, min(workers, len(batches))) as clusterer:
        for keys in batches:
            batch_ids = [int(i) for key in keys for i in grouped[key]]
            stored = _sized(load(connection, batch_ids), partial)
            by_id = {s.signature.key: s for s in stored}
            blocks = {key: [by_id[int(i)] for i in grouped[key]] for key in keys}
            prepared, counted = _prepare(blocks, clustering, topics)
            pending.append((clusterer.submit(prepared), counted, len(keys), by_id))
            while len(pending) > clusterer.workers or (pending and pending[0][0].done()):
                totals.add(_write(connection, pending.popleft(), progress, partial))
        while pending:
            totals.add(_write(connection, pending.popleft(), progress, partial))
    removed = 0
    if full:
        removed = _remove_orphans(connection)
    elif totals.old_people:
        removed = _remove_empty(connection, totals.old_people)
    return ResolveReport(
        "full" if full else "incremental", len(grouped), totals.clustered, totals.created,
        removed, model.description,
    )  # fmt: skip


@dataclass
class _Totals:
    clustered: int = 0
    created: int = 0
    old_people: set[int] = field(default_factory=set)

    def add(self, other: _Totals) -> None:
        self.clustered += other.clustered
        self.created += other.created
        self.old_people |= other.old_people


def _prepare(
    blocks: dict[str, list[Stored]], clustering: Clustering, topics: TopicSource | None
) -> tuple[BlockBatch, _Totals]:
    """One batch ready to cluster (`identity.parts`) and what it counts; title vectors are
    looked up (and the missing ones encoded) once for the whole batch."""
    totals = _Totals()
    split: dict[str, list[list[int]]] = {}
    wanted: list[Stored] = []
    rules, full = clustering.rules, clustering.full
    for key, members in blocks.items():
        split[key] = block_pieces(members, rules, full, clustering.part_limit)
        wanted += [members[k] for c in split[key] if len(c) > 1 for k in c]
        if not full:
            totals.old_people |= {s.person_id for s in members if s.person_id is not None}
            totals.clustered += sum(1 for s in members if s.person_id is None)
        else:
            totals.clustered += len(members)
    vectors: dict[int, NDArray[np.float64]] = {}
    if topics is not None and wanted:
        found = topics([s.signature for s in wanted])
        vectors = {s.signature.key: found[k] for k, s in enumerate(wanted)}
    return BlockBatch(blocks, split, vectors), totals


_Pending = tuple[Future[dict[str, list[PersonDraft]]], _Totals, int, dict[int, Stored]]
"""A batch being clustered: its drafts to come, what it counts, its number of blocks, and
its authorships by id."""


def _sized(stored: list[Stored], partial: dict[int, Whole]) -> list[Stored]:
    """Members of people loaded in part told their person's whole size."""
    if not partial:
        return stored
    return [
        replace(s, person_size=partial[s.person_id].size) if s.person_id in partial else s
        for s in stored
    ]


def _write(
    connection: Connection, done: _Pending, progress: Progress, partial: dict[int, Whole]
) -> _Totals:
    """Write one clustered batch (waiting for it) and count its new people."""
    future, totals, block_count, stored = done
    writes = _Writes(stored, partial)
    for key, drafts in future.result().items():
        writes.add(key, drafts)
    totals.created = writes.flush(connection)
    progress.advance(block_count)
    return totals


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


def _blocks_with_constraints(names: Names, rules: Constraints) -> dict[str, NDArray[np.int64]]:
    """Authorship ids per name block, blocks joined where a correction must-links across
    them. Each block's ids are in the blocking order: by the smallest block key of their
    name's swapped-name group, their own block key, then id (the order the Spark engine
    gives a block's members, `batch.blocking.member_order`; ties in the clustering break by
    it)."""
    named = name_blocks(names.distinct)
    keys = sorted(named)
    block_of_name = np.zeros(len(names.distinct), dtype=np.int64)
    for b, key in enumerate(keys):
        block_of_name[named[key]] = b
    own = [block_key(name) for name in names.distinct]
    smallest = {key: min(own[code] for code in codes) for key, codes in named.items()}
    place = [(smallest[keys[int(block_of_name[code])]], own[code]) for code in range(len(own))]
    rank = {value: r for r, value in enumerate(sorted(set(place)))}
    rank_of_name = np.array([rank[value] for value in place], dtype=np.int64)
    block_of = block_of_name[names.codes]
    parent = list(range(len(keys)))

    def find(b: int) -> int:
        while parent[b] != b:
            b = parent[b]
        return b

    position = {int(i): k for k, i in enumerate(names.ids)}
    for a, b in rules.must:
        if a in position and b in position:
            ra, rb = find(int(block_of[position[a]])), find(int(block_of[position[b]]))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(b) for b in range(len(keys))], dtype=np.int64)
    root_of = roots[block_of] if len(block_of) else block_of
    order = np.lexsort((names.ids, rank_of_name[names.codes], root_of))
    bounds = np.flatnonzero(np.diff(root_of[order])) + 1
    return {
        keys[int(root_of[chunk[0]])]: names.ids[chunk]
        for chunk in np.split(order, bounds)
        if len(chunk)
    }


class _Writes:
    """People and authorship updates of one batch, written in a few statements."""

    def __init__(self, stored: dict[int, Stored], partial: dict[int, Whole]) -> None:
        self.stored = stored
        self.partial = partial
        self.new: list[tuple[str, PersonDraft]] = []
        self.old: list[tuple[str, PersonDraft]] = []

    def add(self, key: str, drafts: Sequence[PersonDraft]) -> None:
        for draft in drafts:
            (self.new if draft.keep_id is None else self.old).append((key, draft))

    def flush(self, connection: Connection) -> int:
        person_of: list[tuple[int, PersonDraft]] = []
        if self.new:
            created = (
                connection.execute(
                    insert(people).returning(people.c.id, sort_by_parameter_order=True),
                    [self._values(key, draft) for key, draft in self.new],
                )
                .scalars()
                .all()
            )
            person_of += zip(created, (draft for _, draft in self.new), strict=True)
        if self.old:
            update_rows(
                connection,
                people,
                [{"id": draft.keep_id, **self._values(key, draft)} for key, draft in self.old],
                "id",
            )
            person_of += [(int(draft.keep_id or 0), draft) for _, draft in self.old]
        rows = [
            {"id": key, "person_id": person_id, "person_confidence": round(confidence, 2)}
            for person_id, draft in person_of
            for key, confidence in draft.authorships
        ]
        update_rows(connection, authorships, rows, "id")
        return len(self.new)

    def _values(self, key: str, draft: PersonDraft) -> dict[str, object]:
        whole = self.partial.get(draft.keep_id or 0)
        if whole is not None:
            return self._grown(key, draft, whole)
        profile = profile_of(self.stored[a].signature for a, _ in draft.authorships)
        return {
            "canonical_name": draft.canonical_name,
            "block_key": key,
            "size": len(draft.members),
            "confidence": draft.confidence,
            "note": draft.note,
            "match_profile": profile.to_json(),
        }

    def _grown(self, key: str, draft: PersonDraft, whole: Whole) -> dict[str, object]:
        """A person loaded in part that gained members: its stored row with the new members
        added. Its confidence (the mean of its members' means) is the stored sum with the
        loaded members' new means in place of their stored ones; its note is kept."""
        loaded = [(self.stored[a], c) for a, c in draft.authorships]
        new = [s.signature for s, _ in loaded if s.person_id is None]
        profile = whole.profile.plus(new)
        size = whole.size + len(new)
        before = [s.person_confidence for s, _ in loaded if s.person_id is not None]
        confidence = draft.confidence
        if whole.confidence is not None and None not in before:
            others = whole.confidence * whole.size - sum(c or 0.0 for c in before)
            confidence = (others + sum(c for _, c in loaded)) / size
        name = most_printed(profile.names) if profile.names else draft.canonical_name
        return {
            "canonical_name": name,
            "block_key": key,
            "size": size,
            "confidence": confidence,
            "note": whole.note,
            "match_profile": profile.to_json(),
        }


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

"""The `resolve` stage's identity step: cluster authorships into people.

Incremental by default: authorships without a person join an existing person of their
block, or form new people; existing people are never merged with each other by it. A full
re-cluster (`full=True`) clusters every block from scratch and then gives each new cluster
the id of the old person it shares most authorships with, so ids stay stable where the
clusters did not change. Stored corrections and ORCIDs are hard constraints either way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, delete, insert, select, update

from paperscope.identity.cluster import Linkage
from paperscope.identity.corrections import Constraints, constraints
from paperscope.identity.explain import PersonDraft, canonical_name, describe_block
from paperscope.identity.features import Evidence
from paperscope.identity.loading import (
    Stored,
    all_ids,
    load,
    neighbours_of,
    person_members,
    unresolved_ids,
)
from paperscope.identity.merge import apply_merges, merge_history
from paperscope.identity.model import PairwiseModel, default_model
from paperscope.identity.signatures import blocks
from paperscope.identity.topics import TopicSource
from paperscope.store.schema import authorships, people

Progress = Callable[[int, int], None]
Joins = dict[int, tuple[float, ...]]
"""Per group (keyed by its smallest member): the probabilities of the second-pass merges
that made it."""
_CHUNK = 2_000
"""Blocks larger than this are clustered chunk by chunk, each chunk joining the people so far."""
_ROWS_PER_BATCH = 1_000_000
"""Pairs scored at once (bounds memory: 15 features x 8 bytes each)."""


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
    progress: Progress | None = None,
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
    for done, (key, members) in enumerate(sorted(grouped.items()), start=1):
        drafts = _cluster_block(members, rules, model, full, topics)
        created += _write(connection, key, drafts)
        if progress:
            progress(done, len(grouped))
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
            select(authorships.c.person_id).where(authorships.c.id.in_(sorted(ids)))
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


def _pair_rules(
    members: Sequence[Stored], rules: Constraints
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Must / cannot pairs as indices into `members`: corrections, ORCIDs, source ids, works."""
    index = {s.signature.key: k for k, s in enumerate(members)}
    must = [(index[a], index[b]) for a, b in rules.must if a in index and b in index]
    cannot = [(index[a], index[b]) for a, b in rules.cannot if a in index and b in index]
    by_orcid: dict[str, list[int]] = defaultdict(list)
    by_source: dict[str, list[int]] = defaultdict(list)
    by_work: dict[int, list[int]] = defaultdict(list)
    for k, s in enumerate(members):
        if s.signature.orcid:
            by_orcid[s.signature.orcid].append(k)
        if s.signature.source_id:
            by_source[s.signature.source_id].append(k)
        by_work[s.signature.work].append(k)
    for group in (*by_orcid.values(), *by_source.values()):
        must += [(group[0], k) for k in group[1:]]
    orcid_groups = list(by_orcid.values())
    for a, group in enumerate(orcid_groups):
        for other in orcid_groups[a + 1 :]:
            cannot.append((group[0], other[0]))
    for group in by_work.values():
        cannot += [(x, y) for i, x in enumerate(group) for y in group[i + 1 :]]
    return must, cannot


def _score_square(evidence: Evidence, model: PairwiseModel, n: int) -> NDArray[np.float64]:
    """The symmetric n x n probability matrix, each pair scored once."""
    out = np.eye(n)
    step = max(1, _ROWS_PER_BATCH // max(n, 1))
    for start in range(0, n, step):
        rows = np.arange(start, min(n, start + step))
        features = evidence.pairs(rows.tolist(), range(n))
        i, j = np.nonzero(np.arange(n)[None, :] > rows[:, None])
        if len(i):
            p = model.probabilities(features[i, j])
            out[rows[i], j] = p
            out[j, rows[i]] = p
    return out


def _score(
    evidence: Evidence, model: PairwiseModel, rows: Sequence[int], cols: Sequence[int]
) -> NDArray[np.float64]:
    out = np.zeros((len(rows), len(cols)))
    step = max(1, _ROWS_PER_BATCH // max(len(cols), 1))
    for start in range(0, len(rows), step):
        part = list(rows[start : start + step])
        out[start : start + len(part)] = model.probabilities(evidence.pairs(part, cols))
    return out


def _cluster_block(
    members: list[Stored],
    rules: Constraints,
    model: PairwiseModel,
    full: bool,
    topics: TopicSource | None = None,
) -> list[PersonDraft]:
    """Assign every member to a person draft (an existing id to keep, or None for new)."""
    n = len(members)
    if n == 1:  # most blocks: nothing to compare, nothing to fit
        only = members[0].signature
        return [
            PersonDraft(
                (0,), members[0].person_id, canonical_name([only]), 1.0,
                None, ((only.key, 1.0),),
            )
        ]  # fmt: skip
    signatures = [s.signature for s in members]
    evidence = Evidence(signatures, None if topics is None else topics(signatures))
    must, cannot = _pair_rules(members, rules)
    if full:
        groups: list[list[int]] = []
        pending = list(range(n))
    else:
        existing: dict[int, list[int]] = defaultdict(list)
        for k, s in enumerate(members):
            if s.person_id is not None:
                existing[s.person_id].append(k)
        groups = [existing[p] for p in sorted(existing)]
        pending = [k for k, s in enumerate(members) if s.person_id is None]
    probabilities: NDArray[np.float64] | None = None
    if n <= _CHUNK:
        probabilities = _score_square(evidence, model, n)
    joins: Joins = {}
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start : start + _CHUNK]
        groups = _join(evidence, model, probabilities, groups, chunk, must, cannot, joins)
    drafts = [
        PersonDraft(members=tuple(group), joins=joins.get(min(group), ())) for group in groups
    ]
    return _stable_ids(members, drafts, probabilities, evidence, model)


def _join(
    evidence: Evidence,
    model: PairwiseModel,
    probabilities: NDArray[np.float64] | None,
    groups: list[list[int]],
    new: list[int],
    must: list[tuple[int, int]],
    cannot: list[tuple[int, int]],
    joins: Joins,
) -> list[list[int]]:
    """Let `new` items join the (mutually apart) `groups` or form new groups. `joins`
    (keyed by a group's smallest member) collects the second pass's merge probabilities."""
    g, m = len(groups), len(new)
    grouped = [k for group in groups for k in group]
    cols = grouped + new
    if probabilities is not None:
        p = probabilities[np.ix_(new, cols)]
    else:
        p = _score(evidence, model, new, cols)
    onehot = np.zeros((len(cols), g + m))
    node_of: dict[int, int] = {}
    for node, group in enumerate(groups):
        for k in group:
            node_of[k] = node
    for j, k in enumerate(new):
        node_of[k] = g + j
    for c, k in enumerate(cols):
        onehot[c, node_of[k]] = 1.0
    sizes = onehot.sum(axis=0)
    sums = np.zeros((g + m, g + m))
    new_to_nodes = p @ onehot
    sums[g:, :] = new_to_nodes
    sums[:g, g:] = new_to_nodes[:, :g].T
    counts = np.outer(sizes, sizes)
    maxes = np.zeros((g + m, g + m))
    offset = 0
    for node, group in enumerate(groups):
        column = p[:, offset : offset + len(group)].max(axis=1)
        offset += len(group)
        maxes[g:, node] = column
        maxes[node, g:] = column
    maxes[g:, g:] = p[:, len(grouped) :]
    forbidden = np.zeros((g + m, g + m), dtype=bool)
    forbidden[:g, :g] = True
    linkage = Linkage(sums, counts, forbidden, maxes=maxes, method=model.linkage)
    fresh = set(new)
    for a, b in must:
        if a in node_of and b in node_of and (a in fresh or b in fresh):
            linkage.merge(node_of[a], node_of[b])
    for a, b in cannot:
        if a in node_of and b in node_of:
            linkage.forbid(node_of[a], node_of[b])
    roots = linkage.run(model.threshold)
    merged: dict[int, list[int]] = defaultdict(list)
    for node, group in enumerate(groups):
        merged[roots[node]].extend(group)
    for j, k in enumerate(new):
        merged[roots[g + j]].append(k)
    items = sorted(merged.items())
    joined = [sorted(v) for _, v in items]
    _rekey(joins, joined)
    if model.groups is None or len(joined) < 2:
        return joined
    # The second pass: forbidden where the first pass forbids, or a pair's names conflict.
    root_ids = [r for r, _ in items]
    position = {r: a for a, r in enumerate(root_ids)}
    forbidden_groups = linkage.forbidden[np.ix_(root_ids, root_ids)].copy()
    group_of_col = np.array([position[roots[node_of[k]]] for k in cols])
    group_of_new = group_of_col[len(grouped) :]
    rows, columns = np.nonzero(p == 0)
    forbidden_groups[group_of_new[rows], group_of_col[columns]] = True
    forbidden_groups[group_of_col[columns], group_of_new[rows]] = True
    if probabilities is None:  # only pairs with a new member were scored
        n = len(evidence.signatures)
        probabilities = np.full((n, n), np.nan)
        probabilities[np.ix_(new, cols)] = p
        probabilities[np.ix_(cols, new)] = p.T
    history = merge_history(evidence, joined, probabilities, forbidden_groups, model.groups)
    together = apply_merges(len(joined), history, model.groups.threshold)
    values = {b: value for _, b, value in history if value >= model.groups.threshold}
    out = []
    for parts in together:
        group = sorted(k for a in parts for k in joined[a])
        made: list[float] = []
        for a in parts:
            made += joins.pop(joined[a][0], ())
            if a in values:
                made.append(values[a])
        if made:
            joins[group[0]] = tuple(made)
        out.append(group)
    return out


def _rekey(joins: Joins, groups: Sequence[Sequence[int]]) -> None:
    """Key each entry of `joins` by the smallest member of the group now holding its key
    (groups only grow, so the old key is still a member of one of them)."""
    holder = {k: min(group) for group in groups for k in group}
    moved: Joins = {}
    for key, values in joins.items():
        new = holder.get(key, key)
        moved[new] = moved.get(new, ()) + values
    joins.clear()
    joins.update(moved)


def _stable_ids(
    members: Sequence[Stored],
    drafts: list[PersonDraft],
    probabilities: NDArray[np.float64] | None,
    evidence: Evidence,
    model: PairwiseModel,
) -> list[PersonDraft]:
    """Each old person id goes to the one draft holding most of its authorships."""
    overlaps = []
    for d, draft in enumerate(drafts):
        counts = Counter(members[k].person_id for k in draft.members)
        overlaps += [(-c, d, pid) for pid, c in counts.items() if pid is not None]
    taken: dict[int, int] = {}
    used: set[int] = set()
    for _, d, pid in sorted(overlaps):
        if d not in taken and pid not in used:
            taken[d] = pid
            used.add(pid)
    drafts = [replace(draft, keep_id=taken.get(d)) for d, draft in enumerate(drafts)]
    return describe_block(members, drafts, probabilities, evidence, model)


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
            for start in range(0, len(ids), 500):
                connection.execute(
                    update(authorships)
                    .where(authorships.c.id.in_(ids[start : start + 500]))
                    .values(person_id=person_id, person_confidence=confidence)
                )
    return created


def _remove_orphans(connection: Connection) -> int:
    """Delete every person no authorship points at (after a full re-cluster)."""
    used = select(authorships.c.person_id).where(authorships.c.person_id.is_not(None))
    return int(connection.execute(delete(people).where(people.c.id.not_in(used))).rowcount)


def _remove_empty(connection: Connection, candidates: set[int]) -> int:
    """Delete people (among `candidates`) that no authorship points at any more."""
    wanted = sorted(candidates)
    still = set(
        connection.execute(
            select(authorships.c.person_id).where(authorships.c.person_id.in_(wanted)).distinct()
        ).scalars()
    )
    empty = [p for p in wanted if p not in still]
    for start in range(0, len(empty), 500):
        connection.execute(delete(people).where(people.c.id.in_(empty[start : start + 500])))
    return len(empty)

"""One name block's authorships assigned to person drafts: the first pass (linkage over
pairwise probabilities, chunk by chunk for large blocks, new items joining the people so
far), then the second pass over groups, with what each decided kept for the notes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from paperscope.identity.cluster import Linkage
from paperscope.identity.corrections import Constraints
from paperscope.identity.explain import PersonDraft, canonical_name, describe_block
from paperscope.identity.features import Evidence
from paperscope.identity.loading import Stored
from paperscope.identity.merge import GroupModel, Verdicts, merge_history
from paperscope.identity.model import PairwiseModel

Joins = dict[int, tuple[float, ...]]
"""Per group (keyed by its smallest member): the probabilities of the second-pass merges
that made it."""
_CHUNK = 2_000
"""Blocks larger than this are clustered chunk by chunk, each chunk joining the people so far."""
_ROWS_PER_BATCH = 1_000_000
"""Pairs scored at once (bounds memory: 15 features x 8 bytes each)."""


@dataclass
class SecondPass:
    """What the second pass decided in one block, for the people's notes."""

    joins: Joins = field(default_factory=dict)
    verdicts: Verdicts | None = None


def _pair_rules(
    members: Sequence[Stored], rules: Constraints, cannot: bool = True
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Must / cannot pairs as indices into `members`: corrections, ORCIDs, source ids, works."""
    index = {s.signature.key: k for k, s in enumerate(members)}
    must = [(index[a], index[b]) for a, b in rules.must if a in index and b in index]
    apart = [(index[a], index[b]) for a, b in rules.cannot if a in index and b in index]
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
    if not cannot:
        return must, []
    orcid_groups = list(by_orcid.values())
    for a, group in enumerate(orcid_groups):
        for other in orcid_groups[a + 1 :]:
            apart.append((group[0], other[0]))
    for group in by_work.values():
        apart += [(x, y) for i, x in enumerate(group) for y in group[i + 1 :]]
    return must, apart


def must_groups(members: Sequence[Stored], rules: Constraints, full: bool) -> list[list[int]]:
    """Indices into `members` that must end in one person: must-links (corrections, one
    ORCID, one source author id) and, unless `full`, each existing person."""
    must, _ = _pair_rules(members, rules, cannot=False)
    out = [[a, b] for a, b in must]
    if not full:
        existing: dict[int, list[int]] = defaultdict(list)
        for k, s in enumerate(members):
            if s.person_id is not None:
                existing[s.person_id].append(k)
        out += [group for group in existing.values() if len(group) > 1]
    return out


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


def cluster_block(
    members: list[Stored],
    rules: Constraints,
    model: PairwiseModel,
    full: bool,
    topics: NDArray[np.float64] | None = None,
) -> list[PersonDraft]:
    """Assign every member to a person draft (an existing id to keep, or None for new);
    `topics`: the members' unit title vectors (None: without)."""
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
    evidence = Evidence(signatures, topics)
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
    # An incremental run scores only the pairs with a new member (`_join`) when the new
    # members are the fewer: the pairs inside existing people decide nothing there (they
    # are never split or merged with each other), and scoring them made a run that placed
    # 360 new authorships cost as much as clustering the whole corpus.
    if n <= _CHUNK and (full or 2 * len(pending) >= n):
        probabilities = _score_square(evidence, model, n)
    record = SecondPass()
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start : start + _CHUNK]
        groups = _join(evidence, model, probabilities, groups, chunk, must, cannot, record)
    drafts = [
        PersonDraft(tuple(group), joins=record.joins.get(group[0], ()), verdicts=record.verdicts)
        for group in groups
    ]
    return _stable_ids(members, drafts, probabilities, evidence, model, full)


def _join(
    evidence: Evidence,
    model: PairwiseModel,
    probabilities: NDArray[np.float64] | None,
    groups: list[list[int]],
    new: list[int],
    must: list[tuple[int, int]],
    cannot: list[tuple[int, int]],
    record: SecondPass,
) -> list[list[int]]:
    """Let `new` items join the (mutually apart) `groups` or form new groups; `record`
    collects what the second pass decided."""
    grouped = [k for group in groups for k in group]
    cols = grouped + new
    if probabilities is not None:
        p = probabilities[np.ix_(new, cols)]
    else:
        p = _score(evidence, model, new, cols)
    linkage, node_of = _first_pass(groups, new, p, model.linkage)
    fresh = set(new)
    for a, b in must:
        if a in node_of and b in node_of and (a in fresh or b in fresh):
            linkage.merge(node_of[a], node_of[b])
    for a, b in cannot:
        if a in node_of and b in node_of:
            linkage.forbid(node_of[a], node_of[b])
    roots = linkage.run(model.threshold)
    merged: dict[int, list[int]] = defaultdict(list)
    for k in cols:
        merged[roots[node_of[k]]].append(k)
    items = sorted(merged.items())
    joined = [sorted(v) for _, v in items]
    _rekey(record.joins, joined)
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
    return _second_pass(evidence, model.groups, probabilities, joined, forbidden_groups, record)


def _first_pass(
    groups: list[list[int]], new: list[int], p: NDArray[np.float64], method: str
) -> tuple[Linkage, dict[int, int]]:
    """The linkage over nodes (each existing group, then each new item) from `p`, the
    probabilities of new items (rows) against existing then new items (columns); existing
    groups stay apart from each other. Also each item's node."""
    g, m = len(groups), len(new)
    node_of = {k: node for node, group in enumerate(groups) for k in group}
    node_of.update({k: g + j for j, k in enumerate(new)})
    onehot = np.zeros((p.shape[1], g + m))
    grouped = [k for group in groups for k in group]
    for c, k in enumerate(grouped + new):
        onehot[c, node_of[k]] = 1.0
    sizes = onehot.sum(axis=0)
    sums = np.zeros((g + m, g + m))
    new_to_nodes = p @ onehot
    sums[g:, :] = new_to_nodes
    sums[:g, g:] = new_to_nodes[:, :g].T
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
    counts = np.outer(sizes, sizes)
    return Linkage(sums, counts, forbidden, maxes=maxes, method=method), node_of


def _second_pass(
    evidence: Evidence,
    model: GroupModel,
    probabilities: NDArray[np.float64],
    joined: list[list[int]],
    forbidden: NDArray[np.bool_],
    record: SecondPass,
) -> list[list[int]]:
    """Join groups that the group model finds one person; record the join probabilities
    and, for every pair left apart, the probability the model stopped on."""
    merges = merge_history(evidence, joined, probabilities, forbidden, model)
    values = {b: value for _, b, value in merges.history}
    out, kept = [], []
    for parts in merges.groups(model.threshold):
        group = sorted(k for a in parts for k in joined[a])
        made: list[float] = []
        for a in parts:
            made += record.joins.pop(joined[a][0], ())
            if a in values:
                made.append(values[a])
        if made:
            record.joins[group[0]] = tuple(made)
        out.append(group)
        kept.append(min(parts))  # a merged group's row in `remaining`
    # Each pass sees every group of the block, so its values replace the earlier chunk's.
    rows = {group[0]: x for x, group in enumerate(out)}
    record.verdicts = Verdicts(rows, merges.remaining[np.ix_(kept, kept)])
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
    full: bool,
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
    if full:
        return describe_block(members, drafts, probabilities, evidence, model)
    # An incremental run describes and returns only the people that gained a member (or
    # are new): the others are left as stored, untouched.
    changed = [any(members[k].person_id is None for k in d.members) for d in drafts]
    return describe_block(members, drafts, probabilities, evidence, model, changed)

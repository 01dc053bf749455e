"""Training the disambiguation models on labelled names, as `bench/disambiguation.py` does.

The pairwise model learns from labelled pairs of signatures. The second pass learns from
pairs of first-pass groups, in the states it meets: the groups a pairwise model makes of
names it was not trained on (an inner split), each person's groups merged in halves, and a
first-round model's own merges, mistakes included. `fit` tunes the first-pass threshold and
the second-pass threshold by inner cross-validation, on training names only, so a benchmark
fold never sees the names it is scored on. The shipped training rows
(`identity/data/*.csv.gz`) are exported from the same functions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from paperscope.identity.cluster import cluster
from paperscope.identity.evaluation import pair_counts, pairwise_prf
from paperscope.identity.features import Evidence
from paperscope.identity.labelled import LabelledName
from paperscope.identity.merge import (
    GROUP_FEATURES,
    GroupModel,
    all_pair_features,
    merge_groups,
    merge_history,
)
from paperscope.identity.model import (
    DEFAULT_THRESHOLD,
    BoostedGroupModel,
    BoostedModel,
    train,
    train_groups,
)

PAIRS_PER_NAME = 20_000
INNER_FOLDS = 2
EXPORT_ROWS = 60_000
FirstPass = tuple[str, float]
"""Linkage and threshold of the first pass."""
FIRST_PASSES: tuple[FirstPass, ...] = (("single", 0.95), ("single", 0.97))
GUIDE_THRESHOLD = 0.5
"""Where the first-round model merges when it makes the third training state: low, so
that its mistakes are there to learn from."""
GROUP_THRESHOLDS = tuple(
    round(float(t), 2) for t in np.concatenate([np.arange(0.5, 0.96, 0.05), [0.97, 0.99]])
)
"""Second-pass thresholds tried: never below 0.5, where the model itself finds two groups
more likely different people (lower choices came from noise in the inner folds)."""


@dataclass
class Block:
    """One labelled name with its evidence and full pairwise feature tensor."""

    name: LabelledName
    evidence: Evidence
    features: NDArray[np.float64]

    @classmethod
    def of(cls, name: LabelledName, topics: NDArray[np.float64] | None = None) -> Block:
        """`name` with its evidence (`topics`: unit title embeddings, or None) and features."""
        n = len(name.signatures)
        evidence = Evidence(name.signatures, topics)
        return cls(name, evidence, evidence.pairs(range(n), range(n)))

    @property
    def labels(self) -> tuple[str, ...]:
        return self.name.labels


def training_rows(
    blocks: Sequence[Block], seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for block in blocks:
        n = len(block.labels)
        i, j = np.triu_indices(n, k=1)
        if len(i) > PAIRS_PER_NAME:
            keep = rng.choice(len(i), PAIRS_PER_NAME, replace=False)
            i, j = i[keep], j[keep]
        labels = np.array(block.labels)
        xs.append(block.features[i, j])
        ys.append((labels[i] == labels[j]).astype(int))
    if not xs:
        return np.zeros((0, 0)), np.zeros(0, dtype=int)
    return np.concatenate(xs), np.concatenate(ys)


def probabilities(model: BoostedModel, block: Block) -> NDArray[np.float64]:
    n = len(block.labels)
    i, j = np.triu_indices(n, k=1)
    p = np.eye(n)
    p[i, j] = p[j, i] = model.probabilities(block.features[i, j])
    return p


def as_groups(labels: Sequence[int]) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for item, label in enumerate(labels):
        groups.setdefault(label, []).append(item)
    return list(groups.values())


def first_groups(
    p: NDArray[np.float64], first: FirstPass
) -> tuple[list[list[int]], NDArray[np.bool_]]:
    """The first pass's groups, and which pairs of them hold conflicting given names
    (probability 0: never one person)."""
    found = as_groups(cluster(p, first[1], method=first[0]))
    onehot = np.zeros((p.shape[0], len(found)))
    for a, members in enumerate(found):
        onehot[members, a] = 1.0
    return found, (onehot.T @ (p == 0).astype(float) @ onehot) > 0


def labelled(n: int, found: Sequence[Sequence[int]], merged: Sequence[Sequence[int]]) -> list[int]:
    out = [0] * n
    for person, members in enumerate(merged):
        for a in members:
            for item in found[a]:
                out[item] = person
    return out


def clusterings(
    block: Block,
    p: NDArray[np.float64],
    first: FirstPass,
    groups: GroupModel | None,
    thresholds: Sequence[float],
) -> list[list[int]]:
    """Labels after the first pass and the second pass at each threshold: the merge order
    does not depend on the threshold, so one run down to the lowest serves them all."""
    found, forbidden = first_groups(p, first)
    n = len(block.labels)
    if groups is None:
        return [labelled(n, found, [[a] for a in range(len(found))])] * len(thresholds)
    merges = merge_history(block.evidence, found, p, forbidden, groups, min(thresholds))
    return [labelled(n, found, merges.groups(t)) for t in thresholds]


def clustering(
    block: Block, p: NDArray[np.float64], first: FirstPass, groups: GroupModel | None
) -> list[int]:
    """First pass (linkage over probabilities), then the optional group-level second pass."""
    threshold = DEFAULT_THRESHOLD if groups is None else groups.threshold
    return clusterings(block, p, first, groups, [threshold])[0]


def majority(block: Block, group: Sequence[int]) -> str:
    return Counter(block.labels[k] for k in group).most_common(1)[0][0]


def person_halves(
    block: Block, groups: Sequence[list[int]], rng: np.random.Generator
) -> list[list[int]]:
    """Each person's groups merged in two halves: the larger, pure groups the pass meets."""
    by_person: dict[str, list[list[int]]] = {}
    for group in groups:
        by_person.setdefault(majority(block, group), []).append(group)
    halves = []
    for own in by_person.values():
        order = rng.permutation(len(own))
        half = (len(own) + 1) // 2
        for part in (order[:half], order[half:]):
            if len(part):
                halves.append([k for g in part for k in own[g]])
    return halves


def group_rows(
    held: Sequence[tuple[Block, NDArray[np.float64]]],
    first: FirstPass,
    guide: GroupModel | None = None,
    seed: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.int_], NDArray[np.float64]]:
    """Second-pass training rows: every pair of groups in each state the pass may meet,
    labelled same majority person, weighted so that every name counts alike. The states:
    the first pass's groups; each person's groups merged in two halves; and, given a
    `guide` (a model trained on the first two), the groups after the guide's own merges,
    mistakes included, so that the model learns what an impure merged group looks like
    (one wrong merge of two large groups otherwise snowballs)."""
    rng = np.random.default_rng(seed)
    xs, ys, ws = [], [], []
    for block, p in held:
        found, forbidden = first_groups(p, first)
        states = [found, person_halves(block, found, rng)]
        if guide is not None:
            merged = merge_groups(block.evidence, found, p, forbidden, guide)
            states.append([[k for a in members for k in found[a]] for members in merged])
        rows, same = [], []
        for state in states:
            features, a, b = all_pair_features(block.evidence, state, p, len(found))
            people = [majority(block, g) for g in state]
            rows.append(features)
            pairs = zip(a, b, strict=True)
            same.append(np.array([people[x] == people[y] for x, y in pairs], dtype=int))
        count = sum(len(r) for r in rows)
        if count:
            xs += rows
            ys += same
            ws.append(np.full(count, 1.0 / count))
    if not xs:
        return np.zeros((0, len(GROUP_FEATURES))), np.zeros(0, dtype=int), np.zeros(0)
    weights = np.concatenate(ws)
    return np.concatenate(xs), np.concatenate(ys), weights / weights.mean()


def train_second_pass(
    held: Sequence[tuple[Block, NDArray[np.float64]]],
    first: FirstPass,
    threshold: float = DEFAULT_THRESHOLD,
) -> BoostedGroupModel:
    """Two rounds: a guide trained on pure states, then the model trained on those states
    and on the guide's own merges (`group_rows`)."""
    guide = train_groups(*group_rows(held, first), threshold=GUIDE_THRESHOLD)
    return train_groups(*group_rows(held, first, guide), threshold=threshold)


def held_out(blocks: Sequence[Block]) -> list[tuple[Block, NDArray[np.float64]]]:
    """Each block with probabilities from a pairwise model trained on the other inner fold."""
    folds = [list(blocks[k::INNER_FOLDS]) for k in range(INNER_FOLDS)]
    held: list[tuple[Block, NDArray[np.float64]]] = []
    for k, fold in enumerate(folds):
        rest = [b for m, other in enumerate(folds) if m != k for b in other]
        model = train(*training_rows(rest))
        held += [(block, probabilities(model, block)) for block in fold]
    return held


def tune(
    held: Sequence[tuple[Block, NDArray[np.float64]]],
) -> tuple[FirstPass, float]:
    """The first pass and second-pass threshold that maximise macro pairwise F1 (averaged
    with the neighbouring thresholds), each name clustered by a second-pass model trained on
    the other inner fold's names."""
    halves = [list(held[k::INNER_FOLDS]) for k in range(INNER_FOLDS)]
    best, best_f1 = (FIRST_PASSES[0], DEFAULT_THRESHOLD), -1.0
    for first in FIRST_PASSES:
        f1s = np.zeros(len(GROUP_THRESHOLDS))
        for k, half in enumerate(halves):
            rest = [pair for m, other in enumerate(halves) if m != k for pair in other]
            model = train_second_pass(rest, first)
            for block, p in half:
                for t, labels in enumerate(clusterings(block, p, first, model, GROUP_THRESHOLDS)):
                    f1s[t] += pairwise_prf(pair_counts(block.labels, labels))[2] / len(held)
        # F1 is flat and noisy across thresholds: the middle of the best stretch of three
        # generalises better than a single lucky peak.
        smooth = np.convolve(np.pad(f1s, 1, mode="edge"), np.ones(3) / 3, mode="valid")
        if smooth.max() > best_f1:
            best = (first, float(GROUP_THRESHOLDS[int(smooth.argmax())]))
            best_f1 = float(smooth.max())
    return best


def fit(blocks: Sequence[Block]) -> BoostedModel:
    held = held_out(blocks)
    first, threshold = tune(held)
    groups = train_second_pass(held, first, threshold)
    features, labels = training_rows(blocks)
    return train(features, labels, first[1], linkage=first[0], groups=groups)

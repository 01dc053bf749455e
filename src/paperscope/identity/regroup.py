"""A second pass over a first clustering: join clusters whose titles agree as a whole.

Single linkage over pairwise probabilities splits off a person's papers that share no
co-author with the rest. Pooled over a cluster, the words of its titles say more than any
one pair: each cluster is the sum of its members' title TF-IDF rows, and the two clusters
whose sums have the highest cosine are merged (sums recomputed) while that cosine is at
least the threshold, which the benchmark tunes on training names only. Forbidden cluster
pairs (conflicting given names, cannot-links, people that already exist) never merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray


def _unit(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.asarray(np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0), float)


def regroup(
    groups: Sequence[Sequence[int]],
    vectors: Any,
    forbidden: NDArray[np.bool_],
    threshold: float,
) -> list[list[int]]:
    """Which groups become one: lists of group indices (in order of their first group).

    `vectors` has one (sparse or dense) row per item; `forbidden[a, b]` says groups a and b
    may never be one.
    """
    k = len(groups)
    if k < 2:
        return [[a] for a in range(k)]
    from scipy.sparse import csr_matrix

    rows = [a for a, group in enumerate(groups) for _ in group]
    cols = [item for group in groups for item in group]
    member = csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(k, vectors.shape[0]))
    product = member @ vectors
    sums = np.asarray(product.toarray() if hasattr(product, "toarray") else product, float)
    units = _unit(sums)
    blocked = forbidden.copy()
    np.fill_diagonal(blocked, True)
    score = np.where(blocked, -np.inf, units @ units.T)
    parent = list(range(k))
    while True:
        a, b = divmod(int(np.argmax(score)), k)
        if not score[a, b] >= threshold:
            break
        a, b = min(a, b), max(a, b)
        parent[b] = a
        sums[a] += sums[b]
        units[a] = _unit(sums[a])
        blocked[a] |= blocked[b]
        blocked[:, a] = blocked[a]
        row = np.where(blocked[a], -np.inf, units @ units[a])
        score[a], score[:, a] = row, row
        score[b], score[:, b] = -np.inf, -np.inf
        blocked[b], blocked[:, b] = True, True

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    merged: dict[int, list[int]] = {}
    for a in range(k):
        merged.setdefault(root(a), []).append(a)
    return list(merged.values())


def regroup_labels(
    labels: Sequence[int],
    vectors: Any,
    conflicts: NDArray[np.bool_],
    threshold: float,
) -> list[int]:
    """`regroup` for a flat labelling; `conflicts[i, j]`: items i and j are never one person."""
    k = max(labels, default=-1) + 1
    groups: list[list[int]] = [[] for _ in range(k)]
    for item, label in enumerate(labels):
        groups[label].append(item)
    onehot = np.zeros((len(labels), k))
    onehot[np.arange(len(labels)), list(labels)] = 1.0
    forbidden = (onehot.T @ conflicts.astype(float) @ onehot) > 0
    new_label = np.zeros(k, dtype=int)
    for target, members in enumerate(regroup(groups, vectors, forbidden, threshold)):
        new_label[members] = target
    out = [int(new_label[label]) for label in labels]
    relabel: dict[int, int] = {}
    return [relabel.setdefault(x, len(relabel)) for x in out]

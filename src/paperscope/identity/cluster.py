"""Agglomerative clustering (average or single linkage) over same-person probabilities.

It is not told the number of people: it merges the two clusters whose linkage score
(mean or highest pairwise probability) is highest while it is at least `threshold`.
Constraints are hard:
must-link pairs start in one cluster; cannot-link pairs (and everything between two
`apart` groups, e.g. people that already exist when new signatures join incrementally)
never end in one cluster, since a forbidden pair forbids its two clusters for good.

`Linkage` works on nodes (a node is a signature or an already formed group): `sums[a, b]`
is the sum of pairwise probabilities between the members of a and b, `counts[a, b]` the
number of such pairs, so the average linkage of a merged node is exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

LINKAGES = ("average", "single")


class Linkage:
    """Agglomerative merging with a cached best neighbour per node.

    `average`: two clusters' score is their mean pairwise probability. `single`: their
    highest pairwise probability (`maxes`), i.e. clusters are joined by their strongest link.
    """

    def __init__(
        self,
        sums: NDArray[np.float64],
        counts: NDArray[np.float64],
        forbidden: NDArray[np.bool_],
        *,
        maxes: NDArray[np.float64] | None = None,
        method: str = "average",
    ) -> None:
        if method not in LINKAGES:
            raise ValueError(f"unknown linkage {method!r}")
        self.method = method
        self.sums = sums.astype(float, copy=True)
        self.counts = counts.astype(float, copy=True)
        self.maxes = (sums if maxes is None else maxes).astype(float, copy=True)
        self.forbidden = forbidden.copy()
        np.fill_diagonal(self.forbidden, True)
        m = sums.shape[0]
        self.score = np.where(self.forbidden, -np.inf, self._scores())
        self.active = np.ones(m, dtype=bool)
        self.parent = list(range(m))
        self.best = self.score.argmax(axis=1) if m else np.zeros(0, dtype=int)
        self.best_value = self.score[np.arange(m), self.best] if m else np.zeros(0)

    def _scores(self, row: int | None = None) -> NDArray[np.float64]:
        if self.method == "single":
            out = self.maxes if row is None else self.maxes[row]
        elif row is None:
            out = self.sums / np.maximum(self.counts, 1)
        else:
            out = self.sums[row] / np.maximum(self.counts[row], 1)
        return np.asarray(out, dtype=float)

    def root(self, k: int) -> int:
        while self.parent[k] != k:
            k = self.parent[k]
        return k

    def merge(self, i: int, j: int) -> None:
        i, j = self.root(i), self.root(j)
        if i == j:
            return
        i, j = min(i, j), max(i, j)
        for matrix in (self.sums, self.counts):
            matrix[i] += matrix[j]
            matrix[:, i] = matrix[i]
        self.maxes[i] = np.maximum(self.maxes[i], self.maxes[j])
        self.maxes[:, i] = self.maxes[i]
        self.forbidden[i] |= self.forbidden[j]
        self.forbidden[:, i] = self.forbidden[i]
        self.forbidden[i, i] = True
        self.active[j] = False
        self.parent[j] = i
        row = np.where(self.forbidden[i], -np.inf, self._scores(i))
        row[~self.active] = -np.inf
        self.score[i] = row
        self.score[:, i] = row
        self.score[j, :] = -np.inf
        self.score[:, j] = -np.inf
        stale = np.flatnonzero(self.active & ((self.best == i) | (self.best == j)))
        for k in (*stale.tolist(), i):
            self.best[k] = int(self.score[k].argmax())
            self.best_value[k] = self.score[k, self.best[k]]
        better = self.active & (self.score[:, i] > self.best_value)
        self.best[better] = i
        self.best_value[better] = self.score[better, i]
        self.best_value[j] = -np.inf

    def forbid(self, i: int, j: int) -> None:
        i, j = self.root(i), self.root(j)
        if i == j:
            return
        self.forbidden[i, j] = self.forbidden[j, i] = True
        self.score[i, j] = self.score[j, i] = -np.inf
        for k in (i, j):
            self.best[k] = int(self.score[k].argmax())
            self.best_value[k] = self.score[k, self.best[k]]

    def run(self, threshold: float) -> list[int]:
        """Merge while the best average is >= threshold; returns each node's final root."""
        while len(self.best_value):
            i = int(np.argmax(np.where(self.active, self.best_value, -np.inf)))
            value = self.best_value[i]
            if not np.isfinite(value) or value < threshold:
                break
            self.merge(i, int(self.best[i]))
        return [self.root(k) for k in range(len(self.parent))]


def cluster(
    probabilities: NDArray[np.float64],
    threshold: float,
    *,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    apart: Sequence[Sequence[int]] = (),
    method: str = "average",
) -> list[int]:
    """Cluster labels (0..k-1, in order of first member) for the n items of an n x n matrix.

    `apart` groups start as clusters and are never merged with each other. A must-link
    wins over a cannot-link between the same clusters (the caller resolves conflicts).
    """
    n = probabilities.shape[0]
    if n == 0:
        return []
    forbidden = np.zeros((n, n), dtype=bool)
    groups = [list(g) for g in apart if len(g)]
    for a, group in enumerate(groups):
        for other in groups[a + 1 :]:
            forbidden[np.ix_(group, other)] = True
            forbidden[np.ix_(other, group)] = True
    linkage = Linkage(probabilities, np.ones((n, n)), forbidden, method=method)
    for group in groups:
        for item in group[1:]:
            linkage.merge(group[0], item)
    for a, b in must_link:
        linkage.merge(a, b)
    for a, b in cannot_link:
        linkage.forbid(a, b)
    roots = linkage.run(threshold)
    relabel: dict[int, int] = {}
    return [relabel.setdefault(r, len(relabel)) for r in roots]

"""The second pass: a learned model decides which first-pass groups are one person.

The first pass (linkage over pairwise probabilities) is kept strict, so its groups are
nearly pure but one person's papers fall into several groups: pairs of papers that share no
co-author look unrelated one by one. Pooled over a group, the evidence says more: one
group's co-authors, venues, title words and affiliations against another's. `GroupEvidence`
pools the block's per-signature vectors per group and computes, for a group against all
others, the features in `GROUP_FEATURES`; a classifier trained on groups of labelled names
(`bench/disambiguation.py`) turns them into a probability, and `merge_groups` joins the most
probable pair while that probability is at least the model's threshold, recomputing the
merged group's features each time. Forbidden pairs (conflicting given names, cannot-links,
two people that already exist) never merge.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from paperscope.identity.features import Evidence, dense

GROUP_FEATURES = (
    "smaller_size",
    "larger_size",
    "best_link",
    "mean_link",
    "shared_coauthors",
    "coauthor_cosine",
    "second_order_cosine",
    "shared_venues",
    "venue_cosine",
    "venue_word_cosine",
    "title_cosine",
    "affiliation_cosine",
    "year_gap",
    "block_size",
    "topic_cosine",
    "fragments",
)

_COUNTED = ("coauthors", "venues")
"""Pooled vectors whose shared distinct entries are counted."""
_COSINES = (
    (5, "coauthors"),
    (6, "second_order"),
    (8, "venues"),
    (9, "venue_words"),
    (10, "titles"),
    (11, "affiliations"),
    (14, "topics"),
)
"""(GROUP_FEATURES column, pooled vector) pairs compared by cosine."""

Vector = NDArray[np.float64]
Matrix = NDArray[np.float64]


class GroupModel(Protocol):
    @property
    def threshold(self) -> float: ...

    def probabilities(self, features: Matrix) -> Vector:
        """Same-person probabilities for rows of GROUP_FEATURES."""
        ...


def _unit(rows: Matrix) -> Matrix:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.asarray(np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0), float)


def _best_links(probabilities: Matrix, groups: Sequence[Sequence[int]]) -> Matrix:
    """best[a, b]: the highest scored pairwise probability between groups a and b (NaN: none)."""
    k = len(groups)
    with warnings.catch_warnings():  # an unscored pair of groups is NaN, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        by_row = np.stack([np.nanmax(probabilities[list(g)], axis=0) for g in groups])
        best = np.stack([np.nanmax(by_row[:, list(g)], axis=1) for g in groups], axis=1)
    best[np.arange(k), np.arange(k)] = np.nan
    return np.asarray(best, dtype=float)


class GroupEvidence:
    """Per-group pooled vectors of one block, updated in place as groups merge.

    `fragments` is how many groups the first pass made (default: len(groups)); per
    signature, it estimates how many people print the name, which says how much the same
    evidence is worth (a block of 308 signatures in 120 groups is not one of 484 in 22).

    `probabilities` is the block's pairwise matrix (NaN where a pair was never scored);
    a group's best and mean link to another come from it.
    """

    def __init__(
        self,
        evidence: Evidence,
        groups: Sequence[Sequence[int]],
        probabilities: Matrix,
        fragments: int | None = None,
    ) -> None:
        from scipy.sparse import csr_matrix

        n, k = len(evidence.signatures), len(groups)
        rows = [a for a, group in enumerate(groups) for _ in group]
        cols = [item for group in groups for item in group]
        member = csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(k, n))
        venue_onehot = csr_matrix(
            (np.ones(n), (np.arange(n), evidence.venue_codes)),
            shape=(n, int(evidence.venue_codes.max(initial=0)) + 1),
        )
        venue_onehot = venue_onehot.multiply(evidence.has_venue[:, None]).tocsr()
        self.block_size = float(n)
        self.fragments = (len(groups) if fragments is None else fragments) / max(n, 1)
        self.sizes = np.array([len(g) for g in groups], dtype=float)
        pooled = {
            "coauthors": member @ evidence.coauthors,
            "second_order": member @ evidence.second_order,
            "venues": member @ venue_onehot,
            "venue_words": member @ evidence.venues,
            "titles": member @ evidence.titles,
            "affiliations": member @ evidence.affiliations,
        }
        if evidence.topics is not None:
            pooled["topics"] = member @ evidence.topics
        self.sums = {name: dense(matrix) for name, matrix in pooled.items()}
        self.units = {name: _unit(matrix) for name, matrix in self.sums.items()}
        self.present = {name: (self.sums[name] > 0).astype(float) for name in _COUNTED}
        self.has_affiliation = dense(member @ evidence.has_affiliation.astype(float)) > 0
        years = evidence.years
        self.first_year = np.array([np.nanmin(years[g], initial=np.inf) for g in groups])
        self.last_year = np.array([np.nanmax(years[g], initial=-np.inf) for g in groups])
        known = np.nan_to_num(probabilities, nan=0.0)
        scored = (~np.isnan(probabilities)).astype(float)
        onehot = dense(member)
        self.link_sums = onehot @ known @ onehot.T
        self.link_counts = onehot @ scored @ onehot.T
        self.link_best = _best_links(probabilities, groups)

    def features(self, a: int, others: NDArray[np.int_]) -> Matrix:
        """GROUP_FEATURES of group `a` against each of `others`, one row each."""
        return np.asarray(self._features(np.array([a]), others)[0], dtype=float)

    def all_features(self) -> tuple[Matrix, NDArray[np.int_], NDArray[np.int_]]:
        """GROUP_FEATURES of every pair of groups (a < b), with a and b."""
        k = len(self.sizes)
        first, second = np.triu_indices(k, k=1)
        everything = np.arange(k)
        return self._features(everything, everything)[first, second], first, second

    def _features(self, rows: NDArray[np.int_], cols: NDArray[np.int_]) -> Matrix:
        shape = (len(rows), len(cols))
        out = np.full((*shape, len(GROUP_FEATURES)), np.nan)
        out[..., 0] = np.minimum.outer(self.sizes[rows], self.sizes[cols])
        out[..., 1] = np.maximum.outer(self.sizes[rows], self.sizes[cols])
        out[..., 2] = self.link_best[np.ix_(rows, cols)]
        counts = self.link_counts[np.ix_(rows, cols)]
        out[..., 3] = np.divide(
            self.link_sums[np.ix_(rows, cols)], counts, out=np.full(shape, np.nan), where=counts > 0
        )
        for column, name in ((4, "coauthors"), (7, "venues")):
            out[..., column] = self.present[name][rows] @ self.present[name][cols].T
        for column, name in _COSINES:
            if name in self.units:
                out[..., column] = self.units[name][rows] @ self.units[name][cols].T
        both = np.logical_and.outer(self.has_affiliation[rows], self.has_affiliation[cols])
        out[..., 11] = np.where(both, out[..., 11], np.nan)
        gap = np.maximum(
            np.subtract.outer(self.first_year[rows], self.last_year[cols]),
            np.subtract.outer(self.first_year[cols], self.last_year[rows]).T,
        )
        out[..., 12] = np.where(np.isfinite(gap), np.maximum(gap, 0.0), np.nan)
        out[..., 13] = self.block_size
        out[..., 15] = self.fragments
        return out

    def absorb(self, a: int, b: int) -> None:
        """Group `a` becomes the union of `a` and `b` (b's row stays, unused)."""
        self.sizes[a] += self.sizes[b]
        for name, matrix in self.sums.items():
            matrix[a] += matrix[b]
            self.units[name][a] = _unit(matrix[a])
            if name in self.present:
                self.present[name][a] = matrix[a] > 0
        self.has_affiliation[a] |= self.has_affiliation[b]
        self.first_year[a] = min(self.first_year[a], self.first_year[b])
        self.last_year[a] = max(self.last_year[a], self.last_year[b])
        for matrix in (self.link_sums, self.link_counts):
            matrix[a] += matrix[b]
            matrix[:, a] = matrix[a]
        self.link_best[a] = np.fmax(self.link_best[a], self.link_best[b])
        self.link_best[:, a] = self.link_best[a]


def all_pair_features(
    evidence: Evidence,
    groups: Sequence[Sequence[int]],
    probabilities: Matrix,
    fragments: int | None = None,
) -> tuple[Matrix, NDArray[np.int_], NDArray[np.int_]]:
    """Features of every pair of groups (a < b), with a and b: the training rows.
    `fragments`: how many groups the first pass made (default: len(groups))."""
    return GroupEvidence(evidence, groups, probabilities, fragments).all_features()


@dataclass(frozen=True, slots=True)
class Merges:
    """One run of the second pass over a block's groups."""

    history: list[tuple[int, int, float]]
    """The merges in order, as (kept group, absorbed group, probability)."""
    remaining: Matrix
    """At the end of the run: the probability that two groups still apart are one person
    (a merged group keeps its smallest index; -inf where forbidden or absorbed). These are
    the values the run stopped on, so they explain why people were kept apart."""

    def groups(self, threshold: float) -> list[list[int]]:
        """The groups after the merges made at `threshold` (see `apply_merges`)."""
        return apply_merges(len(self.remaining), self.history, threshold)


@dataclass(frozen=True, slots=True)
class Verdicts:
    """The second pass's last probabilities between the groups of a block, each group named
    by its smallest member: why two people were kept apart."""

    row_of: dict[int, int]
    values: Matrix

    def between(self, a: int, b: int) -> float | None:
        """The probability that the groups of members `a` and `b` are one person when the
        pass stopped; None when unknown or never allowed to join."""
        i, j = self.row_of.get(a), self.row_of.get(b)
        if i is None or j is None:
            return None
        value = float(self.values[i, j])
        return value if np.isfinite(value) else None


def merge_history(
    evidence: Evidence,
    groups: Sequence[Sequence[int]],
    probabilities: Matrix,
    forbidden: NDArray[np.bool_],
    model: GroupModel,
    floor: float | None = None,
) -> Merges:
    """Merge always the most probable allowed pair, until none reaches `floor` (default:
    the model's threshold).

    The order does not depend on the floor, so the merges at any threshold above it are the
    history up to its first probability below that threshold (`Merges.groups`).
    """
    k = len(groups)
    floor = model.threshold if floor is None else floor
    score = np.full((k, k), -np.inf)
    if k < 2:
        return Merges([], score)
    pooled = GroupEvidence(evidence, groups, probabilities)
    blocked = forbidden.copy()
    np.fill_diagonal(blocked, True)
    rows, first, second = pooled.all_features()
    score[first, second] = model.probabilities(rows)
    score = np.maximum(score, score.T)
    score[blocked] = -np.inf
    active = np.ones(k, dtype=bool)
    history: list[tuple[int, int, float]] = []
    while True:
        a, b = divmod(int(np.argmax(score)), k)
        value = float(score[a, b])
        if not value >= floor:
            return Merges(history, score)
        a, b = min(a, b), max(a, b)
        history.append((a, b, value))
        pooled.absorb(a, b)
        active[b] = False
        blocked[a] |= blocked[b]
        blocked[:, a] = blocked[a]
        score[b], score[:, b] = -np.inf, -np.inf
        others = np.flatnonzero(active & ~blocked[a])
        row = np.full(k, -np.inf)
        if len(others):
            row[others] = model.probabilities(pooled.features(a, others))
        score[a], score[:, a] = row, row


def apply_merges(
    k: int, history: Sequence[tuple[int, int, float]], threshold: float
) -> list[list[int]]:
    """The groups (lists of group indices, in order of first group) after the merges of
    `history` made at `threshold`."""
    parent = list(range(k))
    for a, b, value in history:
        if value < threshold:
            break
        parent[b] = a

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    merged: dict[int, list[int]] = {}
    for a in range(k):
        merged.setdefault(root(a), []).append(a)
    return list(merged.values())


def merge_groups(
    evidence: Evidence,
    groups: Sequence[Sequence[int]],
    probabilities: Matrix,
    forbidden: NDArray[np.bool_],
    model: GroupModel,
) -> list[list[int]]:
    """Which groups become one person: lists of group indices, in order of first group."""
    merges = merge_history(evidence, groups, probabilities, forbidden, model)
    return merges.groups(model.threshold)

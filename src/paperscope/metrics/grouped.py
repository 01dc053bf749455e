"""h, i10 and g-index for many people at once, set-wise in numpy (the `score` stage).

Input is one row per (person, work): a person number and the work's citation count. Rows are
sorted by person, then citations descending; a row's rank within its person is then its
position minus the person's first position, and each index is a per-person reduction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from paperscope.definitions import I10_MIN_CITATIONS

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class GroupedIndices:
    """Per-person arrays, indexed by person number (0..people-1)."""

    papers: IntArray
    citations: IntArray
    h_index: IntArray
    i10_index: IntArray
    g_index: IntArray


def grouped_indices(person: IntArray, citations: IntArray, people: int) -> GroupedIndices:
    """Indices of every person 0..people-1 from (person, citations) rows, one row per work."""
    person = np.asarray(person, dtype=np.int64)
    citations = np.asarray(citations, dtype=np.int64)
    order = np.lexsort((-citations, person))
    person, citations = person[order], citations[order]
    papers = np.bincount(person, minlength=people).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(papers)[:-1]))
    rank = np.arange(person.size, dtype=np.int64) - starts[person] + 1
    totals = np.bincount(person, weights=citations, minlength=people).astype(np.int64)
    h_index = np.bincount(person, weights=citations >= rank, minlength=people).astype(np.int64)
    at_least = citations >= I10_MIN_CITATIONS
    i10 = np.bincount(person, weights=at_least, minlength=people).astype(np.int64)
    running = np.cumsum(citations) - np.concatenate(([0], np.cumsum(totals)))[person]
    g_rank = np.where(running >= rank * rank, rank, 0)
    g_index = np.zeros(people, dtype=np.int64)
    np.maximum.at(g_index, person, g_rank)
    return GroupedIndices(papers, totals, h_index, i10, g_index)

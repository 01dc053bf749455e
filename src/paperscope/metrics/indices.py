"""Bibliometric indices of a list of per-work citation counts (docs/metrics.md)."""

from __future__ import annotations

from collections.abc import Iterable

from paperscope.definitions import I10_MIN_CITATIONS


def h_index(citations: Iterable[int]) -> int:
    """The largest h such that h works have at least h citations each."""
    ranked = sorted(citations, reverse=True)
    return sum(1 for rank, count in enumerate(ranked, start=1) if count >= rank)


def i10_index(citations: Iterable[int]) -> int:
    """Works with at least 10 citations (`definitions.I10_MIN_CITATIONS`)."""
    return sum(1 for count in citations if count >= I10_MIN_CITATIONS)


def g_index(citations: Iterable[int]) -> int:
    """The largest g such that the top g works have at least g² citations together.

    Bounded by the number of works, so that every number on a profile is explainable
    from the works it lists.
    """
    total = 0
    g = 0
    for rank, count in enumerate(sorted(citations, reverse=True), start=1):
        total += count
        if total >= rank * rank:
            g = rank
    return g

"""A name's profile: the works listed and every number computed from exactly those works."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from paperscope.metrics.indices import g_index, h_index, i10_index
from paperscope.store.queries import AuthoredWork


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    works: tuple[AuthoredWork, ...]
    papers: int
    citations: int
    h_index: int
    i10_index: int
    g_index: int
    primary_category: str | None
    first_year: int | None
    last_year: int | None


def build_profile(name: str, works: Sequence[AuthoredWork]) -> Profile:
    counts = [w.citations for w in works]
    categories = Counter(w.primary_category for w in works if w.primary_category)
    years = [w.year for w in works if w.year is not None]
    return Profile(
        name=name,
        works=tuple(sorted(works, key=lambda w: (w.year or 0, w.title), reverse=True)),
        papers=len(works),
        citations=sum(counts),
        h_index=h_index(counts),
        i10_index=i10_index(counts),
        g_index=g_index(counts),
        primary_category=categories.most_common(1)[0][0] if categories else None,
        first_year=min(years) if years else None,
        last_year=max(years) if years else None,
    )

"""h, i10 and g-index against brute force, scalar and set-wise (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from paperscope.metrics.grouped import grouped_indices
from paperscope.metrics.indices import g_index, h_index, i10_index

counts = st.lists(st.integers(min_value=0, max_value=60), max_size=40)


def brute_h(values: list[int]) -> int:
    return max((h for h in range(len(values) + 1) if sum(v >= h for v in values) >= h), default=0)


def brute_g(values: list[int]) -> int:
    ranked = sorted(values, reverse=True)
    return max((g for g in range(len(ranked) + 1) if sum(ranked[:g]) >= g * g), default=0)


@given(counts)
def test_indices_match_brute_force(values: list[int]) -> None:
    assert h_index(values) == brute_h(values)
    assert i10_index(values) == sum(v >= 10 for v in values)
    assert g_index(values) == brute_g(values)


@given(counts)
def test_invariants_hold_for_any_counts(values: list[int]) -> None:
    h = h_index(values)
    assert h <= len(values)
    assert h <= sum(values)
    assert h * h <= sum(values)
    assert h <= g_index(values) <= len(values)


@settings(max_examples=60)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=40), max_size=12), max_size=8))
def test_grouped_indices_equal_per_person_indices(people: list[list[int]]) -> None:
    person = np.array([p for p, works in enumerate(people) for _ in works], dtype=np.int64)
    citations = np.array([c for works in people for c in works], dtype=np.int64)
    result = grouped_indices(person, citations, len(people))
    for number, works in enumerate(people):
        assert result.papers[number] == len(works)
        assert result.citations[number] == sum(works)
        assert result.h_index[number] == brute_h(works)
        assert result.i10_index[number] == sum(c >= 10 for c in works)
        assert result.g_index[number] == brute_g(works)


def test_known_values() -> None:
    assert h_index([10, 8, 5, 4, 3]) == 4
    assert h_index([25, 8, 5, 3, 3]) == 3
    assert g_index([10, 8, 5, 4, 3]) == 5
    assert h_index([]) == 0 and g_index([]) == 0

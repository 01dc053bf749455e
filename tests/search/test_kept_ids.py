"""The ids recently used filters keep: remembered per filter, read-only, least recently used
out first, never more than the limit held."""

from __future__ import annotations

import numpy as np
import pytest

from paperscope.search.filters import FilterTerms
from paperscope.search.kept_ids import KeptIds, found_among

CL = FilterTerms(category="cs.cl")
LG = FilterTerms(category="cs.lg")
CODE = FilterTerms(has_code=True)


def _ids(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_a_filter_is_remembered_read_only() -> None:
    kept = KeptIds(limit=10)
    assert kept.get(CL) is None
    stored = kept.put(CL, _ids(1, 2, 3))
    assert kept.get(CL) is stored and kept.held == 3
    assert kept.get(FilterTerms(category="cs.cl")) is stored  # equal terms, same entry
    assert kept.get(LG) is None
    with pytest.raises(ValueError):
        stored[0] = 9


def test_the_least_recently_used_filter_goes_first() -> None:
    kept = KeptIds(limit=6)
    kept.put(CL, _ids(1, 2, 3))
    kept.put(LG, _ids(4, 5))
    assert kept.get(CL) is not None  # CL used last: LG is the oldest now
    kept.put(CODE, _ids(6, 7))
    assert kept.get(LG) is None
    assert kept.get(CL) is not None and kept.get(CODE) is not None
    assert kept.held == 5


def test_more_ids_than_the_limit_are_not_remembered() -> None:
    kept = KeptIds(limit=4)
    kept.put(CL, _ids(1, 2))
    too_many = kept.put(LG, _ids(1, 2, 3, 4, 5))
    assert list(too_many) == [1, 2, 3, 4, 5] and not too_many.flags.writeable
    assert kept.get(LG) is None and kept.get(CL) is not None and kept.held == 2


def test_putting_a_filter_again_replaces_its_ids() -> None:
    kept = KeptIds(limit=10)
    kept.put(CL, _ids(1, 2, 3))
    kept.put(CL, _ids(4))
    again = kept.get(CL)
    assert again is not None and list(again) == [4] and kept.held == 1
    kept.clear()
    assert kept.get(CL) is None and kept.held == 0


def test_candidates_are_found_among_sorted_ids() -> None:
    ids = _ids(2, 5, 9, 14)
    assert list(found_among(ids, _ids(14, 1, 5, 20, 9, 3))) == [14, 5, 9]
    assert list(found_among(ids, _ids())) == []
    assert list(found_among(_ids(), _ids(1, 2))) == []
    rng = np.random.default_rng(3)
    many = np.unique(rng.integers(0, 10_000, 3_000))
    candidates = rng.integers(0, 10_000, 500)
    assert list(found_among(many, candidates)) == list(candidates[np.isin(candidates, many)])

"""The works recently used filters keep, remembered for one BM25 snapshot (search.bm25).

A visitor who sets a filter searches under it again: another topic, the next page, hybrid's
keyword half. Reading a broad filter's ids from the index costs ~0.3-0.4 us a work (173k
works for the category "Artificial Intelligence" at a million works: 41 ms), every time;
remembered, the second search under the filter skips it. (Category, date, code and venue
filters are found on the snapshot's facts' columns instead, search.filter_facts, in a few
milliseconds: those are remembered too, and save that.) A snapshot never changes, so what
it remembers stays true until the index moves on to the next snapshot, which starts empty.

Memory is bounded by `KEPT_IDS_HELD` ids in all (8 bytes each); the least recently used
filter goes first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import numpy.typing as npt

from paperscope.search.filters import FilterTerms

KEPT_IDS_HELD = 4_000_000
"""Ids remembered per snapshot at most (32 MB): a dozen broad filters at a million works."""

Ids = npt.NDArray[np.int64]


class KeptIds:
    """Filter -> the sorted ids of the works it keeps (read-only arrays), least recently
    used first out; safe to share between the server's threads."""

    def __init__(self, limit: int = KEPT_IDS_HELD) -> None:
        self.limit = limit
        self._kept: OrderedDict[FilterTerms, Ids] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    @property
    def held(self) -> int:
        """How many ids are remembered now."""
        return self._held

    def get(self, terms: FilterTerms) -> Ids | None:
        with self._lock:
            ids = self._kept.get(terms)
            if ids is not None:
                self._kept.move_to_end(terms)
            return ids

    def put(self, terms: FilterTerms, ids: Ids) -> Ids:
        """Remember `ids` (made read-only) unless they alone pass the limit; returns them."""
        ids.flags.writeable = False
        if len(ids) > self.limit:
            return ids
        with self._lock:
            earlier = self._kept.pop(terms, None)
            if earlier is not None:
                self._held -= len(earlier)
            self._kept[terms] = ids
            self._held += len(ids)
            while self._held > self.limit:
                _, dropped = self._kept.popitem(last=False)
                self._held -= len(dropped)
        return ids

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._held = 0


def found_among(ids: Ids, candidates: Ids) -> Ids:
    """The `candidates` that are among `ids` (sorted ascending), in their order: a binary
    search each (5k candidates among 100k ids well under a millisecond, where `numpy.isin`
    hashed the 100k ids first: 21 ms)."""
    if not len(ids) or not len(candidates):
        return candidates[:0]
    places = np.minimum(np.searchsorted(ids, candidates), len(ids) - 1)
    found: Ids = candidates[ids[places] == candidates]
    return found

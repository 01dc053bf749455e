"""The facts the category, date, code and venue filters test, one column each, kept beside a BM25
snapshot (search.bm25) so that the works a filter keeps are found with numpy, not read out
of the index.

Reading the ids a broad filter keeps out of tantivy costs ~0.35 us a work, each one a Python
object first: 60-70 ms for the 173k works of "Artificial Intelligence" at a million works,
the largest part of a filtered semantic search's first visit. Here the same filter is a few
vectorised comparisons over a million rows, a few milliseconds whatever it keeps.

The columns are written from the very rows (and through the same `facet_fields`) that make
the snapshot's documents, in the same folder, so they always hold what the index holds:

- ``ids``: the works' ids, ascending; every other column is in their order;
- ``day`` (20210104, 0 for none) and ``year_only`` with ``year_known`` (a work without a
  date, by its year), as the ``published`` and ``year_only`` fields;
- ``has_code``;
- the category terms (``=cs.cl``, ``.cl``) with, for each, the rows of the works holding it;
- ``venue``: each work's place in ``venues``, the distinct lower-cased venues (a venue filter
  is a substring test of each distinct venue, then a lookup per work).

An author filter searches within every name key of every work (far more distinct values
than venues): it stays with the index (`answers` is False for it).
"""

from __future__ import annotations

import json
import logging
import zipfile
from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.search.bm25_filters import (
    CATEGORY,
    HAS_CODE,
    PUBLISHED,
    VENUE,
    YEAR_ONLY,
    category_terms,
    day_number,
)
from paperscope.search.filters import FilterTerms

_LOG = logging.getLogger(__name__)
FACTS_FILE = "filter-facts.npz"
"""In the snapshot's folder; a catch-up build writes its own (never a hard link of the base's)."""

Ids = npt.NDArray[np.int64]
Rows = npt.NDArray[np.int32]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class FilterFacts:
    """The filter facts of every work of one snapshot (see the module docstring)."""

    ids: Ids
    day: npt.NDArray[np.int64]
    year_only: npt.NDArray[np.int64]
    year_known: Mask
    has_code: Mask
    terms: dict[str, Rows]
    """Category term -> the rows (positions in `ids`) of the works holding it, ascending."""
    venue: Rows
    """Each work's venue as its place in `venues` (0: none)."""
    venues: tuple[str, ...]
    """The venues, lower-cased as the index holds them, after an empty first one (none)."""

    @property
    def size(self) -> int:
        return len(self.ids)

    @staticmethod
    def answers(terms: FilterTerms) -> bool:
        """Whether the columns can test every filter set (not an author's)."""
        return terms.active and not terms.author_key

    def passing(self, terms: FilterTerms) -> Ids:
        """The ids of the works passing `terms` (`answers` must hold), ascending, read-only."""
        ids: Ids = self.ids[self._mask(terms)]
        ids.flags.writeable = False
        return ids

    def _mask(self, terms: FilterTerms) -> Mask:
        mask = np.ones(self.size, dtype=np.bool_)
        if terms.category:
            mask = np.zeros(self.size, dtype=np.bool_)
            for term in category_terms(terms.category):
                mask[self.terms.get(term, _NO_ROWS)] = True
        if terms.since:
            mask &= self._dated(terms.since, later=True)
        if terms.until:
            mask &= self._dated(terms.until, later=False)
        if terms.has_code:
            mask &= self.has_code
        if terms.venue:
            text = terms.venue
            named = np.fromiter((text in venue for venue in self.venues), bool, len(self.venues))
            named[0] = False
            mask &= named[self.venue]
        return mask

    def _dated(self, bound: date, later: bool) -> Mask:
        """The works on or after (`later`) or on or before `bound`: by day, or by year for
        a work without a date, as the index's two ranges."""
        day = day_number(bound)
        if later:
            by_day = self.day >= day
            by_year = self.year_only >= bound.year
        else:
            by_day = (self.day <= day) & (self.day > 0)
            by_year = self.year_only <= bound.year
        result: Mask = by_day | (by_year & self.year_known)
        return result

    def save(self, folder: Path) -> None:
        arrays: dict[str, Any] = {
            "ids": self.ids,
            "day": self.day,
            "year_only": self.year_only,
            "year_known": self.year_known,
            "has_code": self.has_code,
            "term_names": _utf8_json(list(self.terms)),
            "term_offsets": np.cumsum([0] + [len(rows) for rows in self.terms.values()]),
            "term_rows": _joined(list(self.terms.values())),
            "venue": self.venue,
            "venues": _utf8_json(self.venues),
        }
        with open(folder / FACTS_FILE, "wb") as out:
            np.savez(out, **arrays)

    @classmethod
    def load(cls, folder: Path) -> FilterFacts | None:
        """The folder's facts, or None when it has none (built before they were) or they
        cannot be read (a warning says why): filters are then read from the index."""
        if not (folder / FACTS_FILE).exists():
            return None
        try:
            with np.load(folder / FACTS_FILE, allow_pickle=False) as saved:
                names = json.loads(saved["term_names"].tobytes())
                offsets = saved["term_offsets"]
                rows = saved["term_rows"]
                terms = {name: rows[offsets[i] : offsets[i + 1]] for i, name in enumerate(names)}
                facts = cls(
                    saved["ids"],
                    saved["day"],
                    saved["year_only"],
                    saved["year_known"],
                    saved["has_code"],
                    terms,
                    saved["venue"],
                    tuple(json.loads(saved["venues"].tobytes())),
                )
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            _LOG.warning("filter facts in %s not used: %s", folder, error)
            return None
        if not facts.whole():
            _LOG.warning("filter facts in %s not used: their columns disagree", folder)
            return None
        return facts

    def whole(self) -> bool:
        """Whether every column has a row for each work and every row named exists (a file
        cut short or from another build is not used)."""
        columns = (self.day, self.year_only, self.year_known, self.has_code, self.venue)
        if any(len(column) != self.size for column in columns):
            return False
        if self.size and not 0 <= int(self.venue.min()) <= int(self.venue.max()) < len(self.venues):
            return False
        return all(
            not len(rows) or (int(rows[0]) >= 0 and int(rows[-1]) < self.size)
            for rows in self.terms.values()
        )


class FactsBuilder:
    """Gathers the facts of the documents a build writes (`add`), then `done` (a whole
    build) or `over` the base snapshot's facts (a catch-up)."""

    def __init__(self) -> None:
        # Typed arrays, not lists: a list of a million ints holds a million int objects
        # (~100 MB more peak memory for a whole build at a million works).
        self._ids = array("q")
        self._day = array("q")
        self._year = array("q")
        self._year_known = array("b")
        self._code = array("b")
        self._terms: defaultdict[str, array[int]] = defaultdict(lambda: array("q"))
        self._venue = array("i")
        self._venues: dict[str, int] = {"": 0}

    def add(self, work_id: int, fields: dict[str, Any]) -> None:
        """One document's filter fields (`facet_fields`)."""
        self._ids.append(work_id)
        self._day.append(int(fields.get(PUBLISHED, 0)))
        self._year.append(int(fields.get(YEAR_ONLY, 0)))
        self._year_known.append(YEAR_ONLY in fields)
        self._code.append(HAS_CODE in fields)
        for term in fields.get(CATEGORY, ()):
            self._terms[term].append(work_id)
        venue = fields.get(VENUE)
        place = 0 if venue is None else self._venues.setdefault(venue, len(self._venues))
        self._venue.append(place)

    def done(self) -> FilterFacts:
        return self.over(_no_facts(), _NO_IDS)

    def over(self, base: FilterFacts, changed: Ids) -> FilterFacts:
        """The base's facts without the `changed` works, with those added since."""
        kept = ~np.isin(base.ids, changed)
        ids = np.concatenate([base.ids[kept], _numbers(self._ids)])
        order = np.argsort(ids, kind="stable")
        day = np.concatenate([base.day[kept], _numbers(self._day)])
        year_only = np.concatenate([base.year_only[kept], _numbers(self._year)])
        known = np.concatenate([base.year_known[kept], _flags(self._year_known)])
        has_code = np.concatenate([base.has_code[kept], _flags(self._code)])
        venues, recoded = _venues_after(base.venues, list(self._venues))
        venue = np.concatenate([base.venue[kept], recoded[np.asarray(self._venue)]])
        holding = {term: _numbers(held) for term, held in self._terms.items()}
        for term, rows in base.terms.items():
            still = base.ids[rows[kept[rows]]]
            holding[term] = np.concatenate([still, holding.get(term, _NO_IDS)])
        ids = ids[order]
        rows_of = {
            term: np.sort(np.searchsorted(ids, held)).astype(np.int32)
            for term, held in holding.items()
            if len(held)
        }
        return FilterFacts(
            ids,
            day[order],
            year_only[order],
            known[order],
            has_code[order],
            rows_of,
            venue[order],
            venues,
        )


_NO_IDS: Ids = np.zeros(0, dtype=np.int64)
_NO_ROWS: Rows = np.zeros(0, dtype=np.int32)


def _utf8_json(strings: Sequence[str]) -> npt.NDArray[np.uint8]:
    """Strings as a JSON array's UTF-8 bytes (numpy's own text arrays take 4 bytes a
    character: 40 MB for 250k venues of 40 characters)."""
    return np.frombuffer(json.dumps(strings).encode(), dtype=np.uint8)


def _numbers(gathered: array[int]) -> Ids:
    return np.asarray(gathered, dtype=np.int64)


def _flags(gathered: array[int]) -> Mask:
    return np.asarray(gathered, dtype=np.int8).astype(np.bool_)


def _no_facts() -> FilterFacts:
    nothing = np.zeros(0, dtype=np.bool_)
    return FilterFacts(_NO_IDS, _NO_IDS, _NO_IDS, nothing, nothing, {}, _NO_ROWS, ("",))


def _venues_after(base: tuple[str, ...], added: list[str]) -> tuple[tuple[str, ...], Rows]:
    """The base's venues with the `added` ones it lacks after them (a venue no work holds
    any more stays until a whole build), and each added venue's place among them."""
    places = {venue: place for place, venue in enumerate(base)}
    venues = list(base)
    for venue in added:
        if venue not in places:
            places[venue] = len(venues)
            venues.append(venue)
    return tuple(venues), np.array([places[venue] for venue in added], dtype=np.int32)


def _joined(arrays: list[Rows]) -> Rows:
    return np.concatenate(arrays) if arrays else _NO_ROWS


__all__ = ["FACTS_FILE", "FactsBuilder", "FilterFacts"]

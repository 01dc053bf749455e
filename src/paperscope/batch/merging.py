"""Pure-Python halves of the merge stage, run per group inside Spark tasks (and testable alone).

`title_matches` replays, within one group of records sharing a normalised title, what
ingest's `WorkResolver` does with merge keys: in record order, the first record of each
identifier component looks for the work first registered under its own key (title + first
author's surname + year) or its author-less key (title + year), refused when the two carry
different values of one strong identifier; a record without authors takes the one work with
its title and year. `fold_work` replays how the records of one work fill its row
(`ingest.merge.merged_changes`, newer versions of a record overriding).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paperscope.ingest.merge import WORK_FIELDS, merged_changes
from paperscope.ingest.resolution import STRONG_SCHEMES

ROW_FIELDS = ("title_key", "merge_key", *WORK_FIELDS)


@dataclass(frozen=True, slots=True)
class TitleRecord:
    """What the title step needs of one record."""

    seq: int
    component: int
    """The smallest `seq` of the record's identifier component."""
    merge_keys: tuple[str, ...]
    has_authors: bool
    year: int | None
    ids: tuple[tuple[str, str], ...]
    """The record's own identifiers."""
    component_ids: tuple[tuple[int, str, str], ...]
    """Strong identifiers of the whole component, each with the seq of the record carrying it."""


class _Works:
    """Union-find over components, each work knowing its strong identifiers by record seq."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.ids: dict[int, list[tuple[int, str, str]]] = {}

    def add(self, record: TitleRecord) -> None:
        if record.component not in self.parent:
            self.parent[record.component] = record.component
            self.ids[record.component] = list(record.component_ids)

    def find(self, node: int) -> int:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            keep, gone = min(ra, rb), max(ra, rb)
            self.parent[gone] = keep
            self.ids[keep] += self.ids.pop(gone)

    def conflicts(self, work: int, record: TitleRecord) -> bool:
        """Does the work hold, from records before this one, another value of a strong
        scheme this record names?"""
        stored: dict[str, set[str]] = {}
        for seq, scheme, value in self.ids[self.find(work)]:
            if seq < record.seq and scheme in STRONG_SCHEMES:
                stored.setdefault(scheme, set()).add(value)
        return any(scheme in stored and value not in stored[scheme] for scheme, value in record.ids)


def title_matches(records: Iterable[TitleRecord]) -> list[tuple[int, int]]:
    """(component, component) pairs the merge keys join, within one title group."""
    works = _Works()
    by_key: dict[str, int] = {}
    by_title: list[tuple[int, int | None]] = []
    joins: list[tuple[int, int]] = []
    for record in sorted(records, key=lambda r: r.seq):
        works.add(record)
        if record.seq == record.component and record.merge_keys:
            target = _target(works, by_key, by_title, record)
            if target is not None and works.find(target) != works.find(record.component):
                works.union(target, record.component)
                joins.append((target, record.component))
        if record.merge_keys:
            by_key.setdefault(record.merge_keys[0], record.component)
        by_title.append((record.component, record.year))
    return joins


def _target(
    works: _Works,
    by_key: Mapping[str, int],
    by_title: Sequence[tuple[int, int | None]],
    record: TitleRecord,
) -> int | None:
    for key in record.merge_keys:
        found = by_key.get(key)
        if found is not None and not works.conflicts(found, record):
            return found
    if not record.has_authors:
        matches = {works.find(c) for c, year in by_title if year == record.year}
        if len(matches) == 1:
            return matches.pop()
    return None


def fold_work(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The stored row of one work from its records' rows (in record order), each with an
    `override` flag: a newer version of a record stored in an earlier batch."""
    current = {name: rows[0][name] for name in ROW_FIELDS}
    current["title"] = rows[0]["title"]
    for row in rows[1:]:
        incoming = {name: row[name] for name in ROW_FIELDS}
        current.update(merged_changes(current, incoming, override=bool(row["override"])))
    return current

"""Which stored work is this record about? Decided for a whole batch with a few queries.

Order of evidence: any shared identifier (arXiv id, DOI, OpenAlex, S2, ...), then the
normalised title + first author's surname + year, then (for a record that prints no
authors) the normalised title + year when exactly one work has it. A title match is
refused when the two carry different values of the same strong identifier (two DOIs):
those are two papers with one title.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from paperscope.domain import ExternalId
from paperscope.ingest.keys import KeyedWork
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, work_categories, work_ids, works

STRONG_SCHEMES = frozenset({"doi", "arxiv", "openalex", "s2", "corpusid", "aan", "aminer"})


@dataclass
class BatchIndex:
    """What the store already knows about the identifiers and titles in one batch."""

    by_id: dict[tuple[str, str], int] = field(default_factory=dict)
    by_merge_key: dict[str, int] = field(default_factory=dict)
    by_title: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)
    ids_of_work: dict[int, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    with_authors: set[int] = field(default_factory=set)
    with_categories: set[int] = field(default_factory=set)


def load_index(connection: Connection, batch: Sequence[KeyedWork]) -> BatchIndex:
    index = BatchIndex()
    values = {i.value for w in batch for i in w.record.ids}
    query = select(work_ids.c.scheme, work_ids.c.value, work_ids.c.work_id).where(
        in_list(work_ids.c.value, values)
    )
    for scheme, value, work_id in connection.execute(query):
        index.by_id[(scheme, value)] = work_id
    keys = {k for w in batch for k in w.merge_keys}
    by_key = select(works.c.merge_key, works.c.id).where(in_list(works.c.merge_key, keys))
    for merge_key, work_id in connection.execute(by_key.order_by(works.c.id.desc())):
        index.by_merge_key[merge_key] = work_id
    authorless = {w.title_key for w in batch if not w.record.authors}
    query = select(works.c.title_key, works.c.id, works.c.year).where(
        in_list(works.c.title_key, authorless)
    )
    for key, work_id, year in connection.execute(query):
        index.by_title.setdefault(key, []).append((work_id, year))
    candidates = set(index.by_merge_key.values()) | set(index.by_id.values())
    query = select(work_ids.c.work_id, work_ids.c.scheme, work_ids.c.value).where(
        in_list(work_ids.c.work_id, candidates)
    )
    for work_id, scheme, value in connection.execute(query):
        index.ids_of_work[work_id].add((scheme, value))
    query = select(authorships.c.work_id).where(in_list(authorships.c.work_id, candidates))
    index.with_authors.update(connection.execute(query.distinct()).scalars())
    query = select(work_categories.c.work_id).where(in_list(work_categories.c.work_id, candidates))
    index.with_categories.update(connection.execute(query.distinct()).scalars())
    return index


class WorkResolver:
    """Assigns each record of a batch to a stored work id or to a new (negative) placeholder."""

    def __init__(self, index: BatchIndex) -> None:
        self.index = index
        self._next_placeholder = -1

    def new_placeholder(self) -> int:
        placeholder = self._next_placeholder
        self._next_placeholder -= 1
        return placeholder

    def resolve(self, work: KeyedWork) -> int | None:
        """The work this record belongs to, or None when it is a new work."""
        record = work.record
        for ext in record.ids:
            found = self.index.by_id.get((ext.scheme, ext.value))
            if found is not None:
                return found
        for key in work.merge_keys:
            found = self.index.by_merge_key.get(key)
            if found is not None and not self._conflicts(found, record.ids):
                return found
        if not record.authors:
            return self._unique_title_match(work)
        return None

    def register(self, work_id: int, work: KeyedWork) -> None:
        """Remember what this batch has said about `work_id`, for the records after it."""
        for ext in work.record.ids:
            self.index.by_id.setdefault((ext.scheme, ext.value), work_id)
            self.index.ids_of_work[work_id].add((ext.scheme, ext.value))
        for key in work.merge_keys[:1]:
            self.index.by_merge_key.setdefault(key, work_id)
        self.index.by_title.setdefault(work.title_key, []).append((work_id, work.year))

    def _conflicts(self, work_id: int, ids: Iterable[ExternalId]) -> bool:
        stored = self.index.ids_of_work.get(work_id, set())
        stored_schemes = {scheme: value for scheme, value in stored if scheme in STRONG_SCHEMES}
        return any(
            ext.scheme in stored_schemes and stored_schemes[ext.scheme] != ext.value for ext in ids
        )

    def _unique_title_match(self, work: KeyedWork) -> int | None:
        if not work.merge_keys:
            return None
        matches = {w for w, y in self.index.by_title.get(work.title_key, []) if y == work.year}
        return matches.pop() if len(matches) == 1 else None

"""The whole corpus as columns (numpy arrays) for the set-wise `score` stage.

One pass per table: works, distinct citation edges between stored works, reported counts,
code links, and authorships mapped to person keys (`person:<id>` when resolved, `name:<key>`
while provisional, as in `paperscope.read.people`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, func, select

from paperscope.names import name_key
from paperscope.store.schema import (
    authorships,
    code_links,
    people,
    references,
    reported_citations,
    source_author_works,
    source_authors,
    works,
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True)
class Corpus:
    work_ids: IntArray
    year: FloatArray
    """Publication year (NaN when unknown)."""
    day: FloatArray
    """Ordinal of the publication date (1 January of the year when only the year is known)."""
    month: ObjectArray
    """`YYYY-MM`, or `YYYY` for works known only by their year: the AI-score cohort."""
    category: ObjectArray
    venue: ObjectArray
    author_count: IntArray
    has_code: npt.NDArray[np.bool_]
    citing: IntArray
    """Row numbers of the citing side of each distinct edge between stored works."""
    cited: IntArray
    in_corpus: IntArray
    reported: IntArray
    """Largest reported count (-1 when no source reports one)."""
    person_of_row: IntArray
    """One row per (work, person): the person's number..."""
    work_of_row: IntArray
    """...and the work's row number."""
    person_keys: list[str]
    person_ids: list[int | None]
    person_names: list[str]

    @property
    def size(self) -> int:
        return int(self.work_ids.size)

    @property
    def citations(self) -> IntArray:
        return np.maximum(self.in_corpus, self.reported)


def load_corpus(connection: Connection) -> Corpus:
    rows = connection.execute(
        select(
            works.c.id,
            works.c.year,
            works.c.published,
            works.c.primary_category,
            works.c.venue,
            works.c.author_count,
            works.c.code_badge,
        ).order_by(works.c.id)
    ).all()
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    index = {int(work_id): number for number, work_id in enumerate(ids)}
    years, days, months = _dates(rows)
    citing, cited = _edges(connection, ids)
    in_corpus = np.bincount(cited, minlength=ids.size).astype(np.int64)
    reported = np.full(ids.size, -1, dtype=np.int64)
    query = select(reported_citations.c.work_id, func.max(reported_citations.c.count)).group_by(
        reported_citations.c.work_id
    )
    for work_id, count in connection.execute(query):
        reported[index[work_id]] = count
    has_code = np.array([bool(row[6]) for row in rows], dtype=bool)
    for (work_id,) in connection.execute(select(code_links.c.work_id).distinct()):
        has_code[index[work_id]] = True
    persons = _persons(connection, index)
    counts = np.bincount(persons.work_of_row, minlength=ids.size)
    author_count = np.array([max(row[5] or 0, int(c)) for row, c in zip(rows, counts, strict=True)])
    return Corpus(
        work_ids=ids,
        year=years,
        day=days,
        month=months,
        category=np.array([row[3] or "" for row in rows], dtype=object),
        venue=np.array([(row[4] or "").strip().casefold() for row in rows], dtype=object),
        author_count=author_count.astype(np.int64),
        has_code=has_code,
        citing=citing,
        cited=cited,
        in_corpus=in_corpus,
        reported=reported,
        person_of_row=persons.person_of_row,
        work_of_row=persons.work_of_row,
        person_keys=persons.keys,
        person_ids=persons.ids,
        person_names=persons.names,
    )


def _dates(rows: Sequence[Any]) -> tuple[FloatArray, FloatArray, ObjectArray]:
    years = np.full(len(rows), np.nan)
    days = np.full(len(rows), np.nan)
    months = np.empty(len(rows), dtype=object)
    for number, row in enumerate(rows):
        year, published = row[1], row[2]
        if isinstance(published, date):
            years[number] = year or published.year
            days[number] = published.toordinal()
            months[number] = f"{published.year:04d}-{published.month:02d}"
        elif year:
            years[number] = year
            days[number] = date(int(year), 1, 1).toordinal()
            months[number] = f"{int(year):04d}"
        else:
            months[number] = ""
    return years, days, months


EDGE_BATCH = 500_000
"""Citation edges read per fetch: a few MB of numpy at a time, not 13M Python tuples."""


def _edges(connection: Connection, ids: IntArray) -> tuple[IntArray, IntArray]:
    """Row numbers (in `ids`, sorted) of each distinct edge between stored works, without
    self-citations. Made distinct here, not by SQL DISTINCT: at a million works PostgreSQL
    planned a hash aggregate for an eighth of the 9.3M distinct edges and spilled it for
    over 20 minutes; numpy sorts the pairs in seconds. An edge to a work stored after `ids` was
    read (an ingest running beside) is left out."""
    query = select(references.c.citing_work_id, references.c.cited_work_id).where(
        references.c.citing_work_id.is_not(None),
        references.c.cited_work_id.is_not(None),
        references.c.citing_work_id != references.c.cited_work_id,
    )
    empty = np.empty(0, dtype=np.int64)
    if ids.size == 0:
        return empty, empty
    keys = [empty]
    result = connection.execute(query.execution_options(yield_per=EDGE_BATCH))
    for batch in result.partitions():
        # np.array() of Row objects takes the slow generic-sequence path (7x slower here)
        flat = np.fromiter(chain.from_iterable(batch), dtype=np.int64, count=2 * len(batch))
        pairs = flat.reshape(-1, 2)
        rows = np.minimum(np.searchsorted(ids, pairs), ids.size - 1)
        stored = (ids[rows] == pairs).all(axis=1)
        keys.append(rows[stored, 0] * ids.size + rows[stored, 1])
    distinct = distinct_sorted(np.concatenate(keys))
    return distinct // ids.size, distinct % ids.size


def distinct_sorted(values: IntArray) -> IntArray:
    """The distinct values, ascending: `np.unique`'s result. Since numpy 2.3 `np.unique`
    finds them through a hash table and then sorts them, which on mostly distinct integers
    is the slower way by far: on 10M random int64 here 9.9 s against 0.65 s for a sort and
    a comparison of neighbours (at 1M works the corpus' edges took 12 s of `load`)."""
    ordered = np.sort(values)
    keep = np.empty(ordered.size, dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


@dataclass(frozen=True, slots=True)
class _Persons:
    person_of_row: IntArray
    work_of_row: IntArray
    keys: list[str]
    ids: list[int | None]
    names: list[str]


def _persons(connection: Connection, index: dict[int, int]) -> _Persons:
    numbers: dict[str, int] = {}
    ids: list[int | None] = []
    printed: list[Counter[str]] = []
    persons: list[int] = []  # with `work_rows`: one (person, work row) per authorship
    work_rows: list[int] = []
    claimed: set[tuple[int, str]] = set()

    def number(key: str, person_id: int | None) -> int:
        if key not in numbers:
            numbers[key] = len(numbers)
            ids.append(person_id)
            printed.append(Counter())
        return numbers[key]

    query = select(
        authorships.c.work_id, authorships.c.name, authorships.c.name_key, authorships.c.person_id
    )
    for work_id, name, key, person_id in connection.execute(query):
        if person_id is None and not key:
            continue  # a name with no letters names nobody
        if person_id is not None:
            claimed.add((work_id, key))
        person_key = f"person:{person_id}" if person_id is not None else f"name:{key}"
        person = number(person_key, person_id)
        printed[person][name] += 1
        persons.append(person)
        work_rows.append(index[work_id])
    listed = select(source_authors.c.name, source_author_works.c.work_id).join(
        source_author_works, source_author_works.c.source_author_id == source_authors.c.id
    )
    for name, work_id in connection.execute(listed):
        key = name_key(name)
        if key and (work_id, key) not in claimed:
            person = number(f"name:{key}", None)
            printed[person][name] += 0
            persons.append(person)
            work_rows.append(index[work_id])
    canonical = {
        pid: name for pid, name in connection.execute(select(people.c.id, people.c.canonical_name))
    }
    keys = list(numbers)
    names = [
        canonical.get(person_id) or _most_printed(counter, key)
        for key, person_id, counter in zip(keys, ids, printed, strict=True)
    ]
    # Distinct (person, work row) pairs in that order, as integers: sorting 3.9M tuples in
    # Python took 8.6 s of `load` at a million works.
    span = max(len(index), 1)
    pairs = distinct_sorted(
        np.array(persons, dtype=np.int64) * span + np.array(work_rows, dtype=np.int64)
    )
    return _Persons(
        person_of_row=pairs // span,
        work_of_row=pairs % span,
        keys=keys,
        ids=ids,
        names=names,
    )


def _most_printed(counter: Counter[str], key: str) -> str:
    if not counter:
        return key.split(":", 1)[-1].title()
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[0][0]

"""Read authorships from the store as signatures (with their work's evidence)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from paperscope.identity.signatures import Signature
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, references, work_categories, works

K = TypeVar("K", int, str)


@dataclass(frozen=True, slots=True)
class Stored:
    """A signature and where it stands in the store today."""

    signature: Signature
    person_id: int | None
    position: int
    person_confidence: float | None = None
    """What the last resolve stored: the mean same-person probability with the rest of the
    person (rounded to 2 decimals), which an incremental run updates for the new members."""
    person_size: int | None = None
    """Its person's stored size when an incremental run loaded only part of the person
    (`identity.candidates`); None: loaded whole, or no person yet."""


@dataclass(frozen=True, slots=True)
class Names:
    """The printed names of many authorships, compactly: `ids[k]` prints `distinct[codes[k]]`.

    What blocking needs of every authorship of a full resolve (millions of them), without
    loading their works: two arrays and each distinct name once.
    """

    ids: NDArray[np.int64]
    codes: NDArray[np.int64]
    distinct: list[str]


def load_names(connection: Connection, ids: Sequence[int] | None = None) -> Names:
    """The names of the given authorships (None: of every authorship), in id order."""
    query = select(authorships.c.id, authorships.c.name).order_by(authorships.c.id)
    if ids is not None:
        query = query.where(in_list(authorships.c.id, ids))
    code_of: dict[str, int] = {}
    found: list[int] = []
    codes: list[int] = []
    for row_id, name in connection.execute(query):
        found.append(row_id)
        codes.append(code_of.setdefault(name, len(code_of)))
    return Names(np.array(found, dtype=np.int64), np.array(codes, dtype=np.int64), list(code_of))


def unresolved_ids(connection: Connection) -> list[int]:
    return list(
        connection.execute(
            select(authorships.c.id)
            .where(authorships.c.person_id.is_(None))
            .order_by(authorships.c.id)
        ).scalars()
    )


def all_ids(connection: Connection) -> list[int]:
    return list(connection.execute(select(authorships.c.id).order_by(authorships.c.id)).scalars())


def person_members(connection: Connection, person_ids: Iterable[int]) -> list[int]:
    query = select(authorships.c.id).where(in_list(authorships.c.person_id, person_ids))
    return list(connection.execute(query).scalars())


def load(connection: Connection, ids: Sequence[int]) -> list[Stored]:
    """Signatures of the given authorships, with co-authors, categories and citations.

    A signature's citations are only those of works loaded with it: pairwise evidence asks
    whether one work of a block cites another (`features.Evidence`), and a block's works
    are all loaded together, so the rest (65 of every 66 at a million works) would be held
    and sent to the clustering workers for nothing."""
    rows: list[Any] = list(
        connection.execute(
            select(authorships).where(in_list(authorships.c.id, ids)).order_by(authorships.c.id)
        ).all()
    )
    work_list = sorted({row.work_id for row in rows})
    loaded = frozenset(work_list)
    info: dict[int, tuple[str | None, str | None, str | None, int | None]] = {}
    names: dict[int, list[tuple[int, str]]] = defaultdict(list)
    categories: dict[int, list[tuple[int, str]]] = defaultdict(list)
    cites: dict[int, set[int]] = defaultdict(set)
    for work_id, title, abstract, venue, year in connection.execute(
        select(works.c.id, works.c.title, works.c.abstract, works.c.venue, works.c.year)
        .where(in_list(works.c.id, work_list))
    ):  # fmt: skip
        info[work_id] = (title, abstract, venue, year)
    for work_id, position, name in connection.execute(
        select(authorships.c.work_id, authorships.c.position, authorships.c.name).where(
            in_list(authorships.c.work_id, work_list)
        )
    ):
        names[work_id].append((position, name))
    for work_id, position, category in connection.execute(
        select(
            work_categories.c.work_id, work_categories.c.position, work_categories.c.category
        ).where(in_list(work_categories.c.work_id, work_list))
    ):
        categories[work_id].append((position, category))
    for citing, cited in connection.execute(
        select(references.c.citing_work_id, references.c.cited_work_id).where(
            in_list(references.c.citing_work_id, work_list), references.c.cited_work_id.is_not(None)
        )
    ):
        if cited in loaded:
            cites[citing].add(cited)
    byline = {work_id: sorted(printed) for work_id, printed in names.items()}
    in_order = {work_id: tuple(c for _, c in sorted(cats)) for work_id, cats in categories.items()}
    out = []
    for row in rows:
        title, abstract, venue, year = info[row.work_id]
        source = f"{row.source_scheme}:{row.source_value}" if row.source_value else None
        signature = Signature(
            key=row.id,
            work=row.work_id,
            name=row.name,
            coauthors=tuple(n for p, n in byline[row.work_id] if p != row.position),
            title=str(title or ""),
            abstract=abstract,
            venue=venue,
            categories=in_order.get(row.work_id, ()),
            affiliation=row.affiliation,
            year=year,
            orcid=row.orcid,
            source_id=source,
            cites=frozenset(cites[row.work_id]),
        )
        out.append(Stored(signature, row.person_id, row.position, row.person_confidence))
    return out


def runs(sizes: Mapping[K, int], size: int) -> Iterator[list[K]]:
    """The keys in sorted order, in runs holding about `size` (a larger key alone): what
    `resolve` loads and writes at once."""
    keys: list[K] = []
    count = 0
    for key in sorted(sizes):
        keys.append(key)
        count += sizes[key]
        if count >= size:
            yield keys
            keys, count = [], 0
    if keys:
        yield keys

"""Read authorships from the store as signatures (with their work's evidence)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from paperscope.identity.signatures import Signature
from paperscope.names import block_key, swapped_block_key
from paperscope.store.schema import authorships, people, references, work_categories, works

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Stored:
    """A signature and where it stands in the store today."""

    signature: Signature
    person_id: int | None
    position: int


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


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


def neighbours_of(connection: Connection, ids: Sequence[int]) -> list[int]:
    """Authorships of the existing people whose block the given authorships fall in."""
    names: set[str] = set()
    for part in _chunks(ids):
        names.update(
            connection.execute(
                select(authorships.c.name).where(authorships.c.id.in_(part))
            ).scalars()
        )
    keys = sorted({block_key(n) for n in names} | {k for n in names if (k := swapped_block_key(n))})
    found: set[int] = set()
    for start in range(0, len(keys), _CHUNK):
        person_ids = select(people.c.id).where(people.c.block_key.in_(keys[start : start + _CHUNK]))
        found.update(
            connection.execute(
                select(authorships.c.id).where(authorships.c.person_id.in_(person_ids))
            ).scalars()
        )
    return sorted(found)


def person_members(connection: Connection, person_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(person_ids))
    found: list[int] = []
    for part in _chunks(wanted):
        found += connection.execute(
            select(authorships.c.id).where(authorships.c.person_id.in_(part))
        ).scalars()
    return found


def load(connection: Connection, ids: Sequence[int]) -> list[Stored]:
    """Signatures of the given authorships, with co-authors, categories and citations."""
    rows: list[Any] = []
    for part in _chunks(sorted(set(ids))):
        rows += connection.execute(select(authorships).where(authorships.c.id.in_(part))).all()
    work_list = sorted({row.work_id for row in rows})
    info: dict[int, dict[str, object]] = {}
    names: dict[int, list[tuple[int, str]]] = defaultdict(list)
    categories: dict[int, list[tuple[int, str]]] = defaultdict(list)
    cites: dict[int, set[int]] = defaultdict(set)
    for part in _chunks(work_list):
        for w in connection.execute(
            select(works.c.id, works.c.title, works.c.abstract, works.c.venue, works.c.year)
            .where(works.c.id.in_(part))
        ):  # fmt: skip
            info[w.id] = dict(w._mapping)
        for work_id, position, name in connection.execute(
            select(authorships.c.work_id, authorships.c.position, authorships.c.name).where(
                authorships.c.work_id.in_(part)
            )
        ):
            names[work_id].append((position, name))
        for work_id, position, category in connection.execute(
            select(
                work_categories.c.work_id, work_categories.c.position, work_categories.c.category
            ).where(work_categories.c.work_id.in_(part))
        ):
            categories[work_id].append((position, category))
        for citing, cited in connection.execute(
            select(references.c.citing_work_id, references.c.cited_work_id).where(
                references.c.citing_work_id.in_(part), references.c.cited_work_id.is_not(None)
            )
        ):
            cites[citing].add(cited)
    out = []
    for row in rows:
        work = info[row.work_id]
        source = f"{row.source_scheme}:{row.source_value}" if row.source_value else None
        signature = Signature(
            key=row.id,
            work=row.work_id,
            name=row.name,
            coauthors=tuple(n for p, n in sorted(names[row.work_id]) if p != row.position),
            title=str(work["title"] or ""),
            abstract=work["abstract"],  # type: ignore[arg-type]
            venue=work["venue"],  # type: ignore[arg-type]
            categories=tuple(c for _, c in sorted(categories[row.work_id])),
            affiliation=row.affiliation,
            year=work["year"],  # type: ignore[arg-type]
            orcid=row.orcid,
            source_id=source,
            cites=frozenset(cites[row.work_id]),
        )
        out.append(Stored(signature, row.person_id, row.position))
    return out

"""Hand-made works, people and categories written straight into a store for notify tests."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy import insert, select

from paperscope.store import Store
from paperscope.store.schema import authorships, people, work_categories, works
from paperscope.store.venues import venue_key

_serial = itertools.count(1)


def add_person(store: Store, name: str) -> int:
    with store.transaction() as connection:
        return int(
            connection.execute(
                insert(people).values(canonical_name=name).returning(people.c.id)
            ).scalar_one()
        )


def add_work(
    store: Store,
    title: str,
    abstract: str = "",
    *,
    categories: tuple[str, ...] = ("cs.CL",),
    authors: tuple[tuple[str, int | None], ...] = (("Ada Lovelace", None),),
    upvotes: int = 0,
    published: date = date(2026, 11, 20),
    venue: str | None = None,
    affiliations: tuple[str | None, ...] = (),
) -> int:
    with store.transaction() as connection:
        work_id = int(
            connection.execute(
                insert(works)
                .values(
                    title=title,
                    title_key=f"{title.lower()} {next(_serial)}",
                    abstract=abstract,
                    published=published,
                    year=published.year,
                    primary_category=categories[0] if categories else None,
                    author_count=len(authors),
                    upvotes=upvotes,
                    venue=venue,
                    venue_key=venue_key(venue),
                )
                .returning(works.c.id)
            ).scalar_one()
        )
        for position, category in enumerate(categories):
            connection.execute(
                insert(work_categories).values(
                    work_id=work_id, position=position, category=category
                )
            )
        for position, (name, person_id) in enumerate(authors):
            connection.execute(
                insert(authorships).values(
                    work_id=work_id,
                    position=position,
                    name=name,
                    name_key=name.lower(),
                    person_id=person_id,
                    affiliation=affiliations[position] if position < len(affiliations) else None,
                )
            )
    return work_id


def work_count(store: Store) -> int:
    with store.connect() as connection:
        return len(connection.execute(select(works.c.id)).all())

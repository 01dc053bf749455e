"""`paperscope pages`: store the author pages of prolific people and common names.

A page listing thousands of works took up to 1.1-2.8 s to compute at a million works, too
slow for a first visit. This stage computes such pages with the same code the site uses
(`metrics.author_pages.author_page`), and stores each without its works: the profile,
header metrics and namesakes as JSON, and the work ids in each sort order. The HTML page
then reads one row and the 50 works it shows (`author_pages.stored_author_page`).

A stored page is used only while it is current: it carries the content version this
refresh started (`store.changes`), and any later write to a table an author page reads
(whoever makes it: a stage, a correction on the web, the Spark write-back) retires every
stored page until the next refresh; the page is then computed from its works, as before.
Local upvotes do not: they only change the works shown, which are loaded live. It also
carries the definitions' version, and what the header's AI score needs on a later day (per
work its AI score, citation percentile and last recent day: `profile.ai_score_inputs`), so
a page holds as its works stop being recent.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Connection, delete, func, insert, select

from paperscope.definitions import VERSION
from paperscope.errors import NotFoundError
from paperscope.metrics.author_pages import (
    AuthorPage,
    PageSnapshot,
    author_page,
    person_page,
    snapshot_json,
)
from paperscope.metrics.profile import SORTS, ai_score_inputs, sorted_entries
from paperscope.progress import SILENT, Progress
from paperscope.read.people import parse_person_key
from paperscope.store import Store
from paperscope.store.changes import start_refresh, unchanged_since
from paperscope.store.ids import in_list
from paperscope.store.metrics_schema import author_page_snapshots
from paperscope.store.schema import authorships

MIN_WORKS = 100
"""Pages of people and names with at least this many works are stored. Below it a page is
computed in tens of milliseconds on a first visit (the median names at a million works:
28-175 ms, with their namesakes); storing every page would cost the refresh as much again
for little."""

_BATCH = 200


@dataclass(frozen=True, slots=True)
class PagesReport:
    version: int
    name_pages: int
    person_pages: int
    skipped: int
    """Candidates that no longer had a page when their turn came (e.g. works moved)."""
    seconds: float
    current: bool
    """Nothing changed while the pages were computed: they are in use. False: something
    did, and the pages are not used until the next refresh."""


def refresh_pages(
    store: Store,
    *,
    today: date | None = None,
    min_works: int = MIN_WORKS,
    progress: Progress = SILENT,
) -> PagesReport:
    """Store the page of every printed name and every person with at least `min_works`
    works, replacing the pages stored before."""
    started = time.perf_counter()
    today = today or date.today()
    with store.transaction() as connection:
        version = start_refresh(connection)
    counts = {"printed": 0, "person": 0, "skipped": 0}
    with store.connect() as connection:
        names, people = _candidates(connection, min_works)
        progress.start("pages", len(names) + len(people))
        batch: list[dict[str, object]] = []
        for key, page in _pages(connection, names, people, today, counts, progress):
            batch.append(_row(key, page, version, today))
            if len(batch) >= _BATCH:
                _write(connection, batch)
                batch = []
        _write(connection, batch)
        connection.execute(
            delete(author_page_snapshots).where(author_page_snapshots.c.content_version != version)
        )
        current = unchanged_since(connection, version)
        connection.commit()
    return PagesReport(
        version,
        counts["printed"],
        counts["person"],
        counts["skipped"],
        round(time.perf_counter() - started, 1),
        current,
    )


def _candidates(connection: Connection, min_works: int) -> tuple[list[str], list[str]]:
    """Name keys printed on at least `min_works` works, and person keys (resolved, then
    provisional) with at least that many, each most works first."""
    names = _with_works(connection, authorships.c.name_key, min_works)
    resolved = _with_works(
        connection, authorships.c.person_id, min_works, authorships.c.person_id.is_not(None)
    )
    provisional = _with_works(
        connection, authorships.c.name_key, min_works, authorships.c.person_id.is_(None)
    )
    printed = [str(key) for key in names if parse_person_key(str(key)) is None]
    people = [f"person:{each}" for each in resolved] + [f"name:{each}" for each in provisional]
    return printed, people


def _with_works(
    connection: Connection,
    column: ColumnElement[Any],
    min_works: int,
    where: ColumnElement[bool] | None = None,
) -> list[Any]:
    """Values of `column` on the authorships of at least `min_works` works, most first."""
    works = func.count(func.distinct(authorships.c.work_id))
    query = select(column).group_by(column).having(works >= min_works)
    if where is not None:
        query = query.where(where)
    return list(connection.execute(query.order_by(works.desc(), column)).scalars())


def _pages(
    connection: Connection,
    names: list[str],
    people: list[str],
    today: date,
    counts: dict[str, int],
    progress: Progress,
) -> Iterator[tuple[str, AuthorPage]]:
    """Each name's page, and with it its top person's page (the same profile, the person's
    own namesakes); then the people no name page reached. Each key once."""
    wanted = set(people)
    reached: set[str] = set()
    jobs = [("printed", key) for key in names] + [("person", key) for key in people]
    for kind, key in jobs:
        progress.advance(1)
        if key in reached:
            continue
        try:
            if kind == "printed":
                page = author_page(connection, name=key, today=today)
            else:
                page = author_page(connection, key=key, today=today)
        except NotFoundError:
            counts["skipped"] += 1
            continue
        counts[kind] += 1
        yield (f"printed:{key}" if kind == "printed" else key), page
        own = page.profile.person.person_key
        if kind == "printed" and own in wanted and own not in reached:
            reached.add(own)
            counts["person"] += 1
            yield own, person_page(connection, page.profile)


def _row(key: str, page: AuthorPage, version: int, today: date) -> dict[str, object]:
    profile = page.profile
    body = PageSnapshot(
        replace(profile, entries=(), explanations={}), page.namesakes, page.more_namesakes
    )
    order = {
        sort: np.array(
            [entry.work_id for entry in sorted_entries(profile.entries, sort)], dtype="<i8"
        ).tobytes()
        for sort in SORTS
    }
    return {
        "page_key": key,
        "content_version": version,
        "definition_version": VERSION,
        "computed_on": today,
        "ai_score_inputs": ai_score_inputs(profile.entries, today),
        "body": snapshot_json().dump_json(body).decode(),
        "by_date": order["date"],
        "by_score": order["score"],
        "by_citations": order["citations"],
    }


def _write(connection: Connection, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    keys = [str(row["page_key"]) for row in rows]
    connection.commit()  # ends the transaction the pages were read in
    connection.execute(
        delete(author_page_snapshots).where(in_list(author_page_snapshots.c.page_key, keys))
    )
    connection.execute(insert(author_page_snapshots), rows)
    connection.commit()


__all__ = ["MIN_WORKS", "PagesReport", "refresh_pages"]

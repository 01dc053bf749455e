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
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from multiprocessing import get_context
from operator import itemgetter
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
from paperscope.names import name_key
from paperscope.processes import end_with_parent
from paperscope.progress import SILENT, Progress
from paperscope.read.namesake_memo import NamesakeMemo
from paperscope.read.people import summary_json
from paperscope.read.person_records import parse_person_key
from paperscope.store import Store
from paperscope.store.changes import start_refresh, unchanged_since
from paperscope.store.ids import in_list
from paperscope.store.metrics_schema import author_page_snapshots
from paperscope.store.schema import authorships, people

MIN_WORKS = 100
"""Pages of people and names with at least this many works are stored. Below it a page is
computed in tens of milliseconds on a first visit (the median names at a million works:
28-175 ms, with their namesakes); storing every page would cost the refresh as much again
for little."""

_BATCH = 200
CHUNK = 20
"""Keys per task a worker process computes: small enough that the few pages of thousands
of works (taken first) spread over the workers, large enough that handing tasks over is
cheap beside computing them."""
_AHEAD = 4
"""Tasks handed out per worker before the first unfinished one is written: finished pages
wait in memory only this far."""


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
    workers: int = 1


@dataclass(frozen=True, slots=True)
class _Refresh:
    """What every task of one refresh is computed with."""

    version: int
    today: date
    wanted: frozenset[str]
    """The person keys whose pages are stored (a name's page brings its top person's)."""


@dataclass(frozen=True, slots=True)
class _Computed:
    """One task's stored rows, in order, and the keys that had no page any more."""

    rows: tuple[dict[str, object], ...]
    skipped: int


def refresh_pages(
    store: Store,
    *,
    today: date | None = None,
    min_works: int = MIN_WORKS,
    progress: Progress = SILENT,
    workers: int = 1,
) -> PagesReport:
    """Store the page of every printed name and every person with at least `min_works`
    works, replacing the pages stored before.

    With `workers` > 1 the pages are computed in that many processes (computing a profile
    is Python, one core each) and written here; the stored pages are the same."""
    started = time.perf_counter()
    today = today or date.today()
    with store.transaction() as connection:
        version = start_refresh(connection)
    with store.connect() as connection:
        names, person_keys = _candidates(connection, min_works)
        progress.start("pages", len(names) + len(person_keys))
        refresh = _Refresh(version, today, frozenset(person_keys))
        workers = max(1, min(workers, -(-(len(names) + len(person_keys)) // CHUNK)))
        written = _Written(connection)
        with _PageComputer(store, refresh, workers) as computer:
            # Names first: each brings its top person's page; then the people none reached.
            for kind, keys in (("printed", names), ("person", person_keys)):
                todo = [key for key in keys if key not in written.keys]
                progress.advance(len(keys) - len(todo))
                for computed, size in computer.computed(kind, todo, connection):
                    written.add(computed)
                    progress.advance(size)
        written.flush()
        connection.execute(
            delete(author_page_snapshots).where(author_page_snapshots.c.content_version != version)
        )
        current = unchanged_since(connection, version)
        connection.commit()
    return PagesReport(
        version,
        written.counts["printed"],
        written.counts["person"],
        written.counts["skipped"],
        round(time.perf_counter() - started, 1),
        current,
        workers,
    )


def _candidates(connection: Connection, min_works: int) -> tuple[list[str], list[str]]:
    """Name keys printed on at least `min_works` works, most works first, and the keys of
    the people (resolved or provisional) with at least that many, by name (`_by_name`)."""
    names = _with_works(connection, authorships.c.name_key, min_works)
    resolved = _with_works(
        connection, authorships.c.person_id, min_works, authorships.c.person_id.is_not(None)
    )
    provisional = _with_works(
        connection, authorships.c.name_key, min_works, authorships.c.person_id.is_(None)
    )
    printed = [str(key) for key, _ in names if parse_person_key(str(key)) is None]
    return printed, _by_name(connection, resolved, provisional)


def _by_name(
    connection: Connection, resolved: list[tuple[Any, int]], provisional: list[tuple[Any, int]]
) -> list[str]:
    """Person keys with the people of one name together: their pages show the same
    namesakes, which a worker then summarises once (`NamesakeMemo` keeps the latest). The
    names come in the order of their most prolific person, each name's people most works
    first, so the largest pages are still taken first."""
    canonical = dict(
        connection.execute(
            select(people.c.id, people.c.canonical_name).where(
                in_list(people.c.id, [person_id for person_id, _ in resolved])
            )
        ).all()
    )
    found = [
        (f"person:{each}", name_key(canonical.get(each) or ""), works) for each, works in resolved
    ]
    found += [(f"name:{each}", str(each), works) for each, works in provisional]
    grouped: dict[str, list[str]] = {}
    for key, name, _ in sorted(found, key=itemgetter(2), reverse=True):
        grouped.setdefault(name, []).append(key)
    return [key for keys in grouped.values() for key in keys]


def _with_works(
    connection: Connection,
    column: ColumnElement[Any],
    min_works: int,
    where: ColumnElement[bool] | None = None,
) -> list[tuple[Any, int]]:
    """Values of `column` on the authorships of at least `min_works` works, with their
    works, most first."""
    works = func.count(func.distinct(authorships.c.work_id))
    query = select(column, works).group_by(column).having(works >= min_works)
    if where is not None:
        query = query.where(where)
    rows = connection.execute(query.order_by(works.desc(), column))
    return [(value, int(count)) for value, count in rows]


def _compute(
    connection: Connection, refresh: _Refresh, kind: str, keys: list[str], memo: NamesakeMemo
) -> _Computed:
    """The stored rows of these names' or people's pages; a name's page brings its top
    person's page when that person's is wanted. `memo` holds the namesakes this process
    summarised for earlier pages: a common name's people each show the same twenty."""
    rows: list[dict[str, object]] = []
    skipped = 0
    for key in keys:
        try:
            if kind == "printed":
                page = author_page(connection, name=key, today=refresh.today, memo=memo)
            else:
                page = author_page(connection, key=key, today=refresh.today, memo=memo)
        except NotFoundError:
            skipped += 1
            continue
        rows.append(_row(f"printed:{key}" if kind == "printed" else key, page, refresh))
        own = page.profile.person.person_key
        if kind == "printed" and own in refresh.wanted:
            rows.append(_row(own, person_page(connection, page.profile, memo=memo), refresh))
    connection.rollback()  # ends the read transaction (on PostgreSQL: its snapshot)
    return _Computed(tuple(rows), skipped)


_worker_store: Store | None = None
_worker_refresh: _Refresh | None = None
_worker_memo: NamesakeMemo | None = None


def _start_worker(url: str, refresh: _Refresh) -> None:
    global _worker_store, _worker_refresh, _worker_memo
    _worker_store = Store.open(url, migrate=False)
    _worker_refresh = refresh
    _worker_memo = NamesakeMemo()
    end_with_parent()


def _compute_in_worker(kind: str, keys: list[str]) -> _Computed:
    assert _worker_store is not None and _worker_refresh is not None, "worker not started"
    assert _worker_memo is not None, "worker not started"
    with _worker_store.connect() as connection:
        return _compute(connection, _worker_refresh, kind, keys, _worker_memo)


class _PageComputer:
    """Computes tasks of `CHUNK` keys in `workers` spawned processes (in place, on the
    refreshing connection, for one), yielding each task's rows in the keys' order."""

    def __init__(self, store: Store, refresh: _Refresh, workers: int) -> None:
        self.refresh = refresh
        self.workers = workers
        self._memo = NamesakeMemo()
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            url = store.engine.url.render_as_string(hide_password=False)
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=get_context("spawn"),  # the parent holds connections
                initializer=_start_worker,
                initargs=(url, refresh),
            )

    def computed(
        self, kind: str, keys: list[str], connection: Connection
    ) -> Iterator[tuple[_Computed, int]]:
        tasks = [keys[start : start + CHUNK] for start in range(0, len(keys), CHUNK)]
        if self._pool is None:
            for task in tasks:
                yield _compute(connection, self.refresh, kind, task, self._memo), len(task)
            return
        pending: deque[tuple[Future[_Computed], int]] = deque()
        for task in tasks:
            pending.append((self._pool.submit(_compute_in_worker, kind, task), len(task)))
            if len(pending) >= _AHEAD * self.workers:
                future, size = pending.popleft()
                yield future.result(), size
        while pending:
            future, size = pending.popleft()
            yield future.result(), size

    def __enter__(self) -> _PageComputer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _row(key: str, page: AuthorPage, refresh: _Refresh) -> dict[str, object]:
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
        "content_version": refresh.version,
        "definition_version": VERSION,
        "computed_on": refresh.today,
        "ai_score_inputs": ai_score_inputs(profile.entries, refresh.today),
        "body": snapshot_json().dump_json(body).decode(),
        "by_date": order["date"],
        "by_score": order["score"],
        "by_citations": order["citations"],
        # The person's summary, for the lists that show it (`read.people.stored_summaries`);
        # a name's page is stored under the name, not its top person.
        "summary": (
            summary_json().dump_json(profile.person).decode()
            if profile.person.person_key == key
            else None
        ),
    }


class _Written:
    """The pages stored so far, written in batches; a page computed twice (two printed
    names with the same top person) is stored once, the first time."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.keys: set[str] = set()
        self.counts = {"printed": 0, "person": 0, "skipped": 0}
        self._batch: list[dict[str, object]] = []

    def add(self, computed: _Computed) -> None:
        self.counts["skipped"] += computed.skipped
        for row in computed.rows:
            key = str(row["page_key"])
            if key in self.keys:
                continue
            self.keys.add(key)
            self.counts["printed" if key.startswith("printed:") else "person"] += 1
            self._batch.append(row)
        if len(self._batch) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        connection, rows, self._batch = self.connection, self._batch, []
        connection.commit()  # ends the transaction the pages were read in
        if not rows:
            return
        keys = [str(row["page_key"]) for row in rows]
        connection.execute(
            delete(author_page_snapshots).where(in_list(author_page_snapshots.c.page_key, keys))
        )
        connection.execute(insert(author_page_snapshots), rows)
        connection.commit()


__all__ = ["MIN_WORKS", "PagesReport", "refresh_pages"]

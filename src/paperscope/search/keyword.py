"""Keyword search: SQLite FTS5 (BM25) or PostgreSQL full text (tsvector + GIN), one interface.

Fields: title (weighted highest), abstract, authors, venue. The index is kept in step with
the works by a queue: triggers (see migration 0002_search) add a work to ``search_pending``
whenever it is inserted, deleted or its title, abstract, venue or authorships change;
``refresh_keyword_index`` re-indexes exactly the queued works. The ingest stage runs it last,
so results are never stale after an ingest, a re-ingest or a merge; searching only reads.

Each refresh also moves the ``keyword`` generation on and logs the works it re-indexed, in
the transaction that dequeues them: a BM25 index beside the database (search.bm25) built at
another generation is not used, and catches up with the logged works. Unfiltered searches
are ranked by that index when it is in step, the others here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.sql.elements import True_

from paperscope.search.bm25 import Bm25Index, bound_log, keyword_generation, log_refresh
from paperscope.search.filters import SearchFilters, conditions_of, filter_terms
from paperscope.search.indexed_text import AUTHORS, works_text_sql
from paperscope.search.query import ParsedQuery, fts5_expression
from paperscope.store import Store
from paperscope.store.ids import in_list
from paperscope.store.schema import works
from paperscope.store.search_schema import search_pending

REFRESH_BATCH = 5000

# BM25 column weights (title, abstract, authors, venue); tuned on ACM-CR dev contexts.
FTS5_WEIGHTS = (3.0, 1.0, 1.0, 0.5)
# ts_rank weights for the labels {D, C, B, A}: abstract D, venue C, authors B, title A.
PG_WEIGHTS = "{0.3, 0.2, 0.4, 1.0}"

_PG_DOCUMENT = (
    "setweight(to_tsvector('english', coalesce(w.title, '')), 'A') || "
    f"setweight(to_tsvector('simple', {AUTHORS['postgresql']}), 'B') || "
    "setweight(to_tsvector('english', coalesce(w.venue, '')), 'C') || "
    "setweight(to_tsvector('english', coalesce(w.abstract, '')), 'D')"
)


def _reindex_sqlite(connection: Connection, ids: list[int]) -> None:
    marks = ", ".join(str(int(i)) for i in ids)  # integers from our own table
    connection.exec_driver_sql(f"DELETE FROM works_fts WHERE rowid IN ({marks})")
    connection.exec_driver_sql(
        "INSERT INTO works_fts (rowid, title, abstract, venue, authors) "
        f"{works_text_sql('sqlite')} WHERE w.id IN ({marks})"
    )


def _reindex_postgresql(connection: Connection, ids: list[int]) -> None:
    connection.execute(
        text(
            f"INSERT INTO works_tsv (work_id, document) SELECT w.id, {_PG_DOCUMENT} "
            "FROM works w WHERE w.id = ANY(:ids) "
            "ON CONFLICT (work_id) DO UPDATE SET document = excluded.document"
        ),
        {"ids": ids},
    )


def refresh_keyword_index(
    store: Store,
    progress: Callable[[int], None] | None = None,
    *,
    workers: int = 1,
    until: threading.Event | None = None,
) -> int:
    """Re-index every queued work (deleted works leave the index); return how many.

    `workers` > 1 on PostgreSQL: that many connections re-index at once, each taking its own
    chunks of the queue (`FOR UPDATE SKIP LOCKED`). The server computes every document's
    tsvector, which after a 100k-work ingest took 15.5 s in one connection on this 2-core
    machine while the other core sat idle. SQLite has one writer: one connection there.

    `until`: once it is set, no further chunk is taken (the one under way is finished); the
    works left stay queued for the next refresh.
    """
    done = [0]
    lock = threading.Lock()

    def counted(count: int) -> None:
        with lock:
            done[0] += count
            if progress:
                progress(done[0])

    with store.transaction() as connection:  # the row exists before workers update it
        keyword_generation(connection)
    if store.dialect != "postgresql" or workers <= 1:
        reindexed = _refresh_chunks(store, counted, until)
    else:
        with ThreadPoolExecutor(workers, thread_name_prefix="paperscope-reindex") as pool:
            chunks = [pool.submit(_refresh_chunks, store, counted, until) for _ in range(workers)]
            reindexed = sum(chunk.result() for chunk in chunks)
    if reindexed:
        with store.transaction() as connection:
            bound_log(connection)
    return reindexed


def _refresh_chunks(
    store: Store, chunk_done: Callable[[int], None], until: threading.Event | None
) -> int:
    """Take `REFRESH_BATCH` queued works at a time, in one transaction each, until none are
    left (or `until` is set); return how many this connection re-indexed."""
    done = 0
    postgresql = store.dialect == "postgresql"
    reindex = _reindex_postgresql if postgresql else _reindex_sqlite
    while until is None or not until.is_set():
        with store.transaction() as connection:
            queued = (
                select(search_pending.c.work_id)
                .order_by(search_pending.c.work_id)
                .limit(REFRESH_BATCH)
            )
            if postgresql:  # rows another connection took are passed over, not waited for
                queued = queued.with_for_update(skip_locked=True)
            ids = list(connection.execute(queued).scalars())
            if not ids:
                return done
            # Dequeue first: a concurrent change re-queues the work after we commit.
            connection.execute(
                search_pending.delete().where(in_list(search_pending.c.work_id, ids))
            )
            reindex(connection, ids)
            # Last, so that concurrent chunks wait for this row's lock only until commit.
            log_refresh(connection, ids)
        done += len(ids)
        chunk_done(len(ids))
    return done


def pending_count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(search_pending)).scalar_one())


@dataclass(frozen=True, slots=True)
class KeywordPage:
    ids: tuple[int, ...]
    scores: tuple[float, ...]
    total: int


_FTS = table("works_fts", column("rowid"))
_TSV = table("works_tsv", column("work_id"), column("document"))


def _tsquery(query: ParsedQuery, operator: str) -> Any:
    parts: list[Any] = []
    for term in query.terms:
        words = " ".join(term.words)
        if term.prefix:
            # A \w+ word (no tsquery operator can be in it) with the prefix marker.
            parts.append(func.to_tsquery("english", bindparam(None, words) + ":*"))
        elif term.is_phrase:
            parts.append(func.phraseto_tsquery("english", bindparam(None, words)))
        else:
            parts.append(func.plainto_tsquery("english", bindparam(None, words)))
        # author names are indexed unstemmed ('simple'): match them as typed too
        if not term.prefix:
            parts[-1] = parts[-1].op("||")(func.phraseto_tsquery("simple", bindparam(None, words)))
    combined = parts[0]
    joiner = "&&" if operator == "AND" else "||"
    for part in parts[1:]:
        combined = combined.op(joiner)(part)
    return combined


@dataclass(frozen=True, slots=True)
class _Match:
    """What matches a query on one database: the index table alone, its work id column, the
    match condition and the relevance score (both on the index table)."""

    index: Any
    work_id: Any
    condition: Any
    score: Any


def _matching(connection: Connection, query: ParsedQuery, operator: str) -> _Match:
    if connection.dialect.name == "postgresql":
        tsq = _tsquery(query, operator)
        pg_weights: Any = literal_column(f"'{PG_WEIGHTS}'::float4[]")
        score: Any = func.ts_rank(pg_weights, _TSV.c.document, tsq)
        return _Match(_TSV, _TSV.c.work_id, _TSV.c.document.op("@@")(tsq), score)
    weights = ", ".join(str(w) for w in FTS5_WEIGHTS)
    score = literal_column(f"-bm25(works_fts, {weights})")
    condition = text("works_fts MATCH :match").bindparams(match=fts5_expression(query, operator))
    return _Match(_FTS, _FTS.c.rowid, condition, score)


def _joined(match: _Match) -> tuple[Any, Any]:
    """The matches joined to `works` (for filters on works), and the id column to use."""
    return works.join(match.index, match.work_id == works.c.id), works.c.id


def index_in_step(connection: Connection) -> bool:
    """Whether the index holds exactly the works: no work is queued for re-indexing (the
    triggers queue works as their indexed text changes; the ingest stage empties the queue
    as its last step)."""
    return connection.execute(select(search_pending.c.work_id).limit(1)).first() is None


def _filtered(where: list[ColumnElement[bool]]) -> bool:
    """Whether ``where`` holds a condition (conditions_of gives ``[true()]`` for none)."""
    return any(not isinstance(condition, True_) for condition in where)


def keyword_page(
    connection: Connection,
    query: ParsedQuery,
    filters: SearchFilters,
    limit: int,
    offset: int = 0,
    operator: str = "AND",
    count: bool = True,
    bm25: Bm25Index | None = None,
    excluded: frozenset[int] = frozenset(),
) -> KeywordPage:
    """Best-first work ids matching ``query`` (all terms, or any with ``operator="OR"``) and
    ``filters``, without the ``excluded`` works; QueryError for a malformed filter.

    ``bm25`` ranks and counts when it is in step with the works (top-k pruning, the filters
    inside it: search.bm25). Else the native index does: without filters in the index alone,
    as joining every match to `works` before sorting them doubled the time of a common query
    (bench/keyword_scale.py).
    """
    terms = filter_terms(filters)
    if bm25 is not None:
        snapshot = bm25.in_step(connection)
        found = None
        if snapshot is not None:
            found = snapshot.page(query, operator, limit, offset, count, terms, excluded)
        if found is not None:
            hits, total = found
            return KeywordPage(
                ids=tuple(w for w, _ in hits), scores=tuple(s for _, s in hits), total=total
            )
    where = conditions_of(terms)
    if excluded:
        where = [*where, ~in_list(works.c.id, sorted(excluded))]
    filtered = _filtered(where)
    match = _matching(connection, query, operator)
    if filtered or not index_in_step(connection):
        source, work_id = _joined(match)
    else:
        source, work_id = match.index, match.work_id
    conditions = and_(match.condition, *where)
    ranked = (
        select(work_id, match.score.label("score"))
        .select_from(source)
        .where(conditions)
        .order_by(literal_column("score").desc(), work_id)
        .limit(limit)
        .offset(offset)
    )
    rows = connection.execute(ranked).all()
    total = len(rows) + offset
    if count and (len(rows) == limit or offset):
        counted = select(func.count()).select_from(source).where(conditions)
        total = int(connection.execute(counted).scalar_one())
    return KeywordPage(
        ids=tuple(int(r[0]) for r in rows), scores=tuple(float(r[1]) for r in rows), total=total
    )


def matching_ids(
    connection: Connection,
    query: ParsedQuery,
    where: list[ColumnElement[bool]],
    after: int,
    limit: int,
) -> list[int]:
    """Ids above `after` of the works matching every term of ``query``, in id order: a whole
    result set read page by page (an export), without ranking it."""
    match = _matching(connection, query, "AND")
    joined, _ = _joined(match)
    page = (
        select(works.c.id)
        .select_from(joined)
        .where(match.condition, works.c.id > after, *where)
        .order_by(works.c.id)
        .limit(limit)
    )
    return [int(work_id) for work_id in connection.execute(page).scalars()]


__all__ = [
    "KeywordPage",
    "index_in_step",
    "keyword_page",
    "matching_ids",
    "pending_count",
    "refresh_keyword_index",
]

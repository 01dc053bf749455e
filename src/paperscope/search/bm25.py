"""A BM25 keyword index beside the database (tantivy), for unfiltered keyword ranking at scale.

The native indexes (SQLite FTS5, PostgreSQL full text) rank every matching work before they
can return the best 20: at a million works a common topic matches 100k-300k works and its
first visit took 0.2-1.8 s on PostgreSQL. tantivy prunes with block-max WAND and counts
exactly, in 0-8 ms (docs/operations.md). It is an index *beside* the database, like the
faiss vectors, and never the record of anything:

- **In step or unused.** Every refresh of the native index bumps the ``keyword`` generation in
  ``search_state`` in the same transaction that dequeues its works (search.keyword). An index
  built at generation G answers only while the database is at G with nothing queued;
  otherwise the native index answers (slower, never stale) until it has caught up.
- **Caught up, published atomically.** Each refresh logs the works it re-indexed under the
  generation it moved to (``search_changes``). A build starts from the newest folder it has,
  as hard links (tantivy never rewrites a file), deletes and re-adds the works logged since,
  and renames the new folder to ``f<format>-g<generation>``; with no folder, a log cut short,
  or more than ``CATCH_UP_LIMIT`` works to redo, it reads every work instead. Readers only
  ever open complete folders, and one build at a time runs per folder (a file lock).
  `paperscope ingest` brings it up to date after its refresh; `paperscope serve` does so in
  the background when it finds it behind.
- **Filters inside.** Each work's categories, dates, code, venue and authors' name keys are
  indexed with it (search.bm25_filters), so a filtered search is ranked and counted here too,
  with the scores of the unfiltered one; triggers queue a work when any of them change
  (migration 0022). Works to leave out (an evaluation's hidden works) are excluded by id.
  The category, date, code and venue facts are also kept as columns in the folder
  (search.filter_facts), for the works a filter keeps without reading them out of tantivy.

Matching follows the native indexes: every term (or any, for ``OR``) must occur in the
title, abstract, authors or venue; a quoted phrase in order within one field; ``word*`` as
a prefix of an indexed (stemmed) word. Words are lower-cased, accent-folded and stemmed
(Snowball English). The four fields are not boosted: a 3x title boost cost ACM-CR recall@10
seven points in the measurement that chose this engine (docs/search.md).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import tantivy
from sqlalchemy import Connection, delete, func, select, text, update

from paperscope.config import Settings
from paperscope.embeddings.faiss_index import index_dir
from paperscope.embeddings.vectors import bump_generation, generation
from paperscope.search.bm25_filters import (
    WorkFacts,
    add_filter_fields,
    can_filter,
    facet_fields,
    filter_query,
    unindexed_fields,
)
from paperscope.search.filter_facts import FACTS_FILE, FactsBuilder, FilterFacts
from paperscope.search.filters import FilterTerms
from paperscope.search.indexed_text import works_document_sql
from paperscope.search.kept_ids import KeptIds, found_among
from paperscope.search.query import ParsedQuery, Term
from paperscope.store import Store
from paperscope.store.search_schema import search_changes, search_pending, search_state
from paperscope.store.upsert import insert_ignore, insert_rows

KEYWORD_STATE = "keyword"
"""The row of ``search_state`` whose generation counts refreshes of the keyword index."""
KEYWORD_LOG = "keyword-log"
"""The row of ``search_state`` holding the generation after which ``search_changes`` is whole."""
FORMAT = 2
"""The folders' schema and analyzer: a folder of another format is never read (2: filters)."""
RETRY_AFTER = 60
"""Seconds a server waits after a failed background build before it tries again."""
CATCH_UP_LIMIT = 100_000
"""Above this many changed works, a build reads every work rather than catch up; the log is
cut then too (at a million works reading them all takes ~30 s)."""

FIELDS = ("title", "abstract", "authors", "venue")
ANALYZER = "paperscope_english"
WRITER_HEAP = 200_000_000  # bytes; 1M works indexed with a 1 GB heap in 26 s (probe)
BUILD_BATCH = 10_000
MAX_TOKEN_CHARS = 40

_LOG = logging.getLogger(__name__)


def _analyzer() -> Any:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("work_id", stored=True, indexed=True, fast=True)
    for name in FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=ANALYZER)
    add_filter_fields(builder)
    return builder.build()


def keyword_generation(connection: Connection) -> int:
    """The keyword generation, its row created first if missing. It starts at a random
    number, not 1: a database dropped and made again under the same URL must not find the
    folder of its predecessor's generation 1 in step with it."""
    current = generation(connection, KEYWORD_STATE)
    if current:
        return current
    start = secrets.randbelow(1 << 40) + 1
    rows = [{"model": name, "generation": start} for name in (KEYWORD_STATE, KEYWORD_LOG)]
    insert_ignore(connection, search_state, rows, ["model"])
    return generation(connection, KEYWORD_STATE)


def log_refresh(connection: Connection, ids: list[int]) -> None:
    """Move the keyword generation on and log `ids` as re-indexed at the new one (in the
    transaction that dequeued them)."""
    bump_generation(connection, KEYWORD_STATE)
    moved_to = generation(connection, KEYWORD_STATE)
    insert_rows(connection, search_changes, [{"generation": moved_to, "work_id": i} for i in ids])


def cut_log(connection: Connection, upto: int) -> None:
    """Forget the changes up to generation `upto`: an index older than that reads every work."""
    connection.execute(delete(search_changes).where(search_changes.c.generation <= upto))
    changed = connection.execute(
        update(search_state).where(search_state.c.model == KEYWORD_LOG).values(generation=upto)
    ).rowcount
    if not changed:  # a keyword generation made before the log existed
        insert_ignore(
            connection, search_state, [{"model": KEYWORD_LOG, "generation": upto}], ["model"]
        )


def bound_log(connection: Connection) -> None:
    """Cut the log when it holds more than `CATCH_UP_LIMIT` changes: no build would catch up
    over them, and a database whose BM25 index is off never builds (which cuts it too)."""
    logged = connection.execute(select(func.count()).select_from(search_changes)).scalar_one()
    if logged > CATCH_UP_LIMIT:
        cut_log(connection, generation(connection, KEYWORD_STATE))


@dataclass(frozen=True, slots=True)
class Bm25Snapshot:
    """One complete index folder, opened: the works as they were at `generation`."""

    generation: int
    index: Any
    searcher: Any
    analyzer: Any
    unindexed: frozenset[str]
    """Filter fields some work has a value of too long to index (search.bm25_filters)."""
    facts: FilterFacts | None = field(default=None, compare=False, repr=False)
    """The category, date, code and venue facts of its works as columns
    (search.filter_facts); None for a folder built before they were."""
    kept: KeptIds = field(default_factory=KeptIds, compare=False, repr=False)
    """The ids recently used filters keep, read once for this snapshot (search.kept_ids)."""

    @property
    def size(self) -> int:
        return int(self.searcher.num_docs)

    @classmethod
    def open(cls, folder: Path, generation: int) -> Bm25Snapshot:
        index = tantivy.Index.open(str(folder))
        analyzer = _analyzer()
        index.register_tokenizer(ANALYZER, analyzer)
        searcher = index.searcher()
        unindexed = unindexed_fields(searcher, index.schema)
        facts = FilterFacts.load(folder)
        return cls(generation, index, searcher, analyzer, unindexed, facts)

    def page(
        self,
        query: ParsedQuery,
        operator: str,
        limit: int,
        offset: int,
        count: bool,
        filters: FilterTerms | None = None,
        excluded: frozenset[int] = frozenset(),
    ) -> tuple[list[tuple[int, float]], int] | None:
        """(best-first (work id, score), how many match), or None when the query has a term
        the analyzer leaves no word of, or a filter tests values this index could not hold
        (the native index decides those). `excluded` works are left out."""
        compiled = self._query(query, operator)
        if compiled is None:
            return None
        conditions = [(tantivy.Occur.Must, compiled)]
        if filters is not None:
            if not can_filter(filters, self.unindexed):
                return None
            filtered = filter_query(self.index.schema, filters)
            if filtered is not None:
                conditions.append((tantivy.Occur.Must, filtered))
        if excluded:
            ids = tantivy.Query.term_set_query(self.index.schema, "work_id", sorted(excluded))
            conditions.append((tantivy.Occur.MustNot, ids))
        if len(conditions) > 1:
            compiled = tantivy.Query.boolean_query(conditions)
        found = self.searcher.search(compiled, limit, count=count, offset=offset)
        ranked = [
            (int(self.searcher.doc(address)["work_id"][0]), float(score))
            for score, address in found.hits
        ]
        # Ties in id order, as the native indexes break them.
        ranked.sort(key=lambda hit: (-hit[1], hit[0]))
        total = int(found.count) if count else offset + len(ranked)
        return ranked, total

    def filtered_count(self, filters: FilterTerms) -> int | None:
        """How many works pass `filters` (every work without one); None when a filter tests
        values this index could not hold."""
        if not can_filter(filters, self.unindexed):
            return None
        passing = filter_query(self.index.schema, filters)
        if passing is None:
            return self.size
        remembered = self.kept.get(filters)
        if remembered is not None:
            return len(remembered)
        facts = self._facts_for(filters)
        if facts is not None:  # the ids as cheap as the count: remembered
            return len(self._kept_by(facts, filters))
        return int(self.searcher.search(passing, 1, count=True).count)

    def filtered_ids(
        self, filters: FilterTerms, among: Sequence[int] | None = None, count: int | None = None
    ) -> npt.NDArray[np.int64] | None:
        """The ids of the works that pass `filters` (of those `among` the ids given): from
        the facts' columns unless an author is filtered on (a few milliseconds at a
        million works), else from the index's fast field (114k ids in 30-50 ms at a million
        works, where PostgreSQL took 0.2 s); None as for `filtered_count`, or when no filter
        is set. All the ids a filter keeps are remembered for the next search under it
        (`self.kept`), read-only. In ascending order (those `among`: in their order when
        found on the columns). `count`: how many pass, when the
        caller has counted them already (`filtered_count`: up to 11 ms for a date range at
        a million works)."""
        passing = filter_query(self.index.schema, filters)
        if passing is None or not can_filter(filters, self.unindexed):
            return None
        if among is None:
            remembered = self.kept.get(filters)
            if remembered is not None:
                return remembered
            facts = self._facts_for(filters)
            if facts is not None:
                return self._kept_by(facts, filters)
            if count is None:
                count = int(self.searcher.search(passing, 1, count=True).count)
            wanted = count
        elif not among:
            return np.zeros(0, dtype=np.int64)
        elif (facts := self._facts_for(filters)) is not None:
            return found_among(self._kept_by(facts, filters), np.asarray(among, dtype=np.int64))
        else:
            listed = tantivy.Query.term_set_query(self.index.schema, "work_id", list(among))
            passing = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, listed), (tantivy.Occur.Must, passing)]
            )
            wanted = len(among)
        found = self.searcher.search(
            passing, max(wanted, 1), count=False, order_by_field="work_id", order=tantivy.Order.Asc
        )
        # The keys taken in C (`itemgetter`): a generator unpacking each hit made reading
        # 114k ids take 57-68 ms in all; now 33-36 ms (the search itself ~10 ms of it).
        ids = np.array(list(map(itemgetter(0), found.hits)), dtype=np.int64)
        return self.kept.put(filters, ids) if among is None else ids

    def _facts_for(self, filters: FilterTerms) -> FilterFacts | None:
        """The facts' columns when they can test every filter set."""
        return self.facts if self.facts is not None and FilterFacts.answers(filters) else None

    def _kept_by(self, facts: FilterFacts, filters: FilterTerms) -> npt.NDArray[np.int64]:
        """The filter's ids, remembered, else found on the columns and remembered."""
        remembered = self.kept.get(filters)
        if remembered is not None:
            return remembered
        return self.kept.put(filters, facts.passing(filters))

    def _query(self, query: ParsedQuery, operator: str) -> Any | None:
        occur = tantivy.Occur.Must if operator == "AND" else tantivy.Occur.Should
        parts = []
        for term in query.terms:
            matched = self._term(term)
            if matched is None:
                return None
            parts.append((occur, matched))
        return tantivy.Query.boolean_query(parts)

    def _term(self, term: Term) -> Any | None:
        """The term in any of the fields, or None if it has no indexable word."""
        words: list[str | tuple[int, str]] = [
            str(word) for word in self.analyzer.analyze(" ".join(term.words))
        ]
        if not words:
            return None
        schema = self.index.schema
        if term.prefix:
            pattern = re.escape(str(words[-1])) + ".*"
            fields = [tantivy.Query.regex_query(schema, name, pattern) for name in FIELDS]
        elif len(words) == 1:
            fields = [tantivy.Query.term_query(schema, name, words[0]) for name in FIELDS]
        else:
            fields = [tantivy.Query.phrase_query(schema, name, words) for name in FIELDS]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in fields])


class Bm25Index:
    """The BM25 index of one database, as one process sees it (see the module docstring).

    `heal`: when a search finds the index behind the database, rebuild it in a background
    thread (the server sets it; a one-off CLI search does not wait 30 s for a rebuild).
    """

    def __init__(self, store: Store, directory: Path) -> None:
        self.store = store
        self.directory = directory
        self.heal = False
        self._snapshot: Bm25Snapshot | None = None
        self._lock = threading.Lock()
        self._healing: threading.Thread | None = None
        self._retry_at = 0.0
        self.last_build: tuple[str, int] = ("none", 0)
        """How this process's last build went: "all" or "caught up" and the works written,
        or "none" when a folder of the database's generation was there already."""

    def in_step(self, connection: Connection) -> Bm25Snapshot | None:
        """The snapshot that holds exactly the works now, or None (search natively)."""
        current = generation(connection, KEYWORD_STATE)
        if not current:  # never refreshed nor built: nothing to be in step with
            return None
        if connection.execute(select(search_pending.c.work_id).limit(1)).first() is not None:
            return None  # works wait to be re-indexed: the native index has them first
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.generation != current:
                snapshot = self._load(current)
                if snapshot is not None:
                    self._snapshot = snapshot
        if snapshot is None and self.heal:
            self.rebuild_in_background()
        return snapshot

    def folder(self, wanted: int) -> Path:
        """Where the snapshot of generation `wanted` is (or would be) kept."""
        return self.directory / f"f{FORMAT}-g{wanted}"

    def _load(self, wanted: int) -> Bm25Snapshot | None:
        folder = self.folder(wanted)
        if not folder.is_dir():
            return None
        try:
            return Bm25Snapshot.open(folder, wanted)
        except (OSError, ValueError):  # removed or damaged: rebuilt on the next build
            return None

    def rebuild(self, wait: bool = True) -> Bm25Snapshot | None:
        """Bring the index up to the database's generation (catching up from the newest
        folder, or reading every work), unless a folder of it exists; return it. With
        `wait=False`, return None at once when another build (this process or another)
        holds the lock."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "build.lock", "w") as lock:
            flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
            try:
                fcntl.flock(lock, flags)
            except BlockingIOError:
                return None
            return self._build_locked()

    def _build_locked(self) -> Bm25Snapshot:
        with self.store.transaction() as connection:
            current = keyword_generation(connection)
            whole_after = generation(connection, KEYWORD_LOG)
        existing = self._load(current)
        if existing is not None:
            self.last_build = ("none", 0)
            self._publish(existing)
            return existing
        partial = self.directory / f"building-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        base = self._newest_before(current)
        changed = None
        if base is not None and whole_after and base.generation >= whole_after:
            changed = self._changed(base.generation, current)
        if base is None or changed is None or base.facts is None:
            self.last_build = ("all", self._write_all(partial))
        else:
            caught_up = self._catch_up(base, base.facts, partial, changed)
            self.last_build = ("caught up", caught_up)
        folder = self.folder(current)
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
        snapshot = Bm25Snapshot.open(folder, current)
        self._publish(snapshot)
        self._remove_others(keep=folder)
        with self.store.transaction() as connection:
            cut_log(connection, current)
        return snapshot

    def _newest_before(self, current: int) -> Bm25Snapshot | None:
        built = []
        for folder in self.directory.glob(f"f{FORMAT}-g*"):
            number = folder.name.rpartition("-g")[2]
            if number.isdigit() and int(number) < current:
                built.append(int(number))
        for candidate in sorted(built, reverse=True):
            snapshot = self._load(candidate)
            if snapshot is not None:
                return snapshot
        return None

    def _changed(self, since: int, upto: int) -> list[int] | None:
        """The works re-indexed after generation `since` up to `upto`; None when there are
        more than `CATCH_UP_LIMIT` (reading every work is then about as fast)."""
        query = (
            select(search_changes.c.work_id)
            .where(search_changes.c.generation > since, search_changes.c.generation <= upto)
            .distinct()
            .limit(CATCH_UP_LIMIT + 1)
        )
        with self.store.connect() as connection:
            ids = sorted(int(i) for i in connection.execute(query).scalars())
            # A refresh elsewhere may have cut the log meanwhile (`bound_log`): read after
            # the ids, a floor past `since` means they may be missing some.
            cut = generation(connection, KEYWORD_LOG) > since
        return None if cut or len(ids) > CATCH_UP_LIMIT else ids

    def _writer(self, folder: Path, create: bool) -> tuple[Any, Any]:
        if create:
            index = tantivy.Index(_schema(), path=str(folder))
        else:
            index = tantivy.Index.open(str(folder))
        index.register_tokenizer(ANALYZER, _analyzer())
        return index, index.writer(heap_size=WRITER_HEAP, num_threads=1)

    def _write_all(self, folder: Path) -> int:
        _, writer = self._writer(folder, create=True)
        facts = FactsBuilder()
        written = self._add(writer, "", facts)
        writer.commit()
        writer.wait_merging_threads()
        facts.done().save(folder)
        return written

    def _catch_up(
        self, base: Bm25Snapshot, base_facts: FilterFacts, partial: Path, changed: list[int]
    ) -> int:
        """The base folder as hard links (tantivy writes new segments beside the old ones
        and replaces its description by a rename, never rewriting a file), then the changed
        works deleted and added again as they are now (a deleted work is not); the facts
        file is written anew from the base's facts and the works added."""
        source = self.folder(base.generation)
        for part in source.iterdir():
            if part.is_file() and not part.name.endswith(".lock") and part.name != FACTS_FILE:
                try:
                    os.link(part, partial / part.name)
                except OSError:  # a file system without hard links: a copy is as good
                    shutil.copy2(part, partial / part.name)
        index, writer = self._writer(partial, create=False)
        facts = FactsBuilder()
        for start in range(0, len(changed), BUILD_BATCH):
            chunk = changed[start : start + BUILD_BATCH]
            writer.delete_documents_by_query(
                tantivy.Query.term_set_query(index.schema, "work_id", chunk)
            )
            marks = ", ".join(str(i) for i in chunk)  # integers from our own table
            self._add(writer, f" WHERE w.id IN ({marks})", facts)
        writer.commit()
        writer.wait_merging_threads()
        facts.over(base_facts, np.array(changed, dtype=np.int64)).save(partial)
        return len(changed)

    def _add(self, writer: Any, where: str, facts: FactsBuilder) -> int:
        sql = works_document_sql(self.store.dialect) + where
        written = 0
        with self.store.connect() as connection:
            rows = connection.execution_options(yield_per=BUILD_BATCH).execute(text(sql))
            for row in rows:
                work_id, title, abstract, venue, authors = row[:5]
                published, year, has_code, categories, name_keys = row[5:]
                fields = facet_fields(
                    WorkFacts(published, year, bool(has_code), venue, categories, name_keys)
                )
                writer.add_document(
                    tantivy.Document(
                        work_id=int(work_id),
                        title=title or "",
                        abstract=abstract or "",
                        venue=venue or "",
                        authors=authors or "",
                        **fields,
                    )
                )
                facts.add(int(work_id), fields)
                written += 1
        return written

    def _publish(self, snapshot: Bm25Snapshot) -> None:
        with self._lock:
            if self._snapshot is None or self._snapshot.generation <= snapshot.generation:
                self._snapshot = snapshot

    def _remove_others(self, keep: Path) -> None:
        """Older folders go (a process still reading one keeps its open files); so do the
        partial folders of builds that died, as this build holds the lock."""
        for folder in self.directory.iterdir():
            if folder != keep and folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)

    def rebuild_in_background(self) -> None:
        """Start a build in a thread, unless one runs or one failed less than
        `RETRY_AFTER` seconds ago (a full disk or a read-only folder would otherwise be
        retried on every search)."""
        with self._lock:
            if self._healing is not None and self._healing.is_alive():
                return
            if time.monotonic() < self._retry_at:
                return
            self._healing = threading.Thread(
                target=self._heal, name="paperscope-bm25-rebuild", daemon=True
            )
            self._healing.start()

    def _heal(self) -> None:
        started = time.perf_counter()
        try:
            snapshot = self.rebuild(wait=False)
        except Exception as error:  # searches stay native meanwhile
            with self._lock:
                self._retry_at = time.monotonic() + RETRY_AFTER
            _LOG.warning("keyword index not rebuilt (next try in %d s): %s", RETRY_AFTER, error)
            return
        if snapshot is not None:
            elapsed = time.perf_counter() - started
            _LOG.info("keyword index: %s works (%.1f s)", f"{snapshot.size:,}", elapsed)


_CACHE: dict[Path, Bm25Index] = {}
_CACHE_LOCK = threading.Lock()


def bm25_index(store: Store, settings: Settings) -> Bm25Index | None:
    """This process's view of the database's BM25 index, or None when settings choose the
    native ranking only (``PAPERSCOPE_KEYWORD_ENGINE=native``)."""
    if settings.keyword_engine != "bm25":
        return None
    directory = index_dir(store, settings.data_dir, KEYWORD_STATE)
    with _CACHE_LOCK:
        found = _CACHE.get(directory)
        if found is None or found.store is not store:
            found = _CACHE[directory] = Bm25Index(store, directory)
        return found


def forget_bm25_indexes() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


__all__ = [
    "KEYWORD_LOG",
    "KEYWORD_STATE",
    "Bm25Index",
    "Bm25Snapshot",
    "bm25_index",
    "bound_log",
    "cut_log",
    "forget_bm25_indexes",
    "keyword_generation",
    "log_refresh",
]

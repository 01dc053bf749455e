"""The ingest stage: files -> formats -> parsed records -> batches written to the store."""

from __future__ import annotations

import gc
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError

from paperscope.errors import MalformedRecordError, PaperscopeError, UnknownFormatError
from paperscope.ingest.counts import IngestCounts
from paperscope.ingest.items import Item
from paperscope.ingest.reader import (
    Event,
    Failed,
    FileDone,
    FileSkipped,
    FileStarted,
    Items,
    Results,
    read_events,
    read_events_in_background,
    spare_core,
)
from paperscope.ingest.references import move_pending_references, resolve_references
from paperscope.ingest.writer import BatchWriter, FileResult
from paperscope.progress import SILENT, Progress
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    Empty,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    excerpt,
)
from paperscope.sources.detect import all_formats, format_named
from paperscope.store import Store
from paperscope.store.database import refresh_statistics
from paperscope.store.schema import (
    authorships,
    code_links,
    pending_references,
    quarantine,
    references,
    reported_citations,
    source_author_works,
    source_authors,
    source_records,
    work_categories,
    work_ids,
    works,
)

BATCH_CHARS = 64 << 20
"""A batch is written once it holds this much raw text, however few records that is."""

INGEST_GC_THRESHOLDS = (50_000, 50, 100)
"""Python's cyclic collector during ingest: a first-generation pass every 50,000 new objects
rather than every 700. A batch builds millions of small objects (a record's ids and
references, the rows made of them) that all live until the batch is committed, and each
pass walks the ones still young: with the default thresholds, building the records handed
over by the reading process took three times as long as with the collector off (10.2 s
against 3.4 s for 79k OpenAlex records). Nearly all of those objects are freed by their
reference counts when a batch ends, so collecting less often does not let memory grow:
a 100k-work ingest peaked at 467 MB either way."""

BesideMove = Callable[[threading.Event], object]
"""Work for another connection while a run's reference edges are moved into `references`
(PostgreSQL only), told by the event when the move is done: the move is one statement that
keeps one core busy for minutes at a million works while the other sits idle."""

INGEST_TABLES = (
    works,
    work_ids,
    authorships,
    work_categories,
    code_links,
    reported_citations,
    references,
    source_records,
    source_authors,
    source_author_works,
    quarantine,
)
"""The tables a batch writes (and looks up before writing: `source_records` for records
already stored, `work_ids` and `works` to merge, `references` to link)."""


def counts_again_after(batches: int) -> bool:
    """Whether the planner's statistics are refreshed after the `batches`-th batch: after
    the 1st, 2nd, 4th, 8th ... so that no table outgrows its statistics more than twice
    over, at about log2(batches) refreshes a run (8 for a million works)."""
    return batches > 0 and batches & (batches - 1) == 0


# What a database says about one row it cannot store (too long for a column, out of an
# integer's range, NUL or a lone surrogate in text); a lost connection is not one of these.
_REFUSED = (StatementError, ValueError, OverflowError)


def new_run_id() -> str:
    """A sortable id of one ingest run: its UTC start time and a random suffix."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


Group = tuple[Format, list[FileResult]]


class _BatchBuffer:
    """Collects parsed records, possibly from several files, and writes them in batches.

    One batch is one transaction. Batches cross file boundaries so that an archive of many
    small files (ACM-CR's 904 BibTeX files) is not committed file by file. A batch the
    database refuses is split in halves until the record it refuses is found; that record is
    quarantined with the database's reason and the others are written.

    With a `writer` thread (PostgreSQL), a batch is written while the next one is read: the
    writing thread mostly waits for the server, and while it waits it does not hold the GIL,
    so parsing goes on. Batches are still written one at a time and in order (the next is
    handed over once the last is committed); counts and progress are kept by this thread.
    SQLite gets no such thread: its driver takes the GIL back after every row it steps, so a
    thread parsing beside it would stall every row.
    """

    def __init__(
        self,
        connection: Connection,
        *,
        strict: bool,
        batch_size: int,
        progress: Progress,
        run: str,
        writer: Executor | None = None,
    ) -> None:
        self.connection = connection
        self.strict = strict
        self.batch_size = batch_size
        self.progress = progress
        self.run = run
        self.writer = writer
        self.pending: tuple[Future[IngestCounts], int] | None = None
        self.groups: list[Group] = []
        self.size = 0
        self.chars = 0
        self.counts = IngestCounts(run=run)
        self.batches = 0

    def add(self, file_name: str, fmt: Format, result: ParseResult | Item) -> None:
        if isinstance(result, Empty):
            return
        if self.strict and isinstance(result, Malformed):
            self.finish()
            raise MalformedRecordError(file_name, result.position, result.field, result.reason)
        if not self.groups or self.groups[-1][0] != fmt:
            self.groups.append((fmt, []))
        self.groups[-1][1].append((file_name, result))
        self.size += 1
        self.chars += len(result.raw)
        if self.size >= self.batch_size or self.chars >= BATCH_CHARS:
            self.flush()

    def flush(self) -> None:
        """Write what has been collected, in one transaction (in the writer thread, if any,
        once the batch before it is written)."""
        if not self.size:
            return
        groups, size = self.groups, self.size
        self.groups, self.size, self.chars = [], 0, 0
        self.wait()
        if self.writer is None:
            self._written(self._write_batch(groups), size)
        else:
            self.pending = (self.writer.submit(self._write_batch, groups), size)

    def wait(self) -> None:
        """Wait until the batch being written is committed; its error, if any, is raised."""
        if self.pending is not None:
            future, size = self.pending
            self.pending = None
            self._written(future.result(), size)

    def finish(self) -> None:
        """Write what has been collected and wait until every batch is committed."""
        self.flush()
        self.wait()

    def _written(self, counts: IngestCounts, size: int) -> None:
        self.counts.add(counts)
        self.progress.advance(size)

    def _write_batch(self, groups: list[Group]) -> IngestCounts:
        """Write one batch; then, now and again, refresh the planner's statistics (see
        `counts_again_after`), on this connection, before the next batch is planned."""
        counts = self._write(groups)
        self.batches += 1
        if counts_again_after(self.batches):
            refresh_statistics(self.connection, INGEST_TABLES)
        return counts

    def _write(self, groups: list[Group]) -> IngestCounts:
        try:
            counts = IngestCounts()
            with self.connection.begin():
                for fmt, results in groups:
                    counts.add(BatchWriter(self.connection, fmt.name, self.run).write(results))
        except (OperationalError, InterfaceError):
            raise
        except _REFUSED as error:
            return self._split(groups, error)
        return counts

    def _split(self, groups: list[Group], error: Exception) -> IngestCounts:
        counts = IngestCounts()
        flat = [(fmt, item) for fmt, results in groups for item in results]
        if len(flat) == 1:
            fmt, (file, result) = flat[0]
            if isinstance(result, Parsed | Item):
                counts.add(self._write([(fmt, [(file, _refused(result, error))])]))
            return counts  # a quarantine row is made storable; one still refused cannot be kept
        middle = len(flat) // 2
        for half in (flat[:middle], flat[middle:]):
            counts.add(self._write(_regroup(half)))
        return counts


def _regroup(items: list[tuple[Format, FileResult]]) -> list[Group]:
    groups: list[Group] = []
    for fmt, item in items:
        if not groups or groups[-1][0] != fmt:
            groups.append((fmt, []))
        groups[-1][1].append(item)
    return groups


def _refused(parsed: Parsed | Item, error: Exception) -> Malformed:
    cause = getattr(error, "orig", None) or error
    message = " ".join(str(cause).split())
    reason = f"the database refused the record: {type(cause).__name__}: {excerpt(message, 500)}"
    return Malformed(parsed.position, None, reason, parsed.raw)


def ingest_stream(
    store: Store,
    stream: BinaryIO,
    fmt: Format,
    file_name: str,
    *,
    strict: bool = False,
    batch_size: int = 5000,
    progress: Progress = SILENT,
    limits: Limits = DEFAULT_LIMITS,
) -> IngestCounts:
    """Parse one stream and write it in batches, each batch one transaction."""
    with _batches(store, strict=strict, batch_size=batch_size, progress=progress) as buffer:
        for result in fmt.parse(stream, limits):
            buffer.add(file_name, fmt, result)
        buffer.finish()
    return buffer.counts


@contextmanager
def _batches(
    store: Store,
    *,
    strict: bool,
    batch_size: int,
    progress: Progress,
    beside_move: BesideMove | None = None,
) -> Iterator[_BatchBuffer]:
    """A buffer of one run writing on one bulk connection; once everything is written (and
    only then), the reference edges are linked, and the tables vacuumed (`Store.vacuum`)."""
    with (
        store.bulk_connection() as connection,
        _writer_for(connection) as writer,
        _collecting_less_often(),
    ):
        buffer = _BatchBuffer(
            connection,
            strict=strict,
            batch_size=batch_size,
            progress=progress,
            run=new_run_id(),
            writer=writer,
        )
        try:
            yield buffer
        except PaperscopeError:
            # Reading stopped (a file that cannot be read, a malformed record under
            # --strict): the batches written before it are kept, so are their edges.
            _link(connection, buffer.counts, beside_move)
            raise
        _link(connection, buffer.counts, beside_move)
    if _wrote(buffer.counts):
        store.vacuum(INGEST_TABLES)


def _wrote(counts: IngestCounts) -> bool:
    """Whether the run changed stored rows: a record not stored before unchanged (new,
    merged, updated or quarantined), or a reference edge linked."""
    return counts.read > counts.unchanged or counts.references_linked > 0


@contextmanager
def _collecting_less_often() -> Iterator[None]:
    """`INGEST_GC_THRESHOLDS` while ingest runs; the thresholds before it, after."""
    before = gc.get_threshold()
    gc.set_threshold(*INGEST_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def _writer_for(connection: Connection) -> Iterator[Executor | None]:
    """The thread that writes batches while the next is read: on PostgreSQL only (see
    `_BatchBuffer`). On leaving, a batch still being written is waited for."""
    if connection.dialect.name != "postgresql":
        yield None
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperscope-writer") as writer:
        yield writer


@contextmanager
def _running_beside(connection: Connection, work: BesideMove | None) -> Iterator[None]:
    """`work` in a thread while the block runs, on PostgreSQL (on SQLite the move holds the
    only write lock); told to stop when the block ends, and waited for. Its failure is
    raised once the block is done, unless the block failed: then the block's is."""
    if work is None or connection.dialect.name != "postgresql":
        yield
        return
    done = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperscope-beside") as pool:
        beside = pool.submit(work, done)
        try:
            yield
        finally:
            done.set()
    beside.result()


def _raise(failure: Failed) -> None:
    if failure.unknown_format:
        raise UnknownFormatError(failure.message)
    error = PaperscopeError(failure.message)
    error.exit_code = failure.exit_code
    raise error


def ingest_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    format_name: str | None = None,
    strict: bool = False,
    batch_size: int = 5000,
    progress: Progress = SILENT,
    limits: Limits = DEFAULT_LIMITS,
    background: bool | None = None,
    beside_move: BesideMove | None = None,
) -> IngestCounts:
    """Ingest files, folders and archives. A file named explicitly must be recognised;
    unrecognised files inside a folder or archive (READMEs, licences) are skipped and counted.
    Every quarantine row this run writes carries its id (`counts.run`).

    `background`: parse in a second process while this one writes (`True`), in this one
    (`False`), or in a second one only when a core is free for it (`None`, `spare_core`).
    `beside_move`: see `BesideMove`; run in a thread on PostgreSQL, not at all on SQLite."""
    for path in paths:
        if not path.exists():
            raise PaperscopeError(f"{path}: no such file or folder")
    if format_name:
        format_named(format_name)  # an unknown name fails here, before any work
    if background is None:
        background = spare_core()
    read = read_events_in_background if background else read_events
    with _batches(
        store, strict=strict, batch_size=batch_size, progress=progress, beside_move=beside_move
    ) as buffer:
        _read_into(buffer, read(paths, format_name, limits, prepare=True), progress)
    return buffer.counts


def _read_into(buffer: _BatchBuffer, events: Iterator[Event], progress: Progress) -> None:
    formats = {f.name: f for f in all_formats()}
    for event in events:
        if isinstance(event, Results | Items):
            fmt = formats[event.format_name]
            for result in event.results:
                buffer.add(event.name, fmt, result)
        elif isinstance(event, FileStarted):
            progress.start(f"{event.format_name}: {Path(event.name).name}")
        elif isinstance(event, FileDone):
            _file_done(event, buffer.counts, progress)
        elif isinstance(event, FileSkipped):
            buffer.counts.skipped_files += 1
            progress.note(f"skipped {event.name}: {event.reason}")
        else:  # what was read before the failure is kept, like any finished batch
            buffer.finish()
            _raise(event)
    buffer.finish()


def _file_done(event: FileDone, counts: IngestCounts, progress: Progress) -> None:
    if event.note:
        counts.encoding_notes.append(f"{event.name}: {event.note}")
        progress.note(f"{event.name}: {event.note}")
    if event.records:
        return
    if event.empty is not None:
        counts.empty_files.append(f"{event.name}: {event.empty}")
    else:
        counts.files_without_records.append(event.name)
        progress.note(f"{event.name}: no records (see paperscope quarantine --file)")


def _link(connection: Connection, counts: IngestCounts, beside_move: BesideMove | None) -> None:
    """Store the run's held reference edges, then link the edges older runs left unlinked
    (ingest owns the references table). The planner counts each table again before it is
    read: planned as the tables they were when last counted (`references` without this
    run's edges, the held edges as none), both statements would look rows up one by one."""
    refresh_statistics(connection, [pending_references])
    with _running_beside(connection, beside_move), connection.begin():
        counts.references_linked += move_pending_references(connection)
    refresh_statistics(connection, [references])
    with connection.begin():
        counts.references_linked += resolve_references(connection)

"""The ingest stage: files -> formats -> parsed records -> batches written to the store."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from paperscope.errors import MalformedRecordError, PaperscopeError, UnknownFormatError
from paperscope.ingest.counts import IngestCounts
from paperscope.ingest.reader import Failed, FileSkipped, FileStarted, Results, read_events
from paperscope.ingest.references import resolve_references
from paperscope.ingest.writer import BatchWriter, FileResult
from paperscope.progress import SILENT, Progress
from paperscope.sources.base import Format, Malformed, ParseResult
from paperscope.sources.detect import all_formats, format_named
from paperscope.store import Store


class _BatchBuffer:
    """Collects parsed records, possibly from several files, and writes them in batches.

    One batch is one transaction. Batches cross file boundaries so that an archive of many
    small files (ACM-CR's 904 BibTeX files) is not committed file by file.
    """

    def __init__(self, store: Store, *, strict: bool, batch_size: int, progress: Progress) -> None:
        self.store = store
        self.strict = strict
        self.batch_size = batch_size
        self.progress = progress
        self.groups: list[tuple[Format, list[FileResult]]] = []
        self.size = 0
        self.counts = IngestCounts()

    def add(self, file_name: str, fmt: Format, result: ParseResult) -> None:
        if self.strict and isinstance(result, Malformed):
            self.flush()
            raise MalformedRecordError(file_name, result.position, result.field, result.reason)
        if not self.groups or self.groups[-1][0] != fmt:
            self.groups.append((fmt, []))
        self.groups[-1][1].append((file_name, result))
        self.size += 1
        if self.size >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write what has been collected, in one transaction."""
        if not self.size:
            return
        with self.store.transaction() as connection:
            for fmt, results in self.groups:
                self.counts.add(BatchWriter(connection, fmt.name).write(results))
        self.progress.advance(self.size)
        self.groups, self.size = [], 0


def ingest_stream(
    store: Store,
    stream: BinaryIO,
    fmt: Format,
    file_name: str,
    *,
    strict: bool = False,
    batch_size: int = 5000,
    progress: Progress = SILENT,
) -> IngestCounts:
    """Parse one stream and write it in batches, each batch one transaction."""
    buffer = _BatchBuffer(store, strict=strict, batch_size=batch_size, progress=progress)
    for result in fmt.parse(stream):
        buffer.add(file_name, fmt, result)
    buffer.flush()
    _link(store, buffer.counts)
    return buffer.counts


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
) -> IngestCounts:
    """Ingest files, folders and archives. A file named explicitly must be recognised;
    unrecognised files inside a folder or archive (READMEs, licences) are skipped and counted."""
    for path in paths:
        if not path.exists():
            raise PaperscopeError(f"{path}: no such file or folder")
    if format_name:
        format_named(format_name)  # an unknown name fails here, before any work
    buffer = _BatchBuffer(store, strict=strict, batch_size=batch_size, progress=progress)
    formats = {f.name: f for f in all_formats()}
    for event in read_events(paths, format_name):
        if isinstance(event, Results):
            fmt = formats[event.format_name]
            for result in event.results:
                buffer.add(event.name, fmt, result)
        elif isinstance(event, FileStarted):
            progress.start(f"{event.format_name}: {Path(event.name).name}")
        elif isinstance(event, FileSkipped):
            buffer.counts.skipped_files += 1
            progress.note(f"skipped {event.name}: {event.reason}")
        else:  # what was read before the failure is kept, like any finished batch
            buffer.flush()
            _raise(event)
    buffer.flush()
    _link(store, buffer.counts)
    return buffer.counts


def _link(store: Store, counts: IngestCounts) -> None:
    """Link reference edges to the works now stored (ingest owns the references table)."""
    with store.transaction() as connection:
        counts.references_linked += resolve_references(connection)

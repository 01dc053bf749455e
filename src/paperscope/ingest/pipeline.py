"""The ingest stage: files -> formats -> parsed records -> batches written to the store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

from paperscope.errors import MalformedRecordError, PaperscopeError, UnknownFormatError
from paperscope.ingest.counts import IngestCounts
from paperscope.ingest.references import link_references
from paperscope.ingest.writer import BatchWriter
from paperscope.sources.base import Format, Malformed, ParseResult
from paperscope.sources.detect import all_formats, detect_format, format_named
from paperscope.sources.reading import Member, open_members, peek
from paperscope.store import Store


class IngestProgress(Protocol):
    """What the pipeline tells a progress display (the CLI draws a rich bar with it)."""

    def file_started(self, name: str, format_name: str) -> None: ...

    def records_done(self, count: int) -> None: ...

    def file_skipped(self, name: str, reason: str) -> None: ...


class SilentProgress:
    def file_started(self, name: str, format_name: str) -> None:
        pass

    def records_done(self, count: int) -> None:
        pass

    def file_skipped(self, name: str, reason: str) -> None:
        pass


def _batches(results: Iterable[ParseResult], size: int) -> Iterator[list[ParseResult]]:
    batch: list[ParseResult] = []
    for result in results:
        batch.append(result)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _raise_first_malformed(file_name: str, batch: Sequence[ParseResult]) -> None:
    for result in batch:
        if isinstance(result, Malformed):
            raise MalformedRecordError(file_name, result.position, result.field, result.reason)


def ingest_stream(
    store: Store,
    stream: BinaryIO,
    fmt: Format,
    file_name: str,
    *,
    strict: bool = False,
    batch_size: int = 2000,
    progress: IngestProgress | None = None,
) -> IngestCounts:
    """Parse one stream and write it in batches, each batch one transaction."""
    progress = progress or SilentProgress()
    counts = IngestCounts()
    for batch in _batches(fmt.parse(stream), batch_size):
        if strict:
            _raise_first_malformed(file_name, batch)
        with store.transaction() as connection:
            counts.add(BatchWriter(connection, fmt.name, file_name).write(batch))
        progress.records_done(len(batch))
    return counts


def _format_for(member: Member, head: bytes, format_name: str | None) -> Format | None:
    if format_name:
        return format_named(format_name)
    return detect_format(head, member.inner_name)


def ingest_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    format_name: str | None = None,
    strict: bool = False,
    batch_size: int = 2000,
    progress: IngestProgress | None = None,
) -> IngestCounts:
    """Ingest files, folders and archives. A file named explicitly must be recognised;
    unrecognised files inside a folder or archive (READMEs, licences) are skipped and counted."""
    progress = progress or SilentProgress()
    counts = IngestCounts()
    for path in paths:
        if not path.exists():
            raise PaperscopeError(f"{path}: no such file or folder")
        resolved = path.resolve()
        for member, raw_stream in open_members(resolved):
            head, stream = peek(raw_stream)
            fmt = _format_for(member, head, format_name)
            if fmt is None:
                if member.name == str(resolved):
                    known = ", ".join(f.name for f in all_formats())
                    raise UnknownFormatError(
                        f"{path}: format not recognised; name it with --format (one of {known})"
                    )
                counts.skipped_files += 1
                progress.file_skipped(member.name, "format not recognised")
                continue
            progress.file_started(member.name, fmt.name)
            counts.add(
                ingest_stream(
                    store,
                    stream,
                    fmt,
                    member.name,
                    strict=strict,
                    batch_size=batch_size,
                    progress=progress,
                )
            )
    with store.transaction() as connection:
        link_references(connection)
    return counts

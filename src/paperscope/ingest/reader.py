"""The reading half of ingest: files -> detected formats -> parse results, as a stream of events.

Every file is read as UTF-8 (`sources.reading.Utf8Stream` honours BOMs and UTF-16, and reads
bytes that are not UTF-8 as cp1252, noted in `FileNote`), parsed within `Limits`, and guarded:
whatever a parser raises ends that file only, as a quarantined `Malformed` naming where it
stopped. A file that gave no records and did not say why (`Empty`) is quarantined too.
"""

from __future__ import annotations

import lzma
import tarfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from paperscope.errors import PaperscopeError, UnknownFormatError
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    Empty,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    failure,
)
from paperscope.sources.detect import all_formats, detect_format, format_named
from paperscope.sources.reading import Member, open_members, peek, utf8_stream

# Parse results per event: enough that per-event overhead is negligible, and few enough
# (with `EVENT_CHARS`) that an event of large records stays small.
EVENT_CHUNK = 500
EVENT_CHARS = 16 << 20


@dataclass(frozen=True, slots=True)
class FileSkipped:
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class FileStarted:
    name: str
    format_name: str


@dataclass(frozen=True, slots=True)
class Results:
    name: str
    format_name: str
    results: list[ParseResult]


@dataclass(frozen=True, slots=True)
class FileDone:
    """A file was read to its end (or to where its parser stopped)."""

    name: str
    path: Path
    """The path given to ingest that this file came from (itself, a folder, an archive)."""
    records: int
    """Records parsed (quarantined ones not counted)."""
    empty: str | None
    """Why the file holds no records, when its format said so (an empty results page)."""
    note: str | None
    """How the file was decoded, when it was not plain UTF-8."""


@dataclass(frozen=True, slots=True)
class Failed:
    """The reader stopped: the error, carried as text so that any exception crosses processes."""

    message: str
    exit_code: int
    unknown_format: bool


Event = FileSkipped | FileStarted | Results | FileDone | Failed


def _format_for(member: Member, head: bytes, format_name: str | None) -> Format | None:
    if format_name:
        return format_named(format_name)
    return detect_format(head, member.inner_name)


def _size(result: ParseResult) -> int:
    return len(result.raw) if isinstance(result, Parsed | Malformed) else 0


def _member_events(
    path: Path,
    resolved: Path,
    member: Member,
    raw_stream: BinaryIO,
    format_name: str | None,
    limits: Limits,
) -> Iterator[Event]:
    stream, transcoder = utf8_stream(raw_stream)
    head, stream = peek(stream)
    fmt = _format_for(member, head, format_name)
    if fmt is None:
        if member.name == str(resolved):
            known = ", ".join(f.name for f in all_formats())
            raise UnknownFormatError(
                f"{path}: format not recognised; name it with --format (one of {known})"
            )
        yield FileSkipped(member.name, "format not recognised")
        return
    yield FileStarted(member.name, fmt.name)
    chunk: list[ParseResult] = []
    size = records = quarantined = 0
    empty: str | None = None
    try:
        for result in fmt.parse(stream, limits):
            if isinstance(result, Empty):
                empty = result.reason
                continue
            if isinstance(result, Parsed):
                records += 1
            else:
                quarantined += 1
            chunk.append(result)
            size += _size(result)
            if len(chunk) >= EVENT_CHUNK or size >= EVENT_CHARS:
                yield Results(member.name, fmt.name, chunk)
                chunk, size = [], 0
    except UNREADABLE:
        raise
    except Exception as error:  # the parser broke: this file ends here, the others go on
        where = f"after record {records + quarantined}" if records + quarantined else "file"
        reason = f"the {fmt.name} parser stopped: {failure(error)}"
        chunk.append(Malformed(where, None, reason, ""))
        quarantined += 1
    if not records and not quarantined and empty is None and head.strip():
        reason = (
            f"read as {fmt.name}, {transcoder.consumed:,} bytes gave no records "
            "(is the format right? name it with --format)"
        )
        chunk.append(Malformed("file", None, reason, head[:2000].decode("utf-8", "replace")))
    if chunk:
        yield Results(member.name, fmt.name, chunk)
    yield FileDone(member.name, path, records, empty, transcoder.note())


# What a damaged file raises on reading: a truncated or corrupt compressed stream or archive.
UNREADABLE = (OSError, EOFError, zlib.error, lzma.LZMAError, tarfile.TarError)


def _path_events(path: Path, format_name: str | None, limits: Limits) -> Iterator[Event]:
    """A damaged file named on its own is an error; one inside a folder or archive is skipped."""
    resolved = path.resolve()
    for member, raw_stream in open_members(resolved):
        try:
            yield from _member_events(path, resolved, member, raw_stream, format_name, limits)
        except UNREADABLE as error:
            if member.name == str(resolved):
                raise
            yield FileSkipped(member.name, f"cannot read: {error}")


def read_events(
    paths: Sequence[Path], format_name: str | None, limits: Limits = DEFAULT_LIMITS
) -> Iterator[Event]:
    """Every file's parse results in order; an error ends the stream with `Failed`."""
    for path in paths:
        try:
            yield from _path_events(path, format_name, limits)
        except PaperscopeError as error:
            yield Failed(str(error), error.exit_code, isinstance(error, UnknownFormatError))
            return
        except UNREADABLE as error:
            yield Failed(f"{path}: cannot read: {error}", PaperscopeError.exit_code, False)
            return

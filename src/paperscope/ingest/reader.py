"""The reading half of ingest: files -> detected formats -> parse results, as a stream of events."""

from __future__ import annotations

import lzma
import tarfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paperscope.errors import PaperscopeError, UnknownFormatError
from paperscope.sources.base import Format, ParseResult
from paperscope.sources.detect import all_formats, detect_format, format_named
from paperscope.sources.reading import Member, open_members, peek

# Parse results per event: enough that per-event overhead is negligible.
EVENT_CHUNK = 500


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
class Failed:
    """The reader stopped: the error, carried as text so that any exception crosses processes."""

    message: str
    exit_code: int
    unknown_format: bool


Event = FileSkipped | FileStarted | Results | Failed


def _format_for(member: Member, head: bytes, format_name: str | None) -> Format | None:
    if format_name:
        return format_named(format_name)
    return detect_format(head, member.inner_name)


def _member_events(
    path: Path, resolved: Path, member: Member, head: bytes, fmt: Format | None, stream: Any
) -> Iterator[Event]:
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
    for result in fmt.parse(stream):
        chunk.append(result)
        if len(chunk) >= EVENT_CHUNK:
            yield Results(member.name, fmt.name, chunk)
            chunk = []
    if chunk:
        yield Results(member.name, fmt.name, chunk)


# What a damaged file raises on reading: a truncated or corrupt compressed stream or archive.
UNREADABLE = (OSError, EOFError, zlib.error, lzma.LZMAError, tarfile.TarError)


def _path_events(path: Path, format_name: str | None) -> Iterator[Event]:
    """A damaged file named on its own is an error; one inside a folder or archive is skipped."""
    resolved = path.resolve()
    for member, raw_stream in open_members(resolved):
        try:
            head, stream = peek(raw_stream)
            fmt = _format_for(member, head, format_name)
            yield from _member_events(path, resolved, member, head, fmt, stream)
        except UNREADABLE as error:
            if member.name == str(resolved):
                raise
            yield FileSkipped(member.name, f"cannot read: {error}")


def read_events(paths: Sequence[Path], format_name: str | None) -> Iterator[Event]:
    """Every file's parse results in order; an error ends the stream with `Failed`."""
    for path in paths:
        try:
            yield from _path_events(path, format_name)
        except PaperscopeError as error:
            yield Failed(str(error), error.exit_code, isinstance(error, UnknownFormatError))
            return
        except UNREADABLE as error:
            yield Failed(f"{path}: cannot read: {error}", PaperscopeError.exit_code, False)
            return

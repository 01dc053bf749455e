"""Open input files transparently: plain, .gz, .bz2, .xz, .zip and .tar(.gz|.bz2|.xz).

An archive yields one member per contained file, so a tarball of BibTeX files ingests like
the folder it came from. Every member is a binary stream; formats decode text themselves
because some sources mix encodings.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

SNIFF_BYTES = 64 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_BZ2_MAGIC = b"BZh"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class Member:
    """One readable file: a plain file, or a file inside an archive."""

    name: str
    """Display name: `path` or `archive.tar.gz!inner/path.bib`."""
    inner_name: str
    """The file's own name (inside the archive if any), used as a format hint."""


def _magic(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(6)


def _decompressing(stream: BinaryIO, magic: bytes) -> BinaryIO:
    """`stream` itself, or a decompressing reader over it when `magic` says it is compressed."""
    if magic.startswith(_GZIP_MAGIC):
        return cast(BinaryIO, gzip.GzipFile(fileobj=stream, mode="rb"))
    if magic.startswith(_BZ2_MAGIC):
        return cast(BinaryIO, bz2.BZ2File(stream, "rb"))
    if magic.startswith(_XZ_MAGIC):
        return cast(BinaryIO, lzma.LZMAFile(stream, "rb"))
    return stream


def _decompressed(path: Path) -> BinaryIO:
    return _decompressing(path.open("rb"), _magic(path))


def _member_stream(stream: BinaryIO) -> BinaryIO:
    """A file inside an archive may itself be compressed (`papers.jsonl.gz` in a tarball)."""
    buffered = (
        stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(Any, stream))
    )
    return _decompressing(cast(BinaryIO, buffered), buffered.peek(6)[:6])


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, EOFError, tarfile.TarError, zlib.error):
        return False


def _inner_name(name: str) -> str:
    for suffix in (".gz", ".bz2", ".xz"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@contextmanager
def _opened(stream: BinaryIO) -> Iterator[BinaryIO]:
    try:
        yield stream
    finally:
        stream.close()


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def open_members(path: Path) -> Iterator[tuple[Member, BinaryIO]]:
    """Yield every readable file in `path` (a file, archive or folder) with an open stream.

    Each stream is closed when the caller asks for the next member.
    """
    if path.is_dir():
        # Hidden files are work in progress (a harvester's temp file) or tool droppings.
        children = (p for p in path.rglob("*") if p.is_file())
        for child in sorted(c for c in children if not _is_hidden(c.relative_to(path))):
            yield from open_members(child)
        return
    if _magic(path).startswith(_ZIP_MAGIC):
        with zipfile.ZipFile(path) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                if info.is_dir():
                    continue
                with archive.open(info) as member:
                    stream = _member_stream(cast(BinaryIO, member))
                    yield Member(f"{path}!{info.filename}", _inner_name(info.filename)), stream
        return
    if _is_tar(path):
        with tarfile.open(path, "r:*") as archive:
            for entry in archive:
                if not entry.isfile():
                    continue
                extracted = archive.extractfile(entry)
                if extracted is None:
                    continue
                with _opened(_member_stream(cast(BinaryIO, extracted))) as stream:
                    yield Member(f"{path}!{entry.name}", _inner_name(entry.name)), stream
        return
    with _opened(_decompressed(path)) as stream:
        yield Member(str(path), _inner_name(path.name)), stream


class _Prepended(io.RawIOBase):
    """A raw stream that replays `head` before the rest of `stream`."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def peek(stream: BinaryIO) -> tuple[bytes, BinaryIO]:
    """Read the first bytes for sniffing and return a stream that still starts at byte 0."""
    head = stream.read(SNIFF_BYTES)
    replay = io.BufferedReader(_Prepended(head, stream), buffer_size=256 * 1024)
    return head, cast(BinaryIO, replay)


def read_text_lines(stream: BinaryIO, encoding: str = "utf-8") -> Iterator[str]:
    """Decode a binary stream line by line; undecodable bytes become U+FFFD, never an exception."""
    wrapper = io.TextIOWrapper(cast(Any, stream), encoding=encoding, errors="replace", newline="")
    try:
        # Not `yield from`: closing this generator would close the wrapper and the stream.
        for line in wrapper:  # noqa: UP028
            yield line
    finally:
        # Hand the binary stream back unclosed; it may already be closed by its owner.
        with contextlib.suppress(ValueError):
            wrapper.detach()

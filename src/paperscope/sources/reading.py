"""Open input files transparently: plain, .gz, .bz2, .xz, .zip and .tar(.gz|.bz2|.xz).

An archive yields one member per contained file, so a tarball of BibTeX files ingests like
the folder it came from. Every member is a binary stream; formats decode text themselves
because some sources mix encodings.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import re
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


def prepended(head: bytes, stream: BinaryIO) -> BinaryIO:
    """A buffered stream of `head` and then the rest of `stream` (bytes already read back)."""
    return cast(BinaryIO, io.BufferedReader(_Prepended(head, stream), buffer_size=256 * 1024))


def peek(stream: BinaryIO) -> tuple[bytes, BinaryIO]:
    """Read the first bytes for sniffing and return a stream that still starts at byte 0."""
    head = stream.read(SNIFF_BYTES)
    return head, prepended(head, stream)


# --- bounded reading ---------------------------------------------------------------------

CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a file, decoded, without its line end."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class LongLine:
    """A line longer than the cap: only its size and first bytes were kept."""

    number: int
    size: int
    excerpt: str


def bounded_lines(
    stream: BinaryIO, max_bytes: int, *, skip_blank: bool = False
) -> Iterator[Line | LongLine]:
    """The lines of `stream`, each at most `max_bytes` long; longer ones come as `LongLine`.

    Reads fixed-size chunks, so one line without a newline (a 3 GB JSON value) never sits in
    memory whole. Bytes that are not UTF-8 are read as cp1252 (ingest hands parsers UTF-8
    already, see `Utf8Stream`). Line ends are `\\n` or `\\r\\n`.
    """
    number = 0
    pending: list[bytes] = []
    pending_size = 0
    long_head: bytes | None = None  # the first bytes of a line that went over the cap
    while chunk := stream.read(CHUNK_BYTES):
        if skip_blank and not pending_size and long_head is None and chunk.isspace():
            number += chunk.count(b"\n")  # a run of blank lines (a whitespace bomb) at C speed
            continue
        parts = chunk.split(b"\n")
        for part in parts[:-1]:
            number += 1
            if pending_size or long_head is not None:
                pending.append(part)
                size = pending_size + len(part)
                line, head = b"".join(pending), long_head
                pending, pending_size, long_head = [], 0, None
                if head is not None or size > max_bytes:
                    yield _long_line(number, size, head or line)
                    continue
                part = line
            elif len(part) > max_bytes:
                yield _long_line(number, len(part), part)
                continue
            if skip_blank and (not part or part.isspace()):
                continue
            yield Line(number, part.decode("utf-8", CP1252_FALLBACK).removesuffix("\r"))
        last = parts[-1]
        if long_head is not None:
            pending_size += len(last)
        elif last:
            pending.append(last)
            pending_size += len(last)
            if pending_size > max_bytes:
                long_head = b"".join(pending)[:EXCERPT_BYTES]
                pending = []
    if long_head is not None or pending_size > max_bytes:
        yield _long_line(number + 1, pending_size, long_head or b"".join(pending))
    elif pending_size:
        text = b"".join(pending).decode("utf-8", CP1252_FALLBACK)
        if not (skip_blank and text.isspace()):
            yield Line(number + 1, text.removesuffix("\r"))


EXCERPT_BYTES = 4096


def _long_line(number: int, size: int, head: bytes) -> LongLine:
    return LongLine(number, size, head[:EXCERPT_BYTES].decode("utf-8", "replace"))


class TooLarge(Exception):
    """More bytes than a cap allows were read from a `Capped` stream."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"more than {cap:,} bytes")
        self.cap = cap


class Capped(io.RawIOBase):
    """A raw stream that raises `TooLarge` once more than `cap` bytes have been read."""

    def __init__(self, stream: BinaryIO, cap: int) -> None:
        self._stream = stream
        self.cap = cap
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(min(len(buffer), self.cap + 1 - self.consumed) or 1)
        self.consumed += len(data)
        if self.consumed > self.cap:
            raise TooLarge(self.cap)
        buffer[: len(data)] = data
        return len(data)


def read_capped(stream: BinaryIO, cap: int) -> bytes:
    """All of `stream`; raises `TooLarge` past `cap` bytes, having held at most `cap + 1`."""
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise TooLarge(cap)
    return data


def decompress_capped(data: bytes, cap: int) -> bytes:
    """A gzip/zlib payload inflated to at most `cap` bytes (a bomb raises `TooLarge`)."""
    inflater = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, detected
    out = inflater.decompress(data, cap + 1)
    if len(out) > cap:
        raise TooLarge(cap)
    return out


# --- encodings ---------------------------------------------------------------------------

_CP1252_HOLES = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})
"""Bytes cp1252 leaves undefined; they are decoded as Latin-1 control characters instead."""


def cp1252_byte(byte: int) -> str:
    return chr(byte) if byte in _CP1252_HOLES else bytes([byte]).decode("cp1252")


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    # Only the offending bytes are decoded as cp1252, so a line mixing valid UTF-8 ("It’s")
    # with stray cp1252 bytes keeps its UTF-8 characters.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(cp1252_byte(byte) for byte in bad), error.end


CP1252_FALLBACK = "paperscope-cp1252"
codecs.register_error(CP1252_FALLBACK, _cp1252_fallback)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_ENCODING = re.compile(rb"\A(<\?xml[^>]*?encoding\s*=\s*)([\"'])([A-Za-z0-9._-]+)\2")


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text with no BOM: mostly-ASCII text has a NUL in every other byte."""
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nuls, odd_nuls = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nuls > 0.9 and even_nuls < 0.1:
        return "utf-16-le"
    if even_nuls > 0.9 and odd_nuls < 0.1:
        return "utf-16-be"
    return None


def _incomplete_tail(data: bytes) -> int:
    """Where a UTF-8 sequence cut by the end of `data` starts (len(data) when none is)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # a lead byte (or ASCII)
            needed = 2 if byte >= 0xC0 else 1
            needed = 3 if byte >= 0xE0 else needed
            needed = 4 if byte >= 0xF0 else needed
            return len(data) - back if needed > back else len(data)
    return len(data)


class Utf8Stream(io.RawIOBase):
    """UTF-8 bytes out of a text file in any encoding paperscope meets, saying what it did.

    A UTF-8 BOM is dropped; UTF-16 and UTF-32 (with a BOM, or UTF-16 told by its NUL bytes)
    are transcoded (and an XML declaration's encoding rewritten to match); bytes that are not
    valid UTF-8 are read as cp1252, the usual encoding of such files, and counted. An XML
    document that declares another encoding is passed through for the XML parser to decode.
    `note()` says what was done, for the ingest report. Valid UTF-8 passes through unchanged.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._out = memoryview(b"")
        self._carry = b""
        self._decoder: codecs.IncrementalDecoder | None = None
        self._started = False
        self._done = False
        self._passthrough = False
        self.consumed = 0
        self.encoding = "utf-8"
        self.bom = False
        self.recoded_bytes = 0
        self.first_recoded_at: int | None = None

    def readable(self) -> bool:
        return True

    def note(self) -> str | None:
        """How the file was decoded, when it was not plain UTF-8."""
        if self.encoding != "utf-8":
            how = "with a BOM" if self.bom else "told by its NUL bytes"
            return f"read as {self.encoding.upper()} ({how})"
        if self.recoded_bytes:
            return (
                f"not valid UTF-8: {self.recoded_bytes:,} bytes read as cp1252 "
                f"(the first at byte {self.first_recoded_at:,})"
            )
        return None

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._out and not self._done:
            self._fill(max(len(buffer), CHUNK_BYTES // 4))
        count = min(len(buffer), len(self._out))
        buffer[:count] = self._out[:count]
        self._out = self._out[count:]
        return count

    def _fill(self, size: int) -> None:
        data = self._stream.read(size)
        offset = self.consumed
        self.consumed += len(data)
        final = not data
        first = not self._started
        if first:
            self._started = True
            data, offset = self._start(data, offset)
        if self._passthrough:
            out = data
        elif self._decoder is not None:
            out = self._decoder.decode(data, final=final).encode("utf-8")
            if first:  # the declaration must now say what the bytes are
                out = _XML_ENCODING.sub(rb'\1"UTF-8"', out, count=1)
        else:
            out = self._utf8(self._carry + data, offset - len(self._carry), final=final)
        self._out, self._done = memoryview(out), final

    def _start(self, data: bytes, offset: int) -> tuple[bytes, int]:
        """Decide the encoding from the first bytes; return them without a BOM."""
        while 0 < len(data) < 4 and (more := self._stream.read(4 - len(data))):
            self.consumed += len(more)
            data += more
        for bom, encoding in _BOMS:
            if data.startswith(bom):
                self.bom, data, offset = True, data[len(bom) :], offset + len(bom)
                self._set_encoding(encoding)
                break
        else:
            self._set_encoding(_utf16_without_bom(data) or "utf-8")
        declared = _XML_ENCODING.match(data)
        if declared and self._decoder is None:
            name = declared.group(3).decode("ascii").lower().replace("_", "-")
            self._passthrough = name not in ("utf-8", "utf8")
        return data, offset

    def _set_encoding(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding != "utf-8":
            self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")

    def _utf8(self, data: bytes, offset: int, *, final: bool) -> bytes:
        """`data` as valid UTF-8: cp1252 for the bytes that are not; a cut tail waits."""
        cut = len(data) if final else _incomplete_tail(data)
        data, self._carry = data[:cut], data[cut:]
        if data.isascii():
            return data
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            return self._recode(data, offset, error.start)
        return data

    def _recode(self, data: bytes, offset: int, first_bad: int) -> bytes:
        text = data.decode("utf-8", "surrogateescape")  # each bad byte: one U+DC80..U+DCFF
        escaped = _ESCAPED_BYTE.findall(text)
        if self.first_recoded_at is None:
            self.first_recoded_at = offset + first_bad
        self.recoded_bytes += len(escaped)
        return text.translate(_CP1252_OF_ESCAPE).encode("utf-8")


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_CP1252_OF_ESCAPE = {0xDC00 + byte: cp1252_byte(byte) for byte in range(0x80, 0x100)}


def utf8_stream(stream: BinaryIO) -> tuple[BinaryIO, Utf8Stream]:
    """`stream` as buffered UTF-8 (see `Utf8Stream`), and the transcoder, for its note."""
    transcoder = Utf8Stream(stream)
    return cast(BinaryIO, io.BufferedReader(transcoder, buffer_size=256 * 1024)), transcoder

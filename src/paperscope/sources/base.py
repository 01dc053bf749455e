"""The contract every format module follows.

A format module exposes `FORMATS`, a tuple of `Format(...)`: each a name, a `sniff` that
recognises the format from the first bytes of a file (and its name, as a hint only), and a
`parse` that streams records out of a binary file object. `parse` never raises for one bad
record: it yields `Malformed` naming the position, the field and the reason, and goes on.
It holds at most one record (`Limits.record_bytes`) in memory at a time, or one document
(`Limits.document_bytes`) where the format must be read whole; a record over its cap is
`Malformed` with a bounded excerpt of its text. A file that is understood but holds no
records (an empty result page) yields `Empty`, so that a file that gave nothing without
saying why can be told from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from paperscope.domain import Record

MIB = 1 << 20
EXCERPT_CHARS = 4096
"""How much of a bad record's text the quarantine keeps."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of a file a parser may hold at once (settings `PAPERSCOPE_MAX_*_BYTES`)."""

    record_bytes: int = 8 * MIB
    """One record's text: a JSON line or array element, a BibTeX entry, an XML entry, a block."""
    document_bytes: int = 64 * MIB
    """One document that can only be read whole (a YAML cassette, a JSON-wrapped response,
    a compressed body inside a cassette), after decompression."""
    max_depth: int = 200
    """Nesting of JSON arrays and objects, far beyond any real record's."""


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Parsed:
    """A record and where it was found."""

    record: Record
    position: str
    """Human-readable place in the file: `line 12`, `entry 3`, `record 7 (key ...)`."""
    raw: str
    """The record's raw text as it stood in the file (kept as provenance)."""


@dataclass(frozen=True, slots=True)
class Malformed:
    """A record that could not be parsed, and why."""

    position: str
    field: str | None
    reason: str
    raw: str


@dataclass(frozen=True, slots=True)
class Empty:
    """The file is understood and holds no records (an empty result page); not an error."""

    reason: str


ParseResult = Parsed | Malformed | Empty
Sniffer = Callable[[bytes, str], bool]


class Parser(Protocol):
    def __call__(
        self, stream: BinaryIO, limits: Limits = DEFAULT_LIMITS, /
    ) -> Iterator[ParseResult]: ...


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    description: str
    sniff: Sniffer
    """`sniff(head, filename)`: True when `head` (the first 64 KiB, decompressed) is this format."""
    parse: Parser


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """At most `limit` characters of `text`, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters]"


def over_cap(what: str, size: int, cap: int, setting: str = "PAPERSCOPE_MAX_RECORD_BYTES") -> str:
    """The reason given for a record or document over its size cap."""
    return (
        f"{what} is over the size cap: {size:,} bytes or more, the cap is {cap:,} bytes "
        f"(setting {setting})"
    )


def failure(error: BaseException) -> str:
    """The reason given when parsing one record raised: the exception, bounded."""
    message = str(error)
    if isinstance(error, RecursionError):
        message = "nested too deeply to parse"
    return excerpt(f"{type(error).__name__}: {message}" if message else type(error).__name__, 500)

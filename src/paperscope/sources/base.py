"""The contract every format module follows.

A format module exposes `FORMATS`, a tuple of `Format(...)`: each a name, a `sniff` that
recognises the format from the first bytes of a file (and its name, as a hint only), and a
`parse` that streams records out of a binary file object. `parse` never raises for one bad
record: it yields `Malformed` naming the position, the field and the reason, and goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from paperscope.domain import Record


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


ParseResult = Parsed | Malformed
Sniffer = Callable[[bytes, str], bool]
Parser = Callable[[BinaryIO], Iterator[ParseResult]]


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    description: str
    sniff: Sniffer
    """`sniff(head, filename)`: True when `head` (the first 64 KiB, decompressed) is this format."""
    parse: Parser

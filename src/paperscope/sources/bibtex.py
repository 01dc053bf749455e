"""BibTeX (.bib) files, streamed: one WorkRecord per entry.

Hand-written for speed (general BibTeX libraries parse a few thousand entries per second; ingest
needs well over ten thousand). The text is decoded incrementally and cut into segments at every
line that starts with `@type{` / `@type(`; `bibtex_scan` reads each segment's fields and
`bibtex_fields` turns them into a record. A segment boundary also bounds the damage of an
unbalanced brace: the broken entry becomes Malformed and parsing resumes at the next line-start
`@`. As in BibTeX, text between entries is ignored, `@comment` only hides the rest of its own
segment, `@preamble` is skipped and `@string` defines macros (jan..dec are predefined).

Crossref: like BibTeX, a child inherits the fields it lacks from the entry it crossrefs (not its
title, abstract, identifiers, keywords, note or pages; the parent's title becomes the child's
booktitle). The parent may come before or after the child in the same file. Earlier entries are
remembered (proceedings-like ones up to `_MAX_PARENTS`, others among the last `_MAX_RECENT` to
`2 * _MAX_RECENT`); a child whose parent has not been seen yet waits (at most `_MAX_PENDING` per
file, oldest released first) and is emitted when the parent appears, or as it is at end of file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from paperscope.sources.base import (
    DEFAULT_LIMITS,
    Empty,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    excerpt,
    failure,
    over_cap,
)
from paperscope.sources.bibtex_fields import work_record
from paperscope.sources.bibtex_scan import EntryError, entry_fields, field_value, fields_until_close

_CHUNK_CHARS = 1 << 20
_HEADER_LOOKAHEAD = 256
_MAX_RECENT = 5_000
_MAX_PARENTS = 20_000
_MAX_PENDING = 10_000

_HEADER = re.compile(r"@[ \t]*([A-Za-z][\w-]*)\s*([{(])\s*")
_KEY = re.compile(r"([^\s,{}\"=]*)\s*")
_LINE_START_AT = re.compile(r"\n[ \t]*@")

_MONTH_NAMES = (
    "January February March April May June July August September October November December"
)
_STANDARD_MACROS = {name[:3].lower(): name for name in _MONTH_NAMES.split()}
_PARENT_TYPES = frozenset({"proceedings", "book", "collection", "mvbook", "mvproceedings"})
_NOT_INHERITED = frozenset(
    {"title", "abstract", "doi", "url", "eprint", "crossref", "keywords", "note", "pages"}
)


@dataclass(slots=True)
class _Entry:
    number: int
    key: str
    fields: dict[str, str]
    raw: str
    line: int
    """The segment's first line until `pin_line`, which adds the lines before the entry."""
    segment: str | None
    at: int

    def pin_line(self) -> None:
        if self.segment is not None:
            self.line += self.segment.count("\n", 0, self.at)
            self.segment = None


def _position(number: int, key: str, line: int | None = None) -> str:
    """Where an entry stands; Malformed ones also name their line, to help fix the file."""
    where = f", line {line}" if line is not None else ""
    return f"entry {number} (key {key or '?'}{where})"


@dataclass(slots=True)
class _FileState:
    """What one file's entries share: @string macros, entry numbering, crossref bookkeeping."""

    macros: dict[str, str] = field(default_factory=lambda: dict(_STANDARD_MACROS))
    entries: int = 0
    recent: dict[str, dict[str, str]] = field(default_factory=dict)
    older: dict[str, dict[str, str]] = field(default_factory=dict)
    parents: dict[str, dict[str, str]] = field(default_factory=dict)
    pending: dict[str, list[_Entry]] = field(default_factory=dict)
    pending_count: int = 0


@dataclass(frozen=True, slots=True)
class _Oversized:
    """A segment longer than the record cap: skipped to the next line-start entry."""

    line: int
    size: int
    excerpt: str


def _segments(stream: BinaryIO, limits: Limits) -> Iterator[tuple[str | _Oversized, int]]:
    """Text from one line-start `@type{` to the next (trailing blank lines dropped), with the
    line number it starts on; a segment over the record cap comes as `_Oversized`."""
    reader = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace")
    buffer, line, search = "", 1, 1
    over: _Oversized | None = None  # the segment being skipped
    try:
        while chunk := reader.read(_CHUNK_CHARS):
            buffer += chunk
            cut = 0
            while (found := buffer.find("\n@", search)) >= 0:
                if not _HEADER.match(buffer, found + 1):
                    if len(buffer) - found < _HEADER_LOOKAHEAD:
                        break  # perhaps a header cut by the chunk's end: look again with more
                    search = found + 1
                    continue
                stop = found
                while stop > cut and buffer[stop - 1] in " \t\r\n":
                    stop -= 1
                if over is not None:
                    yield _Oversized(over.line, over.size + stop, over.excerpt), over.line
                    over = None
                else:
                    yield buffer[cut:stop], line
                line += buffer.count("\n", cut, found + 1)
                cut = search = found + 1
            else:
                search = max(cut + 1, len(buffer) - 1)
            if cut == 0 and len(buffer) > limits.record_bytes:
                # Too long for one entry: keep only its excerpt and look for the next one.
                keep = len(buffer) - _HEADER_LOOKAHEAD
                if over is None:
                    over = _Oversized(line, 0, excerpt(buffer))
                over = _Oversized(over.line, over.size + keep, over.excerpt)
                line += buffer.count("\n", 0, keep)
                cut, search = keep, max(search, keep)
            buffer = buffer[cut:]
            search -= cut
        if over is not None:
            yield _Oversized(over.line, over.size + len(buffer), over.excerpt), over.line
        elif buffer:
            yield buffer.rstrip(), line
    finally:
        reader.detach()


def _parse_segment(segment: str, first_line: int, state: _FileState) -> Iterator[ParseResult]:
    """Every entry in one segment; text between entries is skipped, as BibTeX does."""
    at = segment.find("@")
    while at >= 0:
        header = _HEADER.match(segment, at)
        if header is None:
            at = segment.find("@", at + 1)
            continue
        kind = header.group(1).lower()
        if kind in ("comment", "preamble", "string"):
            at = _skip_special(segment, header, kind, state.macros)
            continue
        state.entries += 1
        key_match = _KEY.match(segment, header.end())
        key = key_match.group(1)  # type: ignore[union-attr]
        try:
            fields, end = entry_fields(segment, key_match.end(), state.macros)  # type: ignore[union-attr]
        except EntryError as error:
            line = first_line + segment.count("\n", 0, at)
            resume = _LINE_START_AT.search(segment, at + 1)
            end = resume.start() if resume else len(segment)
            raw = segment[at:end].rstrip()
            yield Malformed(_position(state.entries, key, line), error.field, error.reason, raw)
            at = segment.find("@", end)
            continue
        entry = _Entry(state.entries, key, fields, segment[at:end], first_line, segment, at)
        if "crossref" in fields or state.pending:
            entry.pin_line()  # it may wait: do not keep the whole segment alive
            yield from _resolve(entry, kind, state)
        else:  # the common case, without the crossref bookkeeping
            _remember(key.lower(), fields, kind in _PARENT_TYPES, state)
            yield _result(entry)
        at = segment.find("@", end)


def _skip_special(segment: str, header: re.Match[str], kind: str, macros: dict[str, str]) -> int:
    """Read @string, skip @preamble and @comment (to the next line-start entry): next `@`."""
    if kind == "comment":
        return -1
    try:
        if kind == "string":
            fields, end = fields_until_close(segment, header.end(), len(segment), macros)
            macros.update(fields)
        else:
            _, end = field_value(segment, header.end(), len(segment), "preamble", macros)
    except EntryError:
        return -1  # A broken @string only loses its macro, as in BibTeX.
    return segment.find("@", end)


def _resolve(entry: _Entry, kind: str, state: _FileState) -> Iterator[ParseResult]:
    """Emit `entry` (and any children waiting for it) once its crossref parent is known."""
    key = entry.key.lower()
    _remember(key, entry.fields, kind in _PARENT_TYPES, state)
    parent_key = entry.fields.get("crossref")
    if parent_key is None:
        yield _result(entry)
    else:
        parent_key = parent_key.strip().lower()
        parent = state.parents.get(parent_key) or state.recent.get(parent_key)
        parent = parent or state.older.get(parent_key)
        if parent is None:
            state.pending.setdefault(parent_key, []).append(entry)
            state.pending_count += 1
            if state.pending_count > _MAX_PENDING:
                yield from _release_oldest(state)
        else:
            _inherit(entry, parent)
            yield _result(entry)
    if state.pending and key in state.pending:
        children = state.pending.pop(key)
        state.pending_count -= len(children)
        for child in children:
            _inherit(child, entry.fields)
            yield _result(child)


def _remember(key: str, fields: dict[str, str], is_parent: bool, state: _FileState) -> None:
    if is_parent:
        state.parents[key] = fields
        if len(state.parents) > _MAX_PARENTS:
            del state.parents[next(iter(state.parents))]
        return
    state.recent[key] = fields
    if len(state.recent) >= _MAX_RECENT:  # two generations: a cheap bounded memory
        state.older, state.recent = state.recent, {}


def _release_oldest(state: _FileState) -> Iterator[ParseResult]:
    children = state.pending.pop(next(iter(state.pending)))
    state.pending_count -= len(children)
    for child in children:
        yield _result(child)


def _inherit(child: _Entry, parent: dict[str, str]) -> None:
    fields = child.fields
    for name, value in parent.items():
        if name not in _NOT_INHERITED and name not in fields:
            fields[name] = value
    if "title" in parent and "booktitle" not in fields:
        fields["booktitle"] = parent["title"]


def _result(entry: _Entry) -> ParseResult:
    try:
        record = work_record(entry.fields, entry.key)
    except EntryError as error:
        reason = error.reason
        if error.field == "title" and "crossref" in entry.fields:
            reason += f" (crossref {entry.fields['crossref']!r} not found in the file)"
        entry.pin_line()
        position = _position(entry.number, entry.key, entry.line)
        return Malformed(position, error.field, reason, entry.raw)
    except Exception as error:  # one entry's failure must not end the file
        entry.pin_line()
        position = _position(entry.number, entry.key, entry.line)
        return Malformed(position, None, failure(error), excerpt(entry.raw))
    return Parsed(record, _position(entry.number, entry.key), entry.raw)


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    state = _FileState()
    found = False
    for segment, first_line in _segments(stream, limits):
        if isinstance(segment, _Oversized):
            state.entries += 1
            reason = over_cap("the entry", segment.size, limits.record_bytes)
            position = _position(state.entries, "", segment.line)
            found = True
            yield Malformed(position, None, reason, segment.excerpt)
            continue
        try:
            for result in _parse_segment(segment, first_line, state):
                found = True
                yield result
        except Exception as error:  # one segment's failure must not end the file
            found = True
            position = f"entry {state.entries} (line {first_line})"
            yield Malformed(position, None, failure(error), excerpt(segment))
    while state.pending:
        found = True
        yield from _release_oldest(state)
    if not found:
        yield Empty("no entries (only @string, @preamble, @comment or text between entries)")


_SNIFF_ENTRY = re.compile(
    rb"@[ \t]*(?:string|comment|preamble|[A-Za-z]+[ \t]*[{(]\s*[^\s,{}]*\s*,)", re.IGNORECASE
)
_SNIFF_LOOSE = re.compile(rb"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
_COMMENT_LINES = re.compile(rb"(?:[ \t]*(?:%[^\n]*)?\r?\n)*[ \t]*")


def sniff(head: bytes, filename: str) -> bool:
    """The first line that is not blank or a `%` comment starts an entry (`@type{key,`,
    @string, @comment, @preamble). A `.bib` name also accepts any line-start entry, so that
    a README quoting a citation is not taken for a bibliography."""
    text = head.removeprefix(b"\xef\xbb\xbf")
    start = _COMMENT_LINES.match(text).end()  # type: ignore[union-attr]
    if _SNIFF_ENTRY.match(text, start) is not None:
        return True
    return filename.lower().endswith(".bib") and _SNIFF_LOOSE.search(text) is not None


FORMATS = (
    Format(
        name="bibtex",
        description="BibTeX .bib files (@article, @inproceedings, ...; @string, crossref)",
        sniff=sniff,
        parse=parse,
    ),
)

"""BibTeX (.bib) files, streamed: one WorkRecord per entry.

A hand-written scanner, because general BibTeX libraries parse a few thousand entries per
second and ingest needs well over ten thousand. The text is decoded incrementally and cut into
segments at every line that starts with `@type{` / `@type(`. Values are delimited with
`str.find`, never character by character (brace depth is tracked by counting `{` between
successive `}`). A segment boundary also bounds the damage of an unbalanced brace: the broken
entry becomes Malformed and parsing resumes at the next line-start `@`.

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
from itertools import repeat
from dataclasses import dataclass, field
from typing import BinaryIO

from paperscope.sources.base import Format, Malformed, Parsed, ParseResult
from paperscope.sources.bibtex_fields import EntryError, FieldPrefixes, work_record

_CHUNK_CHARS = 1 << 20
_MAX_SEGMENT_CHARS = 32 << 20
_MAX_RECENT = 5_000
_MAX_PARENTS = 20_000
_MAX_PENDING = 10_000

_HEADER = re.compile(r"@[ \t]*([A-Za-z][\w-]*)\s*([{(])\s*")
_KEY = re.compile(r"([^\s,{}\"=]*)\s*")
_FIELD_NAME = re.compile(r"\s*([A-Za-z_][\w.:+/-]*)\s*=\s*")
_BARE_VALUE = re.compile(r"[^\s\"#%'(),={}]+")
_QUOTE_OR_BRACE = re.compile(r'["{}]')
_SPACE = re.compile(r"\s*")
_LINE_START_AT = re.compile(r"\n[ \t]*@")

_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_MONTH_NAMES = (
    "January February March April May June July August September October November December"
)
_STANDARD_MACROS = dict(zip(_MONTHS, _MONTH_NAMES.split(), strict=True))
_PARENT_TYPES = frozenset({"proceedings", "book", "collection", "mvbook", "mvproceedings"})
_NOT_INHERITED = frozenset(
    {"title", "abstract", "doi", "url", "eprint", "crossref", "keywords", "note", "pages"}
)


@dataclass(slots=True)
class _Entry:
    key: str
    fields: dict[str, str]
    simple: bool
    position: str
    raw: str


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


def _segments(stream: BinaryIO) -> Iterator[tuple[str, int]]:
    """Text between line-start `@type{` entries, with the line number it starts on."""
    reader = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace")
    buffer, line = "", 1
    try:
        while chunk := reader.read(_CHUNK_CHARS):
            found = max(0, len(buffer) - 1)
            buffer += chunk
            cut = 0
            while (found := buffer.find("\n@", found + 1)) >= 0:
                if _HEADER.match(buffer, found + 1):
                    yield buffer[cut : found + 1], line
                    line += buffer.count("\n", cut, found + 1)
                    cut = found + 1
            if cut == 0 and len(buffer) > _MAX_SEGMENT_CHARS:
                cut = len(buffer)
                yield buffer, line
                line += buffer.count("\n")
            buffer = buffer[cut:]
        if buffer:
            yield buffer, line
    finally:
        reader.detach()


def _braced_end(text: str, start: int, limit: int) -> int:
    """Index after the brace closing the one at `start`, or -1 when it never closes."""
    depth, scan = 1, start + 1
    while True:
        close = text.find("}", scan, limit)
        if close < 0:
            return -1
        depth += text.count("{", scan, close) - 1
        if depth == 0:
            return close + 1
        scan = close + 1


def _quoted_end(text: str, start: int, limit: int) -> int:
    """Index after the `"` closing the one at `start` (quotes inside braces do not count)."""
    depth = 0
    for match in _QUOTE_OR_BRACE.finditer(text, start + 1, limit):
        char = match.group()
        if char == '"' and depth == 0:
            return match.end()
        depth += 1 if char == "{" else -1 if char == "}" else 0
    return -1


def _found(text: str, pos: int, limit: int) -> str:
    return repr(text[pos : pos + 20]) if pos < limit else "the next entry"


def _value(text: str, pos: int, limit: int, name: str, macros: dict[str, str]) -> tuple[str, int]:
    """A value (`{...}`, `"..."`, number or macro, joined by `#`), index after it and spaces."""
    parts: list[str] = []
    while True:
        char = text[pos] if pos < limit else ""
        if char and char in '{"':
            end = (_braced_end if char == "{" else _quoted_end)(text, pos, limit)
            if end < 0:
                kind = "braces" if char == "{" else "quotes"
                raise EntryError(name, f"unbalanced {kind}: the value runs into the next entry")
            parts.append(text[pos + 1 : end - 1])
        else:
            bare = _BARE_VALUE.match(text, pos, limit)
            if bare is None:
                raise EntryError(name, f"expected a value, found {_found(text, pos, limit)}")
            end, word = bare.end(), bare.group()
            parts.append(word if word.isdigit() else macros.get(word.lower(), word))
        pos = _SPACE.match(text, end, limit).end()  # type: ignore[union-attr]
        if pos < limit and text[pos] == "#":
            pos = _SPACE.match(text, pos + 1, limit).end()  # type: ignore[union-attr]
            continue
        return "".join(parts), pos


_PREFIXES = FieldPrefixes()


def _fields(
    text: str, pos: int, limit: int, macros: dict[str, str]
) -> tuple[dict[str, str], int, bool]:
    """Fields from `pos` to the entry's closing delimiter, the index after it, and whether
    every value was a plain `{...}` (no macro, quotes or concatenation).

    The loop body is the common case, `name = {value},` without nested braces, in a handful of
    str calls: the text before the brace is looked up among the field prefixes seen before.
    """
    fields: dict[str, str] = {}
    find, names = text.find, _PREFIXES.names
    simple = True
    while True:
        opening = find("{", pos, limit)
        name = names.get(text[pos:opening])
        if name is not None:
            close = find("}", opening, limit)
            if text[close + 1] == "," and find("{", opening + 1, close) < 0 < close:
                if name not in fields:
                    fields[name] = text[opening + 1 : close]
                pos = close + 2
                continue
        closed, pos, plain = _general_field(text, pos, limit, macros, fields)
        simple = simple and plain
        if closed:
            return fields, pos, simple


def _general_field(
    text: str, pos: int, limit: int, macros: dict[str, str], fields: dict[str, str]
) -> tuple[bool, int, bool]:
    """One field of any shape into `fields`: (entry closed, index after, plain braced value)."""
    named = _FIELD_NAME.match(text, pos, limit)
    if named is None:
        pos = _SPACE.match(text, pos, limit).end()  # type: ignore[union-attr]
        if pos < limit and text[pos] in "})":
            return True, pos + 1, True
        raise EntryError(None, f"expected a field or '}}', found {_found(text, pos, limit)}")
    name, start = named.group(1).lower(), named.end()
    value, pos = _value(text, start, limit, name, macros)
    plain = text[start] == "{" and pos == _SPACE.match(text, start + len(value) + 2).end()  # type: ignore[union-attr]
    if plain:
        _PREFIXES.learn(text[named.start() : start], name)
    fields.setdefault(name, value)
    if pos < limit and text[pos] == ",":
        return False, pos + 1, plain
    if pos < limit and text[pos] in "})":
        return True, pos + 1, plain
    found = _found(text, pos, limit)
    raise EntryError(name, f"expected ',' or '}}' after the value, found {found}")


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
            fields, end, simple = _entry_fields(segment, key_match.end(), state.macros)  # type: ignore[union-attr]
        except EntryError as error:
            line = first_line + segment.count("\n", 0, at)
            position = f"entry {state.entries} (key {key or '?'}, line {line})"
            resume = _LINE_START_AT.search(segment, at + 1)
            end = resume.start() if resume else len(segment)
            yield Malformed(position, error.field, error.reason, segment[at:end].rstrip())
            at = segment.find("@", end)
            continue
        entry = _Entry(key, fields, simple, f"entry {state.entries} (key {key})", segment[at:end])
        yield from _resolve(entry, kind, state)
        at = segment.find("@", end)


def _skip_special(segment: str, header: re.Match[str], kind: str, macros: dict[str, str]) -> int:
    """Skip @comment (to the next line-start entry), @preamble; read @string. Next `@` index."""
    if kind == "comment":
        return -1
    end = _braced_end(segment, header.end() - 1, len(segment))
    if end < 0:
        return -1
    if kind == "string":
        try:
            fields, _, _ = _fields(segment, header.end(), end, macros)
            macros.update(fields)
        except EntryError:
            pass  # A broken @string only loses its macro, as in BibTeX.
    return segment.find("@", end)


def _entry_fields(
    segment: str, pos: int, macros: dict[str, str]
) -> tuple[dict[str, str], int, bool]:
    if pos < len(segment) and segment[pos] in "})":
        return {}, pos + 1, True
    if pos >= len(segment) or segment[pos] != ",":
        found = _found(segment, pos, len(segment))
        raise EntryError(None, f"expected ',' after the citation key, found {found}")
    split = _split_fields(segment, pos + 1)
    if split is not None:
        return split
    return _fields(segment, pos + 1, len(segment), macros)


def _split_fields(segment: str, pos: int) -> tuple[dict[str, str], int, bool] | None:
    """The fastest path, for the usual layout: the segment is one entry of `name = {value}`
    fields without nested braces. `str.split` at `},` does the scanning and C-level `map`s the
    rest; the brace counts prove the layout, else None and the caller scans field by field.
    """
    end = len(segment)
    while segment[end - 1] in " \t\r\n":
        end -= 1
    if segment[end - 1] not in "})":
        return None
    pieces = segment[pos : end - 1].split("},")
    last = pieces.pop()
    if last and not last.isspace():
        pieces.append(last.rstrip().removesuffix("}"))
    if (
        segment.count("{", pos, end) != len(pieces)
        or segment.count("}", pos, end) != len(pieces) + 1
    ):
        return None
    prefixes, _, values = zip(*map(str.partition, pieces, repeat("{")), strict=True)
    names = list(map(_PREFIXES.names.get, prefixes))
    if None in names:
        return None
    fields = dict(zip(names, values, strict=True))
    if len(fields) < len(names):
        return None  # a repeated field: the careful path keeps the first, as BibTeX does
    return fields, end, True


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
            child.simple = False
    if "title" in parent and "booktitle" not in fields:
        fields["booktitle"] = parent["title"]
        child.simple = False


def _result(entry: _Entry) -> ParseResult:
    try:
        record = work_record(entry.fields, entry.key, entry.raw if entry.simple else None)
    except EntryError as error:
        reason = error.reason
        if error.field == "title" and "crossref" in entry.fields:
            reason += f" (crossref {entry.fields['crossref']!r} not found in the file)"
        return Malformed(entry.position, error.field, reason, entry.raw)
    return Parsed(record, entry.position, entry.raw)


def parse(stream: BinaryIO) -> Iterator[ParseResult]:
    state = _FileState()
    for segment, first_line in _segments(stream):
        yield from _parse_segment(segment, first_line, state)
    while state.pending:
        yield from _release_oldest(state)


_SNIFF_ENTRY = re.compile(
    rb"^[ \t]*@[ \t]*(?:string|comment|preamble|[A-Za-z]+[ \t]*[{(][^\s,{}()]*[ \t]*,)",
    re.MULTILINE | re.IGNORECASE,
)
_SNIFF_LOOSE = re.compile(rb"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)


def sniff(head: bytes, filename: str) -> bool:
    """A line starting `@type{key,` (or @string/@comment/@preamble), outside JSON and XML."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"[", b"<"):
        return False
    if _SNIFF_ENTRY.search(text) is not None:
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

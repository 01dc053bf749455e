"""BibTeX (.bib) files, streamed: one WorkRecord per entry.

A hand-written scanner, because general BibTeX libraries parse a few thousand entries per
second and ingest needs well over ten thousand. The text is decoded incrementally and cut into
segments at every line that starts with `@type{` / `@type(`. Values are delimited with
`str.find` (brace depth is tracked by counting `{` between successive `}`), never character by
character; regexes only read the short field names. A segment boundary also bounds the damage
of an unbalanced brace: the broken entry becomes Malformed and parsing resumes at the next
line-start `@`.

Crossref: like BibTeX, a child inherits the fields it lacks from the entry it crossrefs (not its
title, abstract, identifiers, keywords, note or pages; the parent's title becomes the child's
booktitle). The parent may come before or after the child in the same file. Earlier parents
are remembered (proceedings-like entries up to `_MAX_PARENTS`, others among the last
`_MAX_RECENT`); a child whose parent has not been seen yet waits (at most `_MAX_PENDING` per
file, oldest released first) and is emitted when the parent appears, or as it is at end of file.
"""

from __future__ import annotations

import html
import io
import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.arxiv_ids import arxiv_id
from paperscope.sources.base import Format, Malformed, Parsed, ParseResult
from paperscope.sources.latex import decode_latex

_CHUNK_CHARS = 1 << 20
_MAX_SEGMENT_CHARS = 32 << 20
_MAX_RECENT = 2_000
_MAX_PARENTS = 20_000
_MAX_PENDING = 10_000
_MAX_CACHED = 200_000

_HEADER = re.compile(r"@[ \t]*([A-Za-z][\w-]*)\s*([{(])\s*")
_KEY = re.compile(r"([^\s,{}\"=]*)\s*")
_FIELD_NAME = re.compile(r"\s*([A-Za-z_][\w.:+/-]*)\s*=\s*")
_BARE_VALUE = re.compile(r"[^\s\"#%'(),={}]+")
_QUOTE_OR_BRACE = re.compile(r'["{}]')
_SPACE = re.compile(r"\s*")
_LINE_START_AT = re.compile(r"\n[ \t]*@")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_COMMA = re.compile(r",")
_KEYWORD_SEPARATOR = re.compile(r"[,;]")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)

_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = {name[:3]: number for number, name in enumerate(_MONTH_NAMES.split(), start=1)}
_STANDARD_MACROS = {name[:3]: name.capitalize() for name in _MONTH_NAMES.split()}
_PARENT_TYPES = frozenset({"proceedings", "book", "collection", "mvbook", "mvproceedings"})
_NOT_INHERITED = frozenset(
    {"title", "abstract", "doi", "url", "eprint", "crossref", "keywords", "note", "pages"}
)


class _EntryError(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(slots=True)
class _Entry:
    key: str
    kind: str
    fields: dict[str, str]
    position: str
    raw: str


@dataclass(slots=True)
class _FileState:
    """What one file's entries share: @string macros, entry numbering, crossref parents."""

    macros: dict[str, str] = field(default_factory=lambda: dict(_STANDARD_MACROS))
    entries: int = 0
    recent: OrderedDict[str, dict[str, str]] = field(default_factory=OrderedDict)
    parents: OrderedDict[str, dict[str, str]] = field(default_factory=OrderedDict)
    pending: OrderedDict[str, list[_Entry]] = field(default_factory=OrderedDict)
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
                if found + 1 > cut and _HEADER.match(buffer, found + 1):
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
                raise _EntryError(name, f"unbalanced {kind}: the value runs into the next entry")
            parts.append(text[pos + 1 : end - 1])
        else:
            bare = _BARE_VALUE.match(text, pos, limit)
            if bare is None:
                raise _EntryError(name, f"expected a value, found {_found(text, pos, limit)}")
            end, word = bare.end(), bare.group()
            parts.append(word if word.isdigit() else macros.get(word.lower(), word))
        pos = _SPACE.match(text, end, limit).end()  # type: ignore[union-attr]
        if pos < limit and text[pos] == "#":
            pos = _SPACE.match(text, pos + 1, limit).end()  # type: ignore[union-attr]
            continue
        return "".join(parts), pos


def _fields(text: str, pos: int, limit: int, macros: dict[str, str]) -> tuple[dict[str, str], int]:
    """Fields from `pos` to the entry's closing delimiter; returns them and the index after it."""
    fields: dict[str, str] = {}
    while True:
        named = _FIELD_NAME.match(text, pos, limit)
        if named is None:
            pos = _SPACE.match(text, pos, limit).end()  # type: ignore[union-attr]
            if pos < limit and text[pos] in "})":
                return fields, pos + 1
            raise _EntryError(None, f"expected a field or '}}', found {_found(text, pos, limit)}")
        name, start = named.group(1).lower(), named.end()
        if start < limit and text[start] == "{":  # the common case: `name = {value},`
            end = _braced_end(text, start, limit)
            if 0 < end < limit and text[end] == ",":
                fields.setdefault(name, text[start + 1 : end - 1])
                pos = end + 1
                continue
        value, pos = _value(text, start, limit, name, macros)
        fields.setdefault(name, value)
        if pos < limit and text[pos] == ",":
            pos += 1
        elif pos < limit and text[pos] in "})":
            return fields, pos + 1
        else:
            found = _found(text, pos, limit)
            raise _EntryError(name, f"expected ',' or '}}' after the value, found {found}")


def _parse_segment(segment: str, first_line: int, state: _FileState) -> Iterator[ParseResult]:
    """Every entry in one segment; text between entries is skipped, as BibTeX does."""
    at = segment.find("@")
    while at >= 0:
        header = _HEADER.match(segment, at)
        if header is None:
            at = segment.find("@", at + 1)
            continue
        kind = header.group(1).lower()
        if kind == "comment":
            return
        if kind in ("preamble", "string"):
            end = _braced_end(segment, header.end() - 1, len(segment))
            if end < 0:
                return
            if kind == "string":
                _define_macros(segment, header.end(), end, state.macros)
            at = segment.find("@", end)
            continue
        state.entries += 1
        key = _KEY.match(segment, header.end())
        line = first_line + segment.count("\n", 0, at)
        position = f"entry {state.entries} (key {key.group(1) or '?'}, line {line})"  # type: ignore[union-attr]
        try:
            fields, end = _entry_fields(segment, key.end(), state.macros)  # type: ignore[union-attr]
        except _EntryError as error:
            resume = _LINE_START_AT.search(segment, at + 1)
            end = resume.start() if resume else len(segment)
            yield Malformed(position, error.field, error.reason, segment[at:end].rstrip())
            at = segment.find("@", end)
            continue
        entry = _Entry(key.group(1), kind, fields, position, segment[at:end])  # type: ignore[union-attr]
        yield from _resolve(entry, state)
        at = segment.find("@", end)


def _entry_fields(segment: str, pos: int, macros: dict[str, str]) -> tuple[dict[str, str], int]:
    if pos < len(segment) and segment[pos] in "})":
        return {}, pos + 1
    if pos >= len(segment) or segment[pos] != ",":
        found = _found(segment, pos, len(segment))
        raise _EntryError(None, f"expected ',' after the citation key, found {found}")
    return _fields(segment, pos + 1, len(segment), macros)


def _define_macros(segment: str, start: int, end: int, macros: dict[str, str]) -> None:
    try:
        fields, _ = _fields(segment, start, end, macros)
    except _EntryError:
        return  # A broken @string only loses its macro, as in BibTeX.
    macros.update(fields)


def _resolve(entry: _Entry, state: _FileState) -> Iterator[ParseResult]:
    """Emit `entry` (and any children waiting for it) once its crossref parent is known."""
    key = entry.key.lower()
    is_parent = entry.kind in _PARENT_TYPES
    remembered = state.parents if is_parent else state.recent
    remembered[key] = entry.fields
    if len(remembered) > (_MAX_PARENTS if is_parent else _MAX_RECENT):
        remembered.popitem(last=False)
    parent_key = entry.fields.get("crossref", "").strip().lower()
    parent = state.parents.get(parent_key) or state.recent.get(parent_key) if parent_key else None
    if parent_key and parent is None:
        state.pending.setdefault(parent_key, []).append(entry)
        state.pending_count += 1
        if state.pending_count > _MAX_PENDING:
            yield from _release_oldest(state)
    else:
        if parent is not None:
            _inherit(entry.fields, parent)
        yield _result(entry)
    if state.pending and key in state.pending:
        for child in state.pending.pop(key):
            state.pending_count -= 1
            _inherit(child.fields, entry.fields)
            yield _result(child)


def _release_oldest(state: _FileState) -> Iterator[ParseResult]:
    _, children = state.pending.popitem(last=False)
    state.pending_count -= len(children)
    for child in children:
        yield _result(child)


def _inherit(child: dict[str, str], parent: dict[str, str]) -> None:
    for name, value in parent.items():
        if name not in _NOT_INHERITED:
            child.setdefault(name, value)
    if "title" in parent:
        child.setdefault("booktitle", parent["title"])


def _result(entry: _Entry) -> ParseResult:
    try:
        record = _record(entry.fields, entry.key)
    except _EntryError as error:
        reason = error.reason
        if error.field == "title" and "crossref" in entry.fields:
            reason += f" (crossref {entry.fields['crossref']!r} not found in the file)"
        return Malformed(entry.position, error.field, reason, entry.raw)
    return Parsed(record, entry.position, entry.raw)


def _text(value: str | None) -> str | None:
    """Readable text: LaTeX and the HTML entities some exporters leave (`&amp;`) decoded."""
    if not value:
        return None
    text = decode_latex(value)
    if "&" in text:
        text = html.unescape(text)
    if "\n" in text or "  " in text or "\t" in text or "\r" in text or "\xa0" in text:
        return " ".join(text.split()) or None
    return text.strip() or None


def _cached_text(value: str | None, cache: dict[str, str | None]) -> str | None:
    """`_text` for short values that repeat across entries (venues, keywords)."""
    if value is None:
        return None
    try:
        return cache[value]
    except KeyError:
        if len(cache) > _MAX_CACHED:
            cache.clear()
        text = cache[value] = _text(value)
        return text


_VENUES: dict[str, str | None] = {}
_KEYWORDS: dict[str, str | None] = {}
_AUTHORS: dict[str, AuthorName | None] = {}


def _record(fields: dict[str, str], key: str) -> WorkRecord:
    title = _text(fields.get("title"))
    if title is None:
        raise _EntryError("title", "missing title")
    year, published = _dates(fields)
    venue = fields.get("journal") or fields.get("booktitle") or fields.get("series")
    primary_class = _text(fields.get("primaryclass"))
    return WorkRecord(
        ids=_ids(fields, key),
        title=title,
        abstract=_text(fields.get("abstract")),
        authors=_authors(fields.get("author")),
        published=published,
        year=year,
        categories=(primary_class,) if primary_class else (),
        venue=_cached_text(venue, _VENUES),
        keywords=_keywords(fields.get("keywords")),
        comments=_text(fields.get("note")),
        url=_url(fields.get("url")),
    )


def _normal_doi(value: str) -> str | None:
    doi = value.strip().strip("{}").lower()
    if not doi.startswith("10."):
        doi = _DOI_PREFIX.sub("", doi)
    doi = doi.replace("\\_", "_")
    return doi if _DOI.fullmatch(doi) else None


def _ids(fields: dict[str, str], key: str) -> tuple[ExternalId, ...]:
    """DOI first (the field, then a key that is a DOI, as ACM keys are), else arXiv, else key."""
    ids: list[ExternalId] = []
    doi_field = fields.get("doi")
    for candidate in (doi_field, key) if doi_field != key else (key,):
        doi = _normal_doi(candidate) if candidate else None
        if doi is not None and (not ids or ids[0].value != doi):
            ids.append(ExternalId("doi", doi))
    eprint = fields.get("eprint")
    arxiv = arxiv_id(eprint.strip("{} ")) if eprint else None
    if arxiv is not None:
        ids.append(ExternalId("arxiv", arxiv))
    return tuple(ids) or (ExternalId("bibkey", key),)


def _dates(fields: dict[str, str]) -> tuple[int | None, date | None]:
    iso = _ISO_DATE.match(fields["date"].strip()) if "date" in fields else None
    raw_year = fields.get("year")
    if raw_year is not None:
        found = raw_year if raw_year.isdigit() and len(raw_year) == 4 else _YEAR.search(raw_year)
        if found is None:
            raise _EntryError("year", f"unparseable year {raw_year.strip()!r}")
        year = int(found if isinstance(found, str) else found.group(1))
    elif iso is not None:
        year = int(iso.group(1))
    else:
        return None, None
    month = _month(fields.get("month")) or (int(iso.group(2)) if iso and iso.group(2) else None)
    if month is None or not 1 <= month <= 12:
        return year, None
    day_text = fields.get("day", "").strip() or (iso.group(3) or "" if iso else "")
    try:
        return year, date(year, month, int(day_text) if day_text.isdigit() else 1)
    except ValueError:
        return year, date(year, month, 1)


def _month(value: str | None) -> int | None:
    if not value:
        return None
    text = value.strip().strip("{}").strip().lower()
    return int(text) if text.isdigit() else _MONTHS.get(text[:3])


def _split_top_level(value: str, separator: re.Pattern[str]) -> list[str]:
    """`value` split at `separator` matches that are outside braces."""
    if "{" not in value:
        return separator.split(value)
    parts, start, depth, scanned = [], 0, 0, 0
    for match in separator.finditer(value):
        depth += value.count("{", scanned, match.start()) - value.count("}", scanned, match.start())
        scanned = match.start()
        if depth == 0:
            parts.append(value[start : match.start()])
            start = match.end()
    parts.append(value[start:])
    return parts


def _authors(value: str | None) -> tuple[AuthorName, ...]:
    if not value:
        return ()
    authors = []
    for raw_name in _split_top_level(value.strip(), _AND):
        try:
            author = _AUTHORS[raw_name]
        except KeyError:
            if len(_AUTHORS) > _MAX_CACHED:
                _AUTHORS.clear()
            name = _display_name(raw_name)
            author = _AUTHORS[raw_name] = AuthorName(name) if name else None
        if author is not None:
            authors.append(author)
    return tuple(authors)


def _display_name(raw_name: str) -> str | None:
    """ "Last, First" and "Last, Jr, First" as "First Last Jr"; `{Corporate, Inc.}` kept whole."""
    pieces = [piece.strip() for piece in _split_top_level(raw_name, _COMMA)]
    if len(pieces) == 2:
        pieces = [pieces[1], pieces[0]]
    elif len(pieces) >= 3:
        pieces = [pieces[2], pieces[0], pieces[1], *pieces[3:]]
    name = _text(" ".join(piece for piece in pieces if piece))
    return None if name is None or name.lower() == "others" else name


def _keywords(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    words = (_cached_text(word, _KEYWORDS) for word in _split_top_level(value, _KEYWORD_SEPARATOR))
    return tuple(word for word in words if word)


def _url(value: str | None) -> str | None:
    if not value:
        return None
    url = value.strip().strip("{}").replace("\\_", "_").replace("\\%", "%").replace("\\#", "#")
    return url.removeprefix("\\url").strip("{} ") or None


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

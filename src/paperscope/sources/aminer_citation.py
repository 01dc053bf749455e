"""AMiner / DBLP citation-network dumps (https://www.aminer.org/citation), both variants.

JSON Lines (DBLP-Citation-network v10 and later): one paper object per line,
`{"id", "title", "authors": [{"name", "org", "id"}] or ["name"], "venue": "..." or {"raw"},
"year", "keywords", "fos", "n_citation", "references": [ids], "abstract" or
"indexed_abstract", "doi", "url"}`.

Tagged text (citation-network v1-v8, AMiner-Paper): records separated by blank lines, one
field per line: `#*` title, `#@` authors, `#o` affiliations, `#t`/`#year` year, `#c`/`#conf`
venue, `#index` id, `#%` one reference per line, `#!` abstract, `#citation` count. Some dumps
open with a line holding the record count.

The record key is the dump's own paper id (`aminer:`); references use the same ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    excerpt,
    failure,
    over_cap,
)
from paperscope.sources.json_stream import load_json
from paperscope.sources.reading import LongLine, bounded_lines, peek

# Longest first: `#citation` must not be read as `#c` + "itation".
_TEXT_TAGS = ("#index", "#arnetid", "#citation", "#year", "#conf", "#*", "#@", "#o", "#t")
_TEXT_TAGS_SHORT = ("#c", "#%", "#!")
_TEXT_HEAD = re.compile(rb"\A(?:\s*\d+\s*\n)?\s*#(?:\*|index)")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)


class _BadField(ValueError):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field_name = field_name
        self.reason = reason


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    collapsed = " ".join(value.split())
    return None if not collapsed or collapsed.lower() == "null" else collapsed


def _doi(value: object) -> str | None:
    text = _clean(value)
    doi = _DOI_PREFIX.sub("", text).lower() if text else None
    return doi if doi and doi.startswith("10.") else None


def _year(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _BadField("year", f"year {value!r} is not a number")
    text = str(value).strip()
    if not text.isdigit():
        raise _BadField("year", f"year {value!r} is not a number")
    return int(text) or None  # year 0 means unknown in these dumps


def _count(value: object, field_name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _BadField(field_name, f"{field_name} {value!r} is not a whole number")
    try:
        number = int(value)
    except ValueError:
        raise _BadField(field_name, f"{field_name} {value!r} is not a whole number") from None
    return None if number < 0 else number  # -1 means unknown


# ---------------------------------------------------------------- JSON Lines


def _sniff_json(head: bytes) -> bool:
    first_line, newline, _ = head.lstrip().partition(b"\n")
    if not first_line.startswith(b"{"):
        return False
    if not newline:  # one line longer than the head: judge by its keys alone
        return b'"n_citation"' in first_line
    try:
        obj = json.loads(first_line)
    except (ValueError, RecursionError):
        return False
    if not isinstance(obj, dict) or "id" not in obj or "title" not in obj:
        return False
    if str(obj["id"]).startswith("http"):  # OpenAlex ids are URLs
        return False
    return "n_citation" in obj or "fos" in obj or ("venue" in obj and "references" in obj)


def _json_authors(value: object) -> tuple[tuple[AuthorName, ...], int | None]:
    if value is None:
        return (), None
    if not isinstance(value, list):
        raise _BadField("authors", "authors is not a list")
    authors: list[AuthorName] = []
    for entry in value:
        if isinstance(entry, str):
            name = _clean(entry)
            if name:
                authors.append(AuthorName(name))
        elif isinstance(entry, dict) and (name := _clean(entry.get("name"))):
            author_id = entry.get("id")
            source_id = ExternalId("aminer", str(author_id)) if author_id else None
            authors.append(AuthorName(name, _clean(entry.get("org")), source_id=source_id))
    # Nameless author entries cannot be listed; keep the printed count honest.
    return tuple(authors), (len(value) if len(value) != len(authors) else None)


def _venue(value: object) -> str | None:
    if isinstance(value, dict):
        return _clean(value.get("raw")) or _clean(value.get("name"))
    return _clean(value)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(text for item in value if (text := _clean(item)))


def _fields_of_study(value: object) -> tuple[str, ...]:
    """`fos` names, heaviest first; v11+ gives `{"name", "w"}`, older dumps plain strings."""
    if not isinstance(value, list):
        return ()
    weighted: list[tuple[float, str]] = []
    for item in value:
        if isinstance(item, dict) and (name := _clean(item.get("name"))):
            weight = item.get("w")
            weighted.append((float(weight) if isinstance(weight, int | float) else 0.0, name))
        elif name := _clean(item):
            weighted.append((0.0, name))
    return tuple(name for _, name in sorted(weighted, key=lambda pair: -pair[0]))


def _inverted_abstract(value: object) -> str | None:
    """Rebuild the text of a v12 `indexed_abstract` ({"InvertedIndex": {word: [positions]}})."""
    if not isinstance(value, dict) or not isinstance(value.get("InvertedIndex"), dict):
        return None
    positioned: list[tuple[int, str]] = []
    for word, positions in value["InvertedIndex"].items():
        if isinstance(positions, list):
            positioned.extend((p, word) for p in positions if isinstance(p, int))
    return _clean(" ".join(word for _, word in sorted(positioned)))


def _first_url(value: object) -> str | None:
    if isinstance(value, list):
        return next((url for item in value if (url := _clean(item))), None)
    return _clean(value)


def _json_record(obj: dict[str, Any]) -> WorkRecord:
    paper_id = obj.get("id")
    if paper_id is None or str(paper_id).strip() == "":
        raise _BadField("id", "missing id")
    title = _clean(obj.get("title"))
    if title is None:
        raise _BadField("title", "missing or empty title")
    references = obj.get("references") or []
    if not isinstance(references, list):
        raise _BadField("references", "references is not a list")
    authors, author_count = _json_authors(obj.get("authors"))
    doi = _doi(obj.get("doi"))
    key = ExternalId("aminer", str(paper_id).strip())
    return WorkRecord(
        ids=(key, ExternalId("doi", doi)) if doi else (key,),
        title=title,
        abstract=_clean(obj.get("abstract")) or _inverted_abstract(obj.get("indexed_abstract")),
        authors=authors,
        author_count=author_count,
        year=_year(obj.get("year")),
        categories=_fields_of_study(obj.get("fos")),
        venue=_venue(obj.get("venue")),
        keywords=_strings(obj.get("keywords")),
        url=_first_url(obj.get("url")),
        reported_citations=_count(obj.get("n_citation"), "n_citation"),
        references=tuple(ExternalId("aminer", str(ref).strip()) for ref in references if ref),
    )


def _parse_json_line(number: int, line: str, limits: Limits) -> ParseResult:
    position = f"line {number}"
    try:
        obj = load_json(line, limits.max_depth)
    except ValueError as error:
        return Malformed(position, None, f"not valid JSON: {error}", line)
    if not isinstance(obj, dict):
        return Malformed(position, None, "line is not a JSON object", line)
    if obj.get("id") is not None:
        position = f"line {number} (id {excerpt(str(obj['id']), 100)})"
    try:
        return Parsed(_json_record(obj), position, line)
    except _BadField as problem:
        return Malformed(position, problem.field_name, problem.reason, line)


def _parse_json_lines(stream: BinaryIO, limits: Limits) -> Iterator[ParseResult]:
    for line in bounded_lines(stream, limits.record_bytes, skip_blank=True):
        if isinstance(line, LongLine):
            reason = over_cap("the line", line.size, limits.record_bytes)
            yield Malformed(f"line {line.number}", None, reason, line.excerpt)
            continue
        try:
            yield _parse_json_line(line.number, line.text.strip(), limits)
        except Exception as error:  # one record's failure must not end the file
            yield Malformed(f"line {line.number}", None, failure(error), excerpt(line.text))


# ---------------------------------------------------------------- tagged text


@dataclass
class _TextRecord:
    line: int
    lines: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)
    last_tag: str | None = None

    size: int = 0
    """Characters so far; past the record cap the lines are no longer kept."""

    def add(self, tag: str, value: str) -> None:
        self.values.setdefault(tag, []).append(value)
        self.last_tag = tag

    def continue_last(self, text: str) -> None:
        """A line without a tag continues the previous field (abstracts wrap in some dumps)."""
        if self.last_tag is not None:
            values = self.values[self.last_tag]
            values[-1] = f"{values[-1]} {text}"

    def keep(self, line: str, limits: Limits) -> bool:
        """Count `line` in; False (and nothing kept) once the record is over the cap."""
        self.size += len(line) + 1
        if self.size > limits.record_bytes:
            if self.values:
                self.values.clear()
                self.lines[:] = [excerpt("\n".join(self.lines))]
            return False
        self.lines.append(line)
        return True

    def first(self, tag: str) -> str | None:
        return _clean(self.values.get(tag, [None])[0])


def _split_tag(line: str) -> tuple[str, str] | None:
    for tag in _TEXT_TAGS + _TEXT_TAGS_SHORT:
        if line.startswith(tag):
            return tag, line[len(tag) :].strip()
    return None


def _split_names(value: str | None) -> list[str]:
    if not value:
        return []
    separator = ";" if ";" in value else ","
    return [part.strip() for part in value.split(separator)]


def _text_authors(record: _TextRecord) -> tuple[AuthorName, ...]:
    names = _split_names(record.first("#@"))
    affiliations = _split_names(record.first("#o"))
    authors = []
    for index, raw_name in enumerate(names):
        name = _clean(raw_name)
        if name:
            org = _clean(affiliations[index]) if index < len(affiliations) else None
            authors.append(AuthorName(name, org))
    return tuple(authors)


def _text_work(record: _TextRecord) -> WorkRecord:
    paper_id = record.first("#index")
    if paper_id is None:
        raise _BadField("#index", "record has no #index id")
    title = record.first("#*")
    if title is None:
        raise _BadField("#*", "record has no #* title")
    references = [ref for value in record.values.get("#%", []) if (ref := _clean(value))]
    return WorkRecord(
        ids=(ExternalId("aminer", paper_id),),
        title=title,
        abstract=record.first("#!"),
        authors=_text_authors(record),
        year=_year(record.first("#t") or record.first("#year")),
        venue=record.first("#c") or record.first("#conf"),
        reported_citations=_count(record.first("#citation"), "#citation"),
        references=tuple(ExternalId("aminer", ref) for ref in references),
    )


def _finish_text_record(record: _TextRecord, limits: Limits) -> ParseResult:
    raw = "\n".join(record.lines)
    if record.size > limits.record_bytes:
        reason = over_cap("the record", record.size, limits.record_bytes)
        return Malformed(f"line {record.line}", None, reason, raw)
    paper_id = record.first("#index")
    position = f"line {record.line}" + (f" (id {excerpt(paper_id, 100)})" if paper_id else "")
    try:
        return Parsed(_text_work(record), position, raw)
    except _BadField as problem:
        return Malformed(position, problem.field_name, problem.reason, raw)
    except Exception as error:  # one record's failure must not end the file
        return Malformed(position, None, failure(error), excerpt(raw))


def _parse_tagged_text(stream: BinaryIO, limits: Limits) -> Iterator[ParseResult]:
    record: _TextRecord | None = None
    seen_record = False
    for line in bounded_lines(stream, limits.record_bytes):
        number = line.number
        if isinstance(line, LongLine):
            if record is not None:
                record.size += line.size
                record.keep("", limits)
            else:
                reason = over_cap("the line", line.size, limits.record_bytes)
                yield Malformed(f"line {number}", None, reason, line.excerpt)
            continue
        text = line.text
        if not text.strip():
            if record is not None:
                yield _finish_text_record(record, limits)
                record = None
            continue
        tagged = _split_tag(text)
        if tagged is None:
            if record is not None:
                if record.keep(text, limits):
                    record.continue_last(text.strip())
            elif seen_record or not text.strip().isdigit():  # a leading count line is fine
                yield Malformed(f"line {number}", None, "text outside a record", text)
            continue
        tag, value = tagged
        # Dumps without blank lines between records: a second title starts a new record.
        if record is not None and tag == "#*" and "#*" in record.values:
            yield _finish_text_record(record, limits)
            record = None
        if record is None:
            record, seen_record = _TextRecord(number), True
        if record.keep(text, limits):
            record.add(tag, value)
    if record is not None:
        yield _finish_text_record(record, limits)


# ---------------------------------------------------------------- format


def _sniff(head: bytes, filename: str) -> bool:
    return _TEXT_HEAD.match(head) is not None or _sniff_json(head)


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    head, replay = peek(stream)
    if _TEXT_HEAD.match(head) is not None:
        yield from _parse_tagged_text(replay, limits)
    else:
        yield from _parse_json_lines(replay, limits)


FORMATS = (
    Format(
        name="aminer-citation",
        description="AMiner/DBLP citation-network dump (JSON Lines v10+ or #* tagged text)",
        sniff=_sniff,
        parse=parse,
    ),
)

"""CSL-JSON files (Zotero's "CSL JSON" export, citation.js, pandoc), streamed: one WorkRecord
per item of the top-level array.

The shared bounded reader (`json_stream.json_items`) gives one item at a time, so memory
holds one item (at most `Limits.record_bytes`; a longer one is Malformed with an excerpt)
however long the file; the text comes UTF-8 from `reading.Utf8Stream` (BOM, UTF-16,
cp1252). Fields used (the CSL 1.0 data schema):

    title                  author[].family / given / literal / suffix / particles
    issued.date-parts      (else issued.raw / literal)   DOI   URL   abstract
    container-title        (else event-title, collection-title)    keyword ("a, b")
    number / note          an `arXiv:...` id, as Zotero writes preprints

An item that is not an object, has no title or a field of the wrong type is Malformed
(naming the field) and the next item is read; an exception while reading one item is that
item's Malformed. Broken JSON syntax ends the file with one Malformed at the item where it
broke (the items before it are kept), since nothing after it can be trusted.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import date
from typing import Any, BinaryIO

from paperscope.domain import AuthorName, WorkRecord
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
)
from paperscope.sources.citation_ids import (
    arxiv_from_doi,
    arxiv_mentioned,
    normal_doi,
    work_ids,
)
from paperscope.sources.json_stream import JsonProblem, json_items

_YEAR = re.compile(r"(?<!\d)(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")
_NAME_PARTS = ("given", "dropping-particle", "non-dropping-particle", "family", "suffix")


class _ItemError(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _position(number: int, item: Any) -> str:
    key = item.get("id") if isinstance(item, dict) else None
    if isinstance(key, (str, int)) and not isinstance(key, bool):
        return f"item {number} (id {str(key)[:100]})"
    return f"item {number}"


def _raw(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False, default=str)


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    """The items of a CSL-JSON array (or one item object), each read on its own within
    `limits.record_bytes` by the shared bounded reader (`json_stream`)."""
    seen = 0  # items met so far, read or not
    pending: JsonProblem | None = None  # an unreadable item: the break itself if one follows
    # The array is read item by item, never whole: like JSON Lines, the document cap (for what
    # must be read whole) does not apply to it; each item keeps the record cap.
    items_only = Limits(limits.record_bytes, sys.maxsize, limits.max_depth)
    for piece in json_items(stream, items_only, keep_before_break=True):
        if isinstance(piece, JsonProblem):
            if piece.fatal:
                yield _broken(pending or piece, seen if pending else seen + 1)
                pending = None
                continue
            if pending is not None:
                yield _unreadable(pending, seen)
            seen += 1
            pending = piece
            continue
        if pending is not None:
            yield _unreadable(pending, seen)
            pending = None
        if piece.key == "":
            seen += 1
            yield _guarded(seen, piece.value)
        elif piece.key is None and not piece.split:
            if piece.value == []:
                yield Empty("an empty CSL-JSON array")
            elif isinstance(piece.value, dict):
                seen += 1
                yield _guarded(seen, piece.value)
            else:
                seen += 1
                reason = "a CSL-JSON file is a JSON array of items: it starts with '['"
                yield Malformed(f"item {seen}", None, reason, excerpt(piece.text))
    if pending is not None:
        yield _unreadable(pending, seen)


def _unreadable(problem: JsonProblem, number: int) -> Malformed:
    return Malformed(f"item {number}", None, problem.reason, problem.excerpt)


def _broken(problem: JsonProblem, number: int) -> Malformed:
    """Where the JSON broke: nothing after it can be read."""
    reason = f"broken JSON, nothing after it was read: {problem.reason}"
    return Malformed(f"item {number}", None, reason, problem.excerpt)


def _result(number: int, item: Any) -> ParseResult:
    position = _position(number, item)
    try:
        if not isinstance(item, dict):
            raise _ItemError(None, f"an item must be an object, not {type(item).__name__}")
        return Parsed(work_record(item), position, _raw(item))
    except _ItemError as error:
        return Malformed(position, error.field, error.reason, excerpt(_raw(item)))


def _guarded(number: int, item: Any) -> ParseResult:
    try:
        return _result(number, item)
    except Exception as error:  # one item's failure must not end the file
        return Malformed(f"item {number}", None, failure(error), excerpt(repr(item)))


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = value[0] if value else None  # some writers give container-title as a list
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _ItemError(name, f"expected text, found {type(value).__name__}")
    return " ".join(value.split()) or None


def _name(person: Any) -> str | None:
    if not isinstance(person, dict):
        raise _ItemError("author", "each author must be an object (family, given or literal)")
    literal = _text(person, "literal")
    if literal:
        return literal
    parts = [_text(person, part) for part in _NAME_PARTS]
    return " ".join(part for part in parts if part) or None


def _authors(item: dict[str, Any]) -> tuple[AuthorName, ...]:
    people = item.get("author")
    if people is None:
        return ()
    if not isinstance(people, list):
        raise _ItemError("author", "expected a list of names")
    names = [_name(person) for person in people]
    return tuple(AuthorName(name) for name in names if name)  # two authors may share a name


def _number(value: Any, field: str) -> int | None:
    if isinstance(value, bool):
        raise _ItemError(field, "a date part must be a number")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, str) and not value.strip():
        return None
    raise _ItemError(field, f"a date part must be a number, not {str(value)[:20]!r}")


def _dates(item: dict[str, Any]) -> tuple[int | None, date | None]:
    issued = item.get("issued")
    if issued is None:
        return None, None
    if not isinstance(issued, dict):
        raise _ItemError("issued", "expected an object with date-parts")
    parts = issued.get("date-parts")
    if parts is not None:
        if not isinstance(parts, list) or not parts or not isinstance(parts[0], list):
            raise _ItemError("issued", "date-parts must be a list of [year, month, day] lists")
        numbers = [_number(value, "issued") for value in parts[0][:3]]
    else:
        text = _text(issued, "raw") or _text(issued, "literal")
        found = _YEAR.search(text) if text else None
        numbers = [int(g) if g else None for g in found.groups()] if found else []
    year = numbers[0] if numbers else None
    if year is None or not 1000 <= year <= 2999:
        return (None, None) if year is None else _bad_year(year)
    month = numbers[1] if len(numbers) > 1 else None
    day = numbers[2] if len(numbers) > 2 else None
    try:
        return year, date(year, month, day or 1) if month else None
    except ValueError:
        return year, None


def _bad_year(year: int) -> tuple[int | None, date | None]:
    raise _ItemError("issued", f"unreadable year {year}")


def _keywords(item: dict[str, Any]) -> tuple[str, ...]:
    text = _text(item, "keyword")
    if not text:
        return ()
    words = (" ".join(word.split()) for word in re.split(r"[,;]", text))
    return tuple(dict.fromkeys(word for word in words if word))


def work_record(item: dict[str, Any]) -> WorkRecord:
    """The record for one CSL-JSON item."""
    title = _text(item, "title")
    if title is None:
        raise _ItemError("title", "missing title")
    year, published = _dates(item)
    doi = normal_doi(_text(item, "DOI"))
    url = _text(item, "URL")
    notes = [_text(item, "number"), _text(item, "note"), _text(item, "archive_location")]
    arxiv = arxiv_from_doi(doi) or arxiv_mentioned([url, *notes])
    venue = (
        _text(item, "container-title")
        or _text(item, "event-title")
        or _text(item, "collection-title")
    )
    return WorkRecord(
        ids=work_ids(doi, arxiv, title),
        title=title,
        abstract=_text(item, "abstract"),
        authors=_authors(item),
        published=published,
        year=year,
        venue=venue,
        keywords=_keywords(item),
        url=url if url and url.startswith(("http://", "https://")) else None,
    )


_CSL_KEYS = (b'"issued"', b'"DOI"', b'"container-title"', b'"family"', b'"citation-key"')


def sniff(head: bytes, filename: str) -> bool:
    """A JSON array whose items have a `type`, a `title` and CSL's own keys (`issued`, `DOI`,
    `container-title`, `family`, `citation-key`)."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"["):
        return False
    return b'"type"' in text and b'"title"' in text and any(k in text for k in _CSL_KEYS)


FORMATS = (
    Format(
        name="csl-json",
        description="CSL-JSON arrays (Zotero, citation.js, pandoc exports)",
        sniff=sniff,
        parse=parse,
    ),
)

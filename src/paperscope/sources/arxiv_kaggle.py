"""The Kaggle arXiv metadata snapshot (`arxiv-metadata-oai-snapshot.json`): JSON Lines.

One paper per line with arXiv's own fields (`journal-ref`, `report-no` keep their hyphens).
Names come from `authors_parsed` (already Unicode, split into keyname/forenames/suffix and
affiliations); the TeX `authors` line is the fallback, and also fills in affiliations that
`authors_parsed` left as bare footnote numbers (`1 and 2`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, BinaryIO

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.arxiv_ids import (
    abs_url,
    arxiv_id,
    clean_text,
    doi_ids,
    is_footnote_reference,
    iso_date,
    name_from_parts,
    parse_author_line,
    rfc2822_date,
    split_categories,
    year_from_id,
)
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
from paperscope.sources.reading import LongLine, bounded_lines

_SNAPSHOT_KEYS = (b'"id"', b'"versions"', b'"update_date"', b'"categories"')


def sniff(head: bytes, filename: str) -> bool:
    """JSON Lines whose first record carries the snapshot's own keys (`versions`, `update_date`)."""
    first_line = head.lstrip().split(b"\n", 1)[0]
    return first_line.startswith(b"{") and all(key in first_line for key in _SNAPSHOT_KEYS)


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    for line in bounded_lines(stream, limits.record_bytes, skip_blank=True):
        position = f"line {line.number}"
        if isinstance(line, LongLine):
            reason = over_cap("the line", line.size, limits.record_bytes)
            yield Malformed(position, None, reason, line.excerpt)
            continue
        try:
            yield _line_result(line.text, line.number, limits)
        except Exception as error:  # one record's failure must not end the file
            yield Malformed(position, None, failure(error), excerpt(line.text))


def _line_result(text: str, number: int, limits: Limits) -> ParseResult:
    position = f"line {number}"
    try:
        record = load_json(text, limits.max_depth)
    except ValueError as error:
        return Malformed(position, None, f"invalid JSON: {error}", text)
    if not isinstance(record, dict):
        return Malformed(position, None, "line is not a JSON object", text)
    raw_id = record.get("id")
    key = arxiv_id(raw_id) if isinstance(raw_id, str) else None
    if key is None:
        return Malformed(position, "id", f"missing or not an arXiv id: {_shown(raw_id)}", text)
    position = f"line {number} ({key})"
    title = _string(record, "title")
    if title is None:
        return Malformed(position, "title", "missing or empty title", text)
    return Parsed(_work(record, key, title), position, text)


def _shown(value: object) -> str:
    return excerpt(repr(value), 200)


def _string(record: dict[str, Any], field: str) -> str | None:
    value = record.get(field)
    return clean_text(value) if isinstance(value, str) else None


def _work(record: dict[str, Any], key: str, title: str) -> WorkRecord:
    published, updated = _version_dates(record)
    return WorkRecord(
        ids=(ExternalId("arxiv", key), *doi_ids(_string(record, "doi"))),
        title=title,
        abstract=_string(record, "abstract"),
        authors=_authors(record),
        published=published,
        updated=updated,
        year=published.year if published else year_from_id(key),
        categories=split_categories(_string(record, "categories")),
        venue=_string(record, "journal-ref"),
        comments=_string(record, "comments"),
        url=abs_url(key),
    )


def _version_dates(record: dict[str, Any]) -> tuple[date | None, date | None]:
    """v1's date is the publication; the last version's date (or `update_date`) the update."""
    versions = record.get("versions")
    stamps = versions if isinstance(versions, list) else []
    dated = [
        (stamp.get("version"), found)
        for stamp in stamps
        if isinstance(stamp, dict) and (found := rfc2822_date(stamp.get("created")))
    ]
    first = next((found for name, found in dated if name == "v1"), None)
    published = first or (dated[0][1] if dated else None)
    updated = dated[-1][1] if dated else iso_date(_string(record, "update_date"))
    return published, updated


def _authors(record: dict[str, Any]) -> tuple[AuthorName, ...]:
    line = record.get("authors") if isinstance(record.get("authors"), str) else None
    parsed = _authors_parsed(record.get("authors_parsed"))
    if not parsed:
        return parse_author_line(line)
    if line and "(" in line and any(author.affiliation is None for author in parsed):
        from_line = parse_author_line(line)
        if len(from_line) == len(parsed):
            parsed = [
                AuthorName(mine.name, mine.affiliation or theirs.affiliation)
                for mine, theirs in zip(parsed, from_line, strict=True)
            ]
    return tuple(parsed)


def _authors_parsed(value: Any) -> list[AuthorName]:
    """`[[keyname, forenames, suffix, affiliation...], ...]`; empty when the shape is wrong."""
    if not isinstance(value, list):
        return []
    authors = []
    for parts in value:
        if not isinstance(parts, list) or not all(isinstance(part, str) for part in parts):
            return []
        keyname, forenames, suffix = (clean_text(part) for part in [*parts[:3], "", ""][:3])
        if keyname is None:
            return []
        affiliations = [
            text
            for part in parts[3:]
            if (text := clean_text(part)) and not is_footnote_reference(text)
        ]
        name = name_from_parts(keyname, forenames, suffix)
        authors.append(AuthorName(name, "; ".join(affiliations) or None))
    return authors


FORMATS = (
    Format(
        name="arxiv-kaggle",
        description="Kaggle arXiv metadata snapshot, JSON Lines (arxiv-metadata-oai-snapshot)",
        sniff=sniff,
        parse=parse,
    ),
)

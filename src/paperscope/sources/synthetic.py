"""The `synthetic-demo` format: JSON Lines written by the demo's synthetic corpus generator.

One work per line with its authors, dates, categories, upvotes, code link and references;
ingested through the normal pipeline so every record's provenance says it is synthetic,
and the web app marks every page of a database that holds any.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import BinaryIO

from paperscope.domain import AuthorName, CitationRecord, CodeLink, ExternalId, WorkRecord
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    failure,
    over_cap,
)
from paperscope.sources.json_stream import load_json
from paperscope.sources.reading import LongLine, bounded_lines

FORMAT_NAME = "synthetic-demo"
SCHEME = "listing"


def _records(line: str, limits: Limits) -> Iterator[WorkRecord | CitationRecord]:
    data = load_json(line, limits.max_depth)
    own = ExternalId(SCHEME, data["id"])
    yield WorkRecord(
        ids=(own,),
        title=data["title"],
        abstract=data["abstract"],
        authors=tuple(
            AuthorName(name, affiliation)
            for name, affiliation in zip(
                data["authors"],
                data.get("affiliations") or [None] * len(data["authors"]),
                strict=True,
            )
        ),
        venue=data.get("venue"),
        published=date.fromisoformat(data["published"]),
        featured=date.fromisoformat(data["featured"]) if data["featured"] else None,
        year=int(data["published"][:4]),
        categories=tuple(data["categories"]),
        upvotes=data["upvotes"],
        code_links=(CodeLink(data["code"], "synthetic"),) if data.get("code") else (),
        reported_citations=data.get("reported_citations"),
        references=tuple(ExternalId(SCHEME, ref) for ref in data["references"]),
    )


def _parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    for line in bounded_lines(stream, limits.record_bytes, skip_blank=True):
        position = f"line {line.number}"
        if isinstance(line, LongLine):
            reason = over_cap("the line", line.size, limits.record_bytes)
            yield Malformed(position, None, reason, line.excerpt)
            continue
        text = line.text.strip()
        try:
            for record in _records(text, limits):
                yield Parsed(record, position, text)
        except Exception as error:  # ValueError, KeyError, TypeError, or anything hostile
            yield Malformed(position, None, f"not a synthetic record: {failure(error)}", text)


def _sniff(head: bytes, filename: str) -> bool:
    return b'"synthetic-' in head[:200] and filename.endswith(".jsonl")


SYNTHETIC_FORMAT = Format(FORMAT_NAME, "synthetic demo data (paperscope demo)", _sniff, _parse)
FORMATS = (SYNTHETIC_FORMAT,)

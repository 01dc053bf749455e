"""The `synthetic-demo` format: JSON Lines written by the demo's synthetic corpus generator.

One work per line with its authors, dates, categories, upvotes, code link and references;
ingested through the normal pipeline so every record's provenance says it is synthetic,
and the web app marks every page of a database that holds any.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import BinaryIO

from paperscope.domain import AuthorName, CitationRecord, CodeLink, ExternalId, WorkRecord
from paperscope.sources.base import Format, Malformed, Parsed, ParseResult

FORMAT_NAME = "synthetic-demo"
SCHEME = "listing"


def _records(line: str) -> Iterator[WorkRecord | CitationRecord]:
    data = json.loads(line)
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


def _parse(stream: BinaryIO) -> Iterator[ParseResult]:
    for number, raw in enumerate(stream, start=1):
        line = raw.decode("utf-8", "surrogateescape").strip()
        if not line:
            continue
        try:
            for record in _records(line):
                yield Parsed(record, f"line {number}", line)
        except (ValueError, KeyError, TypeError) as error:
            yield Malformed(f"line {number}", None, f"not a synthetic record: {error}", line)


def _sniff(head: bytes, filename: str) -> bool:
    return b'"synthetic-' in head[:200] and filename.endswith(".jsonl")


SYNTHETIC_FORMAT = Format(FORMAT_NAME, "synthetic demo data (paperscope demo)", _sniff, _parse)
FORMATS = (SYNTHETIC_FORMAT,)

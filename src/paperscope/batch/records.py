"""One input file -> flat rows, with the project's own parsers (runs inside a Spark task).

Every parse result of a file gets its place: (file number, result number), counting
malformed records too, as ingest's batches count them. Work records become one wide row
each, carrying the keys ingest computes (`ingest.keys.keyed`) and the row it would store
(`ingest.merge.work_row`); citation edges, separate abstracts, malformed records and
skipped files get rows of their own. Nothing here raises for one bad record: it becomes a
`bad` row naming file, position, field and reason, and the file goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from paperscope.batch.snapshot import InputFile
from paperscope.domain import AbstractRecord, AuthorRecord, CitationRecord, WorkRecord
from paperscope.errors import PaperscopeError
from paperscope.ingest.keys import content_hash, keyed
from paperscope.ingest.merge import work_row
from paperscope.ingest.reader import Failed, FileSkipped, Results, read_events
from paperscope.names import name_key
from paperscope.sources.base import Malformed, Parsed

WORK_COLUMNS = (
    "file_no",
    "index",
    "file",
    "position",
    "format",
    "record_key",
    "digest",
    "ids",
    "title",
    "title_key",
    "merge_key",
    "merge_keys",
    "abstract",
    "published",
    "updated",
    "featured",
    "year",
    "venue",
    "primary_category",
    "categories",
    "author_count",
    "authors_truncated",
    "code_badge",
    "upvotes",
    "keywords",
    "comments",
    "url",
    "source_score",
    "reported_citations",
    "authors",
    "references",
)
AUTHOR_FIELDS = (
    "position",
    "name",
    "name_key",
    "affiliation",
    "orcid",
    "source_scheme",
    "source_value",
    "label",
)
CITATION_COLUMNS = (
    "file_no",
    "index",
    "format",
    "record_key",
    "digest",
    "citing_scheme",
    "citing_value",
    "cited_scheme",
    "cited_value",
    "is_influential",
)
TEXT_COLUMNS = (
    "file_no",
    "index",
    "format",
    "record_key",
    "digest",
    "scheme",
    "value",
    "text",
    "kind",
)
BAD_COLUMNS = ("file_no", "index", "file", "position", "format", "field", "reason")
FILE_COLUMNS = (
    "file_no",
    "name",
    "results",
    "authors",
    "skipped",
    "failed",
    "formats",
    "works",
    "citations",
    "texts",
    "bad",
)

Row = tuple[str, tuple[Any, ...]]
"""(kind, values): kind is `work`, `citation`, `text`, `bad` or `file`."""


def read_file(file_no: int, source: InputFile) -> Iterator[Row]:
    """Every row of one input (a file, or a folder read as ingest reads it)."""
    results = authors = 0
    kinds = {"work": 0, "citation": 0, "text": 0, "bad": 0}
    formats: list[tuple[int, str]] = []
    """(first result number, format) of each run of results of one format."""
    skipped: list[str] = []
    failed: str | None = None
    try:
        for event in read_events([Path(source.path)], source.format_name):
            if isinstance(event, Results):
                if not formats or formats[-1][1] != event.format_name:
                    formats.append((results, event.format_name))
                for result in event.results:
                    row = _row(file_no, results, event.name, event.format_name, result)
                    results += 1
                    if row is None:
                        authors += 1
                    else:
                        kinds[row[0]] += 1
                        yield row
            elif isinstance(event, FileSkipped):
                skipped.append(f"{event.name}: {event.reason}")
            elif isinstance(event, Failed):
                failed = event.message
    except PaperscopeError as error:  # never raised by read_events; kept for safety
        failed = str(error)
    counts = (kinds["work"], kinds["citation"], kinds["text"], kinds["bad"])
    yield "file", (file_no, source.path, results, authors, skipped, failed, formats, *counts)


def _row(file_no: int, index: int, name: str, fmt: str, result: Any) -> Row | None:
    if isinstance(result, Malformed):
        return "bad", (file_no, index, name, result.position, fmt, result.field, result.reason)
    assert isinstance(result, Parsed)
    record = result.record
    digest = content_hash(result.raw)
    if isinstance(record, WorkRecord):
        return "work", _work_values(file_no, index, name, fmt, result.position, digest, record)
    if isinstance(record, CitationRecord):
        key = f"{record.citing}>{record.cited}"
        cited = record.cited
        return "citation", (
            file_no,
            index,
            fmt,
            key,
            digest,
            record.citing.scheme,
            record.citing.value,
            cited.scheme if cited else None,
            cited.value if cited else None,
            record.is_influential,
        )
    if isinstance(record, AbstractRecord):
        key = f"{record.kind}:{record.work}"
        return "text", (
            file_no,
            index,
            fmt,
            key,
            digest,
            record.work.scheme,
            record.work.value,
            record.text,
            record.kind,
        )
    assert isinstance(record, AuthorRecord)
    return None  # source author profiles are counted, not used (docs/scale.md)


def _work_values(
    file_no: int, index: int, name: str, fmt: str, position: str, digest: str, record: WorkRecord
) -> tuple[Any, ...]:
    work = keyed(record)
    row = work_row(work)
    authors = [
        (
            number,
            a.name,
            name_key(a.name),
            a.affiliation,
            a.orcid,
            a.source_id.scheme if a.source_id else None,
            a.source_id.value if a.source_id else None,
            a.label,
        )
        for number, a in enumerate(record.authors, start=1)
    ]
    values = {
        **row,
        "file_no": file_no,
        "index": index,
        "file": name,
        "position": position,
        "format": fmt,
        "record_key": str(record.key),
        "digest": digest,
        "ids": [(e.scheme, e.value) for e in record.ids],
        "merge_keys": list(work.merge_keys),
        "categories": list(dict.fromkeys(record.categories)),
        "reported_citations": record.reported_citations,
        "authors": authors,
        "references": [(e.scheme, e.value) for e in record.references],
    }
    return tuple(values[column] for column in WORK_COLUMNS)

"""Helpers for the metrics tests: ingest files, read a profile page back with the parser."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from paperscope.domain import AuthorRecord
from paperscope.ingest.pipeline import ingest_paths
from paperscope.sources.base import Parsed
from paperscope.sources.listing_text import parse_listing
from paperscope.store import Store

METRICS_DATA = Path(__file__).parents[1] / "data" / "metrics"
HELD_OUT_PAGES = sorted(METRICS_DATA.glob("profile-*.txt"))

Entry = tuple[tuple[str, ...], date | None, bool | None, tuple[str, ...], bool]


def ingest(store: Store, *paths: Path) -> None:
    ingest_paths(store, list(paths), batch_size=500)


def page_entries(text: str, today: date) -> dict[str, Entry]:
    """title -> (tag, date, Code badge, printed authors, et al.) as the listing parser reads it."""
    results = list(parse_listing(io.BytesIO(text.encode("utf-8")), today=today))
    records = [
        r.record for r in results if isinstance(r, Parsed) and isinstance(r.record, AuthorRecord)
    ]
    assert len(records) == 1, results
    entries = {
        paper.title: (
            paper.categories,
            paper.published,
            paper.code_badge,
            tuple(author.name for author in paper.authors),
            paper.authors_truncated,
        )
        for paper in records[0].papers
    }
    assert len(entries) == len(records[0].papers)
    return entries


def header_numbers(text: str, today: date) -> dict[str, float | None]:
    results = list(parse_listing(io.BytesIO(text.encode("utf-8")), today=today))
    record = next(r.record for r in results if isinstance(r, Parsed))
    assert isinstance(record, AuthorRecord)
    return {
        "h_index": record.reported_h_index,
        "papers": record.reported_papers,
        "citations": record.reported_citations,
    }

"""Helpers of the library import/export tests: a store holding the catalogue side of
tests/data/library, users, and the fields a round trip must keep."""

from __future__ import annotations

import io
from pathlib import Path

from paperscope.accounts.clock import utcnow
from paperscope.accounts.users import user_for_email
from paperscope.domain import WorkRecord
from paperscope.ingest import ingest_paths
from paperscope.sources.base import Parsed
from paperscope.sources.detect import format_named
from paperscope.store import Store

LIBRARY = Path(__file__).resolve().parents[1] / "data" / "library"
SAMPLES = {"bibtex": "zotero.bib", "ris": "zotero.ris", "csl-json": "zotero.json"}

Kept = tuple[str, tuple[str, ...], int | None, str | None]
"""What a round trip must keep of an item: title, authors, year, DOI (lower-cased)."""


def with_catalogue(store: Store) -> Store:
    """The store with catalogue.bib ingested: three of the six Zotero items, stored as other
    sources would (one by arXiv id only, one by DOI, one by title and year only)."""
    ingest_paths(store, [LIBRARY / "catalogue.bib"])
    return store


def user(store: Store, email: str) -> int:
    with store.transaction() as connection:
        return user_for_email(connection, email, utcnow(), verified=True).id


def kept(format_name: str, data: bytes) -> dict[str, Kept]:
    """Each item of a file in one format, by title: what a round trip must keep."""
    found: dict[str, Kept] = {}
    for result in format_named(format_name).parse(io.BytesIO(data)):
        assert isinstance(result, Parsed), result
        record = result.record
        assert isinstance(record, WorkRecord)
        doi = next((i.value.lower() for i in record.ids if i.scheme == "doi"), None)
        authors = tuple(a.name for a in record.authors)
        found[record.title] = (record.title, authors, record.year, doi)
    return found

"""A parsed record with the keys that decide whether it is new: what a batch is made of."""

from __future__ import annotations

from dataclasses import dataclass

from paperscope.domain import AuthorRecord, CitationRecord, Record, WorkRecord
from paperscope.ingest.keys import content_hash
from paperscope.sources.base import Parsed


@dataclass(frozen=True, slots=True)
class Item:
    """A parsed record with the keys that decide whether it is new."""

    record: Record
    file: str
    position: str
    raw: str
    kind: str
    record_key: str
    digest: str
    embedded: bool = False
    """A paper inside an author's list: not counted as a record read from the file."""


def item_for(file: str, parsed: Parsed) -> Item:
    record = parsed.record
    digest = content_hash(parsed.raw)
    if isinstance(record, WorkRecord):
        kind, key = "work", str(record.key)
    elif isinstance(record, AuthorRecord):
        kind, key = "author", str(record.key)
    elif isinstance(record, CitationRecord):
        kind, key = "citation", f"{record.citing}>{record.cited}"
    else:
        kind, key = record.kind, f"{record.kind}:{record.work}"
    return Item(record, file, parsed.position, parsed.raw, kind, key, digest)

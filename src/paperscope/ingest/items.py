"""A parsed record with the keys that decide whether it is new: what a batch is made of."""

from __future__ import annotations

from dataclasses import dataclass

from paperscope.domain import AuthorRecord, CitationRecord, CodeLink, Record, WorkRecord
from paperscope.enrich.codelinks import code_links_for
from paperscope.ingest.keys import KeyedWork, content_hash, keyed
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
    keys: KeyedWork | None = None
    """A work's identity keys, when they were computed beforehand (`prepared_item`)."""
    links: tuple[CodeLink, ...] | None = None
    """A work's code links, when they were found beforehand (`prepared_item`)."""


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


def prepared_item(file: str, parsed: Parsed) -> Item:
    """`item_for`, with what the writer would compute from a work record alone (its keys and
    code links) computed here: the reading process calls this, so that the writing process,
    the slower of the two, does not."""
    item = item_for(file, parsed)
    record = item.record
    if not isinstance(record, WorkRecord):
        return item
    return Item(
        record,
        file,
        item.position,
        item.raw,
        item.kind,
        item.record_key,
        item.digest,
        keys=keyed(record),
        links=code_links_for(record),
    )

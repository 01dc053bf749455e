"""Write one batch of parsed records in one transaction.

A batch is all-or-nothing: a crash mid-batch leaves the store as it was before the batch,
and the rerun finds every earlier batch's source records already stored (same format,
key and content hash) and skips them. That is what makes ingest idempotent and resumable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from paperscope.domain import AbstractRecord, AuthorRecord, CitationRecord, WorkRecord
from paperscope.ingest.counts import IngestCounts
from paperscope.ingest.items import Item, item_for
from paperscope.ingest.keys import content_hash, keyed
from paperscope.ingest.references import write_edges
from paperscope.ingest.resolution import WorkResolver, load_index
from paperscope.ingest.workplan import WorkPlan
from paperscope.sources.base import EXCERPT_CHARS, Malformed, Parsed, ParseResult, excerpt
from paperscope.store.ids import in_list
from paperscope.store.schema import (
    quarantine,
    source_author_works,
    source_authors,
    source_records,
    work_ids,
    works,
)
from paperscope.store.upsert import insert_ignore, upsert


def _papers_of(item: Item, author: AuthorRecord) -> list[Item]:
    """An author's paper list becomes work items of their own, so they merge like any work."""
    return [
        Item(
            paper,
            item.file,
            f"{item.position}, paper {number}",
            f"paper {number} of {author.key}",
            "work",
            str(paper.key),
            content_hash(repr(paper)),
            embedded=True,
        )
        for number, paper in enumerate(author.papers, start=1)
    ]


FileResult = tuple[str, ParseResult | Item]
"""A parse result (or the item the reading process made of it) and the file it came from."""


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""NUL (PostgreSQL refuses it in text) and lone surrogates (no UTF-8 for them)."""
MAX_POSITION_CHARS = 500
MAX_REASON_CHARS = 2000


def storable(text: str, limit: int) -> str:
    """`text` bounded to about `limit` characters, with what no database can store replaced."""
    return _UNSTORABLE.sub("\ufffd", excerpt(text, limit))


def quarantine_row(format_name: str, file: str, malformed: Malformed, run: str) -> dict[str, Any]:
    """The quarantine row of a malformed record: every text bounded (the raw text to an
    excerpt of `EXCERPT_CHARS`), whatever the parser handed over."""
    return {
        "format": format_name[:32],
        "file": storable(file, 4 * MAX_POSITION_CHARS),
        "position": storable(malformed.position, MAX_POSITION_CHARS),
        "field": storable(malformed.field, 100)[:128] if malformed.field else None,
        "reason": storable(malformed.reason, MAX_REASON_CHARS),
        "content_hash": content_hash(malformed.raw),
        "raw": storable(malformed.raw, EXCERPT_CHARS),
        "run": run,
    }


class BatchWriter:
    """Writes batches of records of one format (from any number of files)."""

    def __init__(self, connection: Connection, format_name: str, run: str = "") -> None:
        self.connection = connection
        self.format_name = format_name
        self.run = run

    def write(self, results: Sequence[FileResult]) -> IngestCounts:
        counts = IngestCounts(read=len(results))
        self._quarantine([(f, r) for f, r in results if isinstance(r, Malformed)], counts)
        items: list[Item] = []
        for file, result in results:
            if isinstance(result, Parsed | Item):
                item = result if isinstance(result, Item) else item_for(file, result)
                items.append(item)
                if isinstance(item.record, AuthorRecord):
                    items.extend(_papers_of(item, item.record))
        fresh, known = self._new_items(items, counts)
        work_of = self._write_works(fresh, known, counts)
        self._write_citations([i for i in fresh if i.kind == "citation"], counts)
        self._write_texts([i for i in fresh if isinstance(i.record, AbstractRecord)], counts)
        self._write_authors([i for i in fresh if i.kind == "author"], work_of, counts)
        self._write_source_records(fresh, work_of)
        return counts

    def _quarantine(self, malformed: Sequence[tuple[str, Malformed]], counts: IngestCounts) -> None:
        keys = ["file", "position", "content_hash"]
        rows = [quarantine_row(self.format_name, file, m, self.run) for file, m in malformed]
        unique = list({tuple(row[key] for key in keys): row for row in rows}.values())
        # A record quarantined again (a rerun) is kept once, under the latest run.
        upsert(self.connection, quarantine, unique, keys, ["run", "reason", "field", "raw"])
        counts.quarantined += len(rows)

    def _new_items(
        self, items: Sequence[Item], counts: IngestCounts
    ) -> tuple[list[Item], set[str]]:
        """Items not stored yet, and the record keys stored before with other content."""
        stored: dict[str, set[str]] = {}
        query = select(source_records.c.record_key, source_records.c.content_hash).where(
            source_records.c.format == self.format_name,
            in_list(source_records.c.record_key, {i.record_key for i in items}),
        )
        for key, digest in self.connection.execute(query):
            stored.setdefault(key, set()).add(digest)
        fresh: list[Item] = []
        seen: set[tuple[str, str]] = set()
        for item in items:
            if (
                item.digest in stored.get(item.record_key, ())
                or (item.record_key, item.digest) in seen
            ):
                counts.unchanged += not item.embedded
                continue
            seen.add((item.record_key, item.digest))
            fresh.append(item)
        return fresh, set(stored)

    def _write_works(
        self, fresh: Sequence[Item], known: set[str], counts: IngestCounts
    ) -> dict[int, int]:
        """Insert or merge every work item; returns item id() -> work id."""
        work_items = [i for i in fresh if isinstance(i.record, WorkRecord)]
        if not work_items:
            return {}
        batch = [i.keys or keyed(i.record) for i in work_items if isinstance(i.record, WorkRecord)]
        resolver = WorkResolver(load_index(self.connection, batch))
        plan = WorkPlan(self.connection, resolver)
        for item, work in zip(work_items, batch, strict=True):
            plan.add(item, work, override=item.record_key in known, counts=counts)
        plan.execute(self.format_name)
        return plan.work_of

    def _write_citations(self, items: Sequence[Item], counts: IngestCounts) -> None:
        rows = []
        for item in items:
            record = item.record
            assert isinstance(record, CitationRecord)
            counts.citations += 1
            if record.cited is None:
                continue
            rows.append(
                {
                    "citing_scheme": record.citing.scheme,
                    "citing_value": record.citing.value,
                    "cited_scheme": record.cited.scheme,
                    "cited_value": record.cited.value,
                    "citing_work_id": None,
                    "is_influential": record.is_influential,
                }
            )
        write_edges(self.connection, rows)

    def _write_texts(self, items: Sequence[Item], counts: IngestCounts) -> None:
        for item in items:
            record = item.record
            assert isinstance(record, AbstractRecord)
            # Anything shorter than an abstract (S2 TLDR, HF ai_summary) is a summary.
            column = works.c.abstract if record.kind == "abstract" else works.c.tldr
            target = select(work_ids.c.work_id).where(
                work_ids.c.scheme == record.work.scheme, work_ids.c.value == record.work.value
            )
            result = self.connection.execute(
                update(works)
                .where(works.c.id.in_(target.scalar_subquery()), column.is_(None))
                .values({column.key: record.text})
            )
            counts.abstracts += 1
            counts.unmatched += result.rowcount == 0

    def _write_authors(
        self, items: Sequence[Item], work_of: dict[int, int], counts: IngestCounts
    ) -> None:
        for item in items:
            author = item.record
            assert isinstance(author, AuthorRecord)
            counts.authors += 1
            row = {
                "scheme": author.key.scheme,
                "value": author.key.value,
                "format": self.format_name,
                "name": author.name,
                "aliases": "; ".join(author.aliases) or None,
                "affiliations": "; ".join(author.affiliations) or None,
                "homepage": author.homepage,
                "primary_category": author.primary_category,
                "reported_papers": author.reported_papers,
                "reported_citations": author.reported_citations,
                "reported_h_index": author.reported_h_index,
                "reported_novelty": author.reported_novelty,
                "reported_ai_score": author.reported_ai_score,
            }
            update_columns = [k for k in row if k not in ("scheme", "value")]
            upsert(self.connection, source_authors, [row], ["scheme", "value"], update_columns)
            author_id = self.connection.execute(
                select(source_authors.c.id).where(
                    source_authors.c.scheme == author.key.scheme,
                    source_authors.c.value == author.key.value,
                )
            ).scalar_one()
            self._link_author_papers(author_id, item, work_of)

    def _link_author_papers(self, author_id: int, item: Item, work_of: dict[int, int]) -> None:
        author = item.record
        assert isinstance(author, AuthorRecord)
        paper_works: list[int] = []
        for paper in author.papers:
            found = self.connection.execute(
                select(work_ids.c.work_id).where(
                    work_ids.c.scheme == paper.key.scheme, work_ids.c.value == paper.key.value
                )
            ).scalar()
            if found is not None:
                paper_works.append(found)
        self.connection.execute(
            delete(source_author_works).where(source_author_works.c.source_author_id == author_id)
        )
        rows = [
            {"source_author_id": author_id, "position": n, "work_id": w}
            for n, w in enumerate(paper_works, start=1)
        ]
        if rows:
            self.connection.execute(insert(source_author_works), rows)

    def _write_source_records(self, fresh: Sequence[Item], work_of: dict[int, int]) -> None:
        rows = [
            {
                "format": self.format_name,
                "record_key": item.record_key,
                "kind": item.kind,
                "content_hash": item.digest,
                "file": item.file,
                "position": item.position,
                "work_id": work_of.get(id(item)),
                "raw": item.raw,
            }
            for item in fresh
        ]
        insert_ignore(
            self.connection, source_records, rows, ["format", "record_key", "content_hash"]
        )

"""The works of one batch: resolve each record to a work, then write every row in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from paperscope.domain import CodeLink, WorkRecord
from paperscope.enrich.codelinks import code_links_for
from paperscope.ingest.counts import IngestCounts
from paperscope.ingest.items import Item
from paperscope.ingest.keys import KeyedWork
from paperscope.ingest.merge import merged_changes, work_row
from paperscope.ingest.references import write_edges
from paperscope.ingest.resolution import WorkResolver
from paperscope.names import name_key
from paperscope.store.ids import in_list
from paperscope.store.schema import (
    authorships,
    code_links,
    reported_citations,
    work_categories,
    work_ids,
    works,
)
from paperscope.store.upsert import insert_ignore, insert_with_ids, upsert


class WorkPlan:
    """Collects the rows a batch of work items produces, then writes them in bulk."""

    def __init__(self, connection: Connection, resolver: WorkResolver) -> None:
        self.connection = connection
        self.resolver = resolver
        self.new_rows: dict[int, dict[str, Any]] = {}
        self.stored_rows: dict[int, dict[str, Any]] = {}
        self.changes: dict[int, dict[str, Any]] = {}
        self.targets: list[tuple[Item, WorkRecord, int]] = []
        self.work_of: dict[int, int] = {}
        """Item id() -> the work id it was written to (filled by `execute`)."""
        self._prefetch(sorted(resolver.index.ids_of_work))

    def _prefetch(self, work_ids_: Sequence[int]) -> None:
        query = select(works).where(in_list(works.c.id, work_ids_))
        for row in self.connection.execute(query).mappings():
            self.stored_rows[row["id"]] = dict(row)

    def add(self, item: Item, work: KeyedWork, *, override: bool, counts: IngestCounts) -> None:
        target = self.resolver.resolve(work)
        incoming = work_row(work)
        if target is None:
            target = self.resolver.new_placeholder()
            self.new_rows[target] = incoming
            counts.new += 1
        elif target in self.new_rows:
            self.new_rows[target].update(
                merged_changes(self.new_rows[target], incoming, override=False)
            )
            counts.merged += 1
        else:
            row = self._stored_row(target)
            change = merged_changes(row, incoming, override=override)
            row.update(change)
            self.changes.setdefault(target, {}).update(change)
            counts.updated += override
            counts.merged += not override
        self.resolver.register(target, work)
        self.targets.append((item, work.record, target))

    def _stored_row(self, work_id: int) -> dict[str, Any]:
        if work_id not in self.stored_rows:
            self._prefetch([work_id])
        return self.stored_rows[work_id]

    def execute(self, format_name: str) -> None:
        """Write every row (the reference edges held for the end of the run)."""
        real = self._insert_new_works()
        self._apply_changes()
        rows: dict[str, list[dict[str, Any]]] = {
            "ids": [],
            "authors": [],
            "categories": [],
            "links": [],
            "cited": [],
            "refs": [],
        }
        with_authors = set(self.resolver.index.with_authors)
        with_categories = set(self.resolver.index.with_categories)
        for item, record, target in self.targets:
            work_id = real.get(target, target)
            self.work_of[id(item)] = work_id
            links = code_links_for(record) if item.links is None else item.links
            filled = (with_authors, with_categories)
            self._collect(record, links, work_id, format_name, rows, filled)
        insert_ignore(self.connection, work_ids, rows["ids"], ["value", "scheme"])
        insert_ignore(self.connection, authorships, rows["authors"], ["work_id", "position"])
        insert_ignore(self.connection, work_categories, rows["categories"], ["work_id", "category"])
        insert_ignore(self.connection, code_links, rows["links"], ["work_id", "url"])
        latest_counts = list({(r["work_id"], r["source"]): r for r in rows["cited"]}.values())
        upsert(self.connection, reported_citations, latest_counts, ["work_id", "source"], ["count"])
        write_edges(self.connection, rows["refs"])

    def _insert_new_works(self) -> dict[int, int]:
        if not self.new_rows:
            return {}
        placeholders = list(self.new_rows)
        created = insert_with_ids(self.connection, works, [self.new_rows[p] for p in placeholders])
        return dict(zip(placeholders, created, strict=True))

    def _apply_changes(self) -> None:
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for work_id, change in self.changes.items():
            if change:
                columns = tuple(sorted(change))
                by_columns.setdefault(columns, []).append({"work_id": work_id, **change})
        for columns, rows in by_columns.items():
            statement = (
                update(works)
                .where(works.c.id == bindparam("work_id"))
                .values({c: bindparam(c) for c in columns})
            )
            self.connection.execute(statement, rows)

    def _collect(
        self,
        record: WorkRecord,
        links: tuple[CodeLink, ...],
        work_id: int,
        format_name: str,
        rows: dict[str, list[dict[str, Any]]],
        filled: tuple[set[int], set[int]],
    ) -> None:
        with_authors, with_categories = filled
        rows["ids"] += [
            {"scheme": e.scheme, "value": e.value, "work_id": work_id} for e in record.ids
        ]
        if record.authors and work_id not in with_authors:
            with_authors.add(work_id)
            rows["authors"] += [
                {
                    "work_id": work_id,
                    "position": position,
                    "name": a.name,
                    "name_key": name_key(a.name),
                    "affiliation": a.affiliation,
                    "orcid": a.orcid,
                    "source_scheme": a.source_id.scheme if a.source_id else None,
                    "source_value": a.source_id.value if a.source_id else None,
                    "label": a.label,
                }
                for position, a in enumerate(record.authors, start=1)
            ]
        if record.categories and work_id not in with_categories:
            with_categories.add(work_id)
            rows["categories"] += [
                {"work_id": work_id, "position": n, "category": c}
                for n, c in enumerate(dict.fromkeys(record.categories))
            ]
        rows["links"] += [
            {"work_id": work_id, "url": link.url, "origin": link.origin} for link in links
        ]
        if record.reported_citations is not None:
            rows["cited"].append(
                {"work_id": work_id, "source": format_name, "count": record.reported_citations}
            )
        rows["refs"] += [
            {
                "citing_scheme": record.key.scheme,
                "citing_value": record.key.value,
                "cited_scheme": ref.scheme,
                "cited_value": ref.value,
                "citing_work_id": work_id,
                "is_influential": None,
            }
            for ref in record.references
        ]

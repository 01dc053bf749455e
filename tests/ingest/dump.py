"""A canonical dump of a store: every table's rows, with surrogate ids replaced by natural keys,
so that two databases built in different ways can be compared for equality."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from paperscope.search.bm25 import KEYWORD_LOG, KEYWORD_STATE
from paperscope.store import Store
from paperscope.store.schema import metadata, work_ids, works
from paperscope.store.search_schema import search_state

# `run` names the ingest run that quarantined a row: like an id, it differs between two
# databases built the same way.
SURROGATE_COLUMNS = {"id", "run"}


def canonical_dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.connect() as connection:
        first_id: dict[int, str] = {}
        for scheme, value, work_id in connection.execute(
            select(work_ids.c.scheme, work_ids.c.value, work_ids.c.work_id).order_by(
                work_ids.c.scheme, work_ids.c.value
            )
        ):
            first_id.setdefault(work_id, f"{scheme}:{value}")
        for (work_id,) in connection.execute(select(works.c.id)):
            first_id.setdefault(work_id, f"unidentified:{work_id}")
        dump: dict[str, list[tuple[Any, ...]]] = {}
        for table in metadata.sorted_tables:
            if table.name == "pipeline_runs":  # a log of when stages ran, not stored data
                continue
            query = select(table)
            # How many times the keyword index was refreshed, from a random start, and what
            # each refresh re-indexed: a count of the runs, not of the data (search.bm25).
            if table.name == "search_changes":
                continue
            if table.name == "search_state":
                query = query.where(search_state.c.model.not_in((KEYWORD_STATE, KEYWORD_LOG)))
            rows = []
            for row in connection.execute(query):
                rows.append(
                    tuple(
                        (name, first_id.get(value, value) if name.endswith("work_id") else value)
                        for name, value in sorted(row._asdict().items())
                        if name not in SURROGATE_COLUMNS
                    )
                )
            dump[table.name] = sorted(rows, key=repr)
        return dump

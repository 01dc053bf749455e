"""Ingest the real data in ../shared and check the counts its SOURCE.md files state."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import quarantine, references, works

pytestmark = pytest.mark.shared


def _count(store: Store, query: object) -> int:
    with store.connect() as connection:
        return int(connection.execute(query).scalar_one())  # type: ignore[call-overload]


def test_aan_counts_match_its_source_md(store: Store, shared_dir: Path) -> None:
    counts = ingest_paths(store, [shared_dir / "data" / "aan"])

    assert (counts.new, counts.citations, counts.quarantined) == (18_041, 94_973, 0)
    assert _count(store, select(func.count()).select_from(works)) == 18_041
    assert _count(store, select(func.count()).select_from(references)) == 94_973
    # SOURCE.md: 16,589 ids appear in edges, 15,363 of them have metadata.
    linked_ids = (
        select(references.c.cited_work_id.label("w"))
        .where(references.c.cited_work_id.is_not(None))
        .union(
            select(references.c.citing_work_id.label("w")).where(
                references.c.citing_work_id.is_not(None)
            )
        )
    )
    assert _count(store, select(func.count()).select_from(linked_ids.subquery())) == 15_363

    again = ingest_paths(store, [shared_dir / "data" / "aan"])
    assert (again.new, again.unchanged) == (0, 18_041 + 94_973)
    assert _count(store, select(func.count()).select_from(quarantine)) == 0

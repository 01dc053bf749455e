"""Ingest the real data in ../shared and check the counts its SOURCE.md files state."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import code_links, quarantine, references, works

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


def _quarantined(store: Store) -> list[tuple[str, str | None, str]]:
    with store.connect() as connection:
        rows = connection.execute(
            select(quarantine.c.file, quarantine.c.field, quarantine.c.reason)
        ).all()
    return [(Path(file.split("!")[0]).name, field, reason) for file, field, reason in rows]


def test_every_recording_ingests_with_only_truly_malformed_records_quarantined(
    sqlite_url: str, shared_dir: Path
) -> None:
    store = Store.open(sqlite_url)
    recordings = shared_dir / "data" / "recordings"

    counts = ingest_paths(store, [recordings])

    bad = _quarantined(store)
    by_file: dict[str, int] = {}
    for name, _field, _reason in bad:
        by_file[name] = by_file.get(name, 0) + 1
    # The arXiv `id_list=abc` error feed; S2's error responses (400, 403, 404 x2, 400); a paper
    # recorded with every field null; 8 citing papers that S2 itself gives no id.
    assert by_file == {
        "id_abc_s0_m100_b79c8dcf6bc3.json": 1,
        "test_bad_query_parameters.yaml": 1,
        "test_debug.yaml": 1,
        "test_not_found.yaml": 2,
        "test_get_recommended_papers_from_lists_negative_only.yaml": 1,
        "PaperWithNullValues.json": 1,
        "test_get_paper_citations.yaml": 8,
    }
    assert counts.quarantined == 15
    assert counts.new > 7_000
    assert counts.authors >= 100  # S2 author records, the bulk authors sample included
    assert ingest_paths(store, [recordings]).new == 0


def test_fixture_profile_entries_get_the_repository_their_abstract_names(
    store: Store, shared_dir: Path
) -> None:
    ingest_paths(store, [shared_dir / "fixtures" / "pages" / "author-profile-haoyu-ren.txt"])

    with store.connect() as connection:
        rows = connection.execute(select(works.c.title, code_links.c.url).join(code_links)).all()
    links = {url for _title, url in rows}
    assert links == {
        "https://github.com/Yzk1114/PGPO",
        "https://github.com/Haoyu-R/How-to-Manage-TinyML-at-Scale",
    }

"""`paperscope score`: invariants for every person, S2 h-index, incremental runs, title links."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from metrics_helpers import HELD_OUT_PAGES, ingest
from sqlalchemy import func, insert, select

from paperscope.ingest.references import resolve_references, split_title_year
from paperscope.metrics.profile import lookup_people, person_profile
from paperscope.metrics.scoring import run_score
from paperscope.store import Store
from paperscope.store.metrics_schema import person_metrics, work_metrics
from paperscope.store.schema import references, source_authors, works

TODAY = date(2026, 11, 21)
S2_AUTHOR = "data/recordings/semantic-scholar-api/Author.json"


def _invariants(store: Store) -> int:
    """Check h <= papers, h <= citations, h^2 <= citations for every stored person and every
    profile page; the stored numbers equal the page's. Returns the number of people checked."""
    with store.connect() as connection:
        rows = connection.execute(select(person_metrics)).mappings().all()
        for row in rows:
            h, papers, citations = row["h_index"], row["papers"], row["citations"]
            assert h <= papers and h <= citations and h * h <= citations, dict(row)
            assert row["i10_index"] <= papers and h <= row["g_index"] <= papers, dict(row)
            profile = person_profile(connection, row["person_key"], today=TODAY)
            header = profile.header
            assert (header.papers, header.citations, header.h_index, header.i10_index) == (
                papers,
                citations,
                h,
                row["i10_index"],
            ), row["person_key"]
    return len(rows)


def test_invariants_hold_for_every_person_of_the_test_data(store: Store, data_dir: Path) -> None:
    ingest(store, data_dir)
    with store.transaction() as connection:
        report = run_score(connection, full=True, today=TODAY, embedding_model="none")
    assert report.people > 50
    assert _invariants(store) == report.people


def test_recorded_semantic_scholar_author_reproduces_its_h_index(
    store: Store, shared_dir: Path
) -> None:
    ingest(store, shared_dir / S2_AUTHOR)
    with store.transaction() as connection:
        run_score(connection, full=True, today=TODAY, embedding_model="none")
    with store.connect() as connection:
        reported = connection.execute(select(source_authors.c.reported_h_index)).scalar_one()
        [turing] = lookup_people(connection, "A. Turing")
        assert lookup_people(connection, "Alan Turing") == [turing]
        profile = person_profile(connection, turing, sort="citations", today=TODAY)
    assert reported == 23
    assert profile.header.h_index == 23
    assert profile.header.papers == 60
    assert all(entry.citation_source == "reported" for entry in profile.entries if entry.citations)
    assert _invariants(store) >= 1


def test_incremental_score_touches_only_new_works_and_their_people(
    store: Store, data_dir: Path
) -> None:
    ingest(store, data_dir / "aan")
    with store.transaction() as connection:
        first = run_score(connection, full=True, today=TODAY, embedding_model="none")
        again = run_score(connection, today=TODAY, embedding_model="none")
    assert first.recomputed_works == first.works
    assert (again.recomputed_works, again.written_works, again.written_people) == (0, 0, 0)
    # The summary says how novelty compared the works and what its parts cost, when it ran.
    assert first.novelty_screen is not None and "sparse" in first.novelty_screen
    assert set(first.parts) == {"novelty", "impact model"}
    assert "of the works step: novelty" in first.summary()
    assert f"novelty compared by {first.novelty_screen}" in first.summary()
    assert again.novelty_screen is None and "novelty" not in again.summary()
    ingest(store, *HELD_OUT_PAGES)
    with store.transaction() as connection:
        added = run_score(connection, today=TODAY, embedding_model="none")
        incremental = _snapshot(connection)
        full = run_score(connection, full=True, today=TODAY, embedding_model="none")
        assert _snapshot(connection) == incremental
    assert added.recomputed_works == 10 == added.works - first.works
    assert 10 <= added.written_works < added.works
    assert 2 <= added.written_people < full.people


def _snapshot(connection: object) -> tuple[object, ...]:
    works_part = connection.execute(  # type: ignore[attr-defined]
        select(work_metrics.c.work_id, work_metrics.c.citations).order_by(work_metrics.c.work_id)
    ).all()
    people_part = connection.execute(  # type: ignore[attr-defined]
        select(
            person_metrics.c.person_key,
            person_metrics.c.papers,
            person_metrics.c.citations,
            person_metrics.c.h_index,
            person_metrics.c.g_index,
        ).order_by(person_metrics.c.person_key)
    ).all()
    return tuple(works_part), tuple(people_part)


def test_references_link_by_title_and_year(store: Store, data_dir: Path) -> None:
    ingest(store, data_dir / "aan")
    with store.transaction() as connection:
        title, year = connection.execute(select(works.c.title, works.c.year).limit(1)).one()
        edge = {"citing_scheme": "doi", "citing_value": "10.1/x", "cited_scheme": "title"}
        connection.execute(
            insert(references),
            [
                {**edge, "cited_value": f"{title.upper()} ({year})"},
                {**edge, "cited_value": f"{title} ({year + 5})"},
                {**edge, "cited_value": "A title nobody wrote"},
            ],
        )
        assert resolve_references(connection) == 1
        linked = connection.execute(
            select(func.count()).where(
                references.c.cited_scheme == "title", references.c.cited_work_id.is_not(None)
            )
        ).scalar_one()
    assert linked == 1
    assert split_title_year("On Parsing [2010]") == ("on parsing", 2010)
    assert split_title_year("On Parsing") == ("on parsing", None)

"""Profiles print in the paper-site layout and read back entry for entry (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from metrics_helpers import HELD_OUT_PAGES, METRICS_DATA, header_numbers, ingest, page_entries
from sqlalchemy import func, insert, select, update

from paperscope.cli.profile_text import SECTION_MARK, profile_text
from paperscope.errors import NotFoundError, QueryError
from paperscope.metrics.profile import lookup_people, person_profile
from paperscope.read.works import date_label
from paperscope.store import Store
from paperscope.store.schema import authorships, people, source_authors, works

TODAY = date.today()
FIXTURE = "fixtures/pages/author-profile-haoyu-ren.txt"


def _round_trip(store: Store, page: Path, name: str) -> None:
    ingest(store, page)
    with store.connect() as connection:
        found = lookup_people(connection, name)
        assert len(found) == 1 and found[0].provisional
        profile = person_profile(connection, found[0], today=TODAY)
    printed = profile_text(profile)
    original = page_entries(page.read_text(encoding="utf-8"), TODAY)
    assert page_entries(printed, TODAY) == original
    header = header_numbers(printed, TODAY)
    counts = [entry.citations for entry in profile.entries]
    assert header == {
        "papers": len(original),
        "citations": sum(counts),
        "h_index": profile.header.h_index,
    }


@pytest.mark.parametrize("page", HELD_OUT_PAGES, ids=lambda p: p.stem)
def test_held_out_pages_round_trip_entry_for_entry(store: Store, page: Path) -> None:
    name = page.read_text(encoding="utf-8").splitlines()[0]
    _round_trip(store, page, name)


def test_reference_page_round_trips(store: Store, shared_dir: Path) -> None:
    _round_trip(store, shared_dir / FIXTURE, "Haoyu Ren")


def test_header_shows_only_numbers_of_the_listed_works(store: Store, shared_dir: Path) -> None:
    ingest(store, shared_dir / FIXTURE)
    with store.connect() as connection:
        profile = person_profile(connection, "name:haoyu ren", today=TODAY)
    # The page claims h-index 31 with 17 papers; nothing here knows a citation of them.
    assert profile.header.papers == 17
    assert profile.header.h_index <= profile.header.papers
    assert profile.header.citations == sum(entry.citations for entry in profile.entries)
    assert all(entry.citation_source == "corpus" for entry in profile.entries)


def test_a_provisional_summary_counts_the_works_a_profile_lists(
    store: Store, shared_dir: Path
) -> None:
    """The page lists 17 works, 5 of them hiding its owner behind `et al.`: the summary
    of the name's provisional person counts all 17, as the profile does, not the 12 the
    authorships print (those the database could count alone)."""
    ingest(store, shared_dir / FIXTURE)
    with store.connect() as connection:
        [summary] = lookup_people(connection, "Haoyu Ren")
        printed = connection.execute(
            select(func.count()).where(authorships.c.name_key == "haoyu ren")
        ).scalar()
        profile = person_profile(connection, summary.person_key, today=TODAY)
    assert summary.provisional and summary.papers == profile.header.papers == 17
    assert printed == 12


def test_merged_page_splits_into_people_that_round_trip(store: Store, shared_dir: Path) -> None:
    page = shared_dir / FIXTURE
    ingest(store, page)
    with store.transaction() as connection:
        image = connection.execute(
            insert(people).values(canonical_name="Haoyu Ren")
        ).inserted_primary_key[0]
        tiny = connection.execute(
            insert(people).values(canonical_name="Haoyu Ren")
        ).inserted_primary_key[0]
        for person, words in (
            (image, ("Image", "Depth", "Stereo", "Super", "Denois")),
            (tiny, ("Tiny", "IoT", "Industrial", "Semantic", "Manufacturing", "Synergy")),
        ):
            ids = [
                work_id
                for work_id, title in connection.execute(select(works.c.id, works.c.title))
                if any(word in title for word in words)
            ]
            connection.execute(
                update(authorships)
                .where(authorships.c.work_id.in_(ids), authorships.c.name_key == "haoyu ren")
                .values(person_id=person)
            )
    with store.connect() as connection:
        found = lookup_people(connection, "Haoyu Ren")
        assert {p.person_id for p in found} == {image, tiny, None}
        profiles = [person_profile(connection, p, today=TODAY) for p in found]
    combined: dict[str, object] = {}
    for profile in profiles:
        entries = page_entries(profile_text(profile), TODAY)
        assert not set(entries) & set(combined)
        combined.update(entries)
        counts = [entry.citations for entry in profile.entries]
        assert profile.header.papers == len(entries)
        assert profile.header.citations == sum(counts)
        assert profile.header.h_index**2 <= profile.header.citations
    assert combined == page_entries(page.read_text(encoding="utf-8"), TODAY)
    coauthors = {co.name for p in profiles for co in p.coauthors}
    assert "Darko Anicic" in coauthors


def test_lookup_by_id_and_errors(store: Store) -> None:
    ingest(store, METRICS_DATA / "profile-mira-solberg.txt")
    with store.transaction() as connection:
        person = connection.execute(
            insert(people).values(canonical_name="M. Solberg")
        ).inserted_primary_key[0]
        connection.execute(
            update(authorships)
            .where(authorships.c.name_key == "mira solberg")
            .values(person_id=person)
        )
    with store.connect() as connection:
        [summary] = lookup_people(connection, str(person))
        assert summary.person_id == person and summary.name == "M. Solberg"
        # Three co-authors share two works each; ties go alphabetically.
        assert [(c.name, c.shared_works) for c in summary.top_coauthors] == [
            ("Aiko Tanaka", 2),
            ("Hanne Lie", 2),
            ("Rafael Ortega", 2),
        ]
        assert lookup_people(connection, "999999") == []
        with pytest.raises(QueryError):
            lookup_people(connection, "  ,; ")
        with pytest.raises(QueryError):
            person_profile(connection, person, sort="random")
        with pytest.raises(NotFoundError):
            person_profile(connection, "name:nobody at all")
        by_citations = person_profile(connection, person, sort="citations", today=TODAY)
        assert [e.citations for e in by_citations.entries] == sorted(
            (e.citations for e in by_citations.entries), reverse=True
        )
        assert set(by_citations.explanations) >= {"h-index", "Novelty %", "AI Score", "citations"}
        assert connection.execute(select(source_authors.c.name)).scalars().all() == ["Mira Solberg"]


def _person_of_all(store: Store, key: str, **stored: object) -> int:
    with store.transaction() as connection:
        person = connection.execute(
            insert(people).values(canonical_name="Mira Solberg", **stored)
        ).inserted_primary_key[0]
        connection.execute(
            update(authorships).where(authorships.c.name_key == key).values(person_id=person)
        )
    return int(person)


def test_profile_carries_the_stored_confidence_and_note(store: Store) -> None:
    ingest(store, METRICS_DATA / "profile-mira-solberg.txt")
    with store.connect() as connection:
        [provisional] = lookup_people(connection, "Mira Solberg")
        assert provisional.confidence is None and provisional.note is None
    note = "Joined from 2 groups by their pooled co-authors (weakest join 0.72 >= 0.65)."
    person = _person_of_all(store, "mira solberg", confidence=0.64, note=f"  {note}\n")
    with store.connect() as connection:
        profile = person_profile(connection, person, today=TODAY)
        [found] = lookup_people(connection, "Mira Solberg")
    assert (profile.person.confidence, profile.person.note) == (0.64, note)
    assert (found.confidence, found.note) == (0.64, note)
    assert "identity confidence" in profile.explanations


def test_unscored_confidence_is_none_not_nan(store: Store) -> None:
    ingest(store, METRICS_DATA / "profile-mira-solberg.txt")
    person = _person_of_all(store, "mira solberg", confidence=float("nan"), note="   ")
    with store.connect() as connection:
        summary = person_profile(connection, person, today=TODAY).person
    assert summary.confidence is None and summary.note is None


def test_page_dates_follow_the_injected_today() -> None:
    assert date_label(date(2026, 4, 2), 2026, date(2026, 11, 21)) == "Apr 2"
    assert date_label(date(2023, 4, 11), 2023, date(2026, 11, 21)) == "Apr 11, 2023"
    assert date_label(date(2026, 4, 2), 2026, date(2027, 1, 5)) == "Apr 2, 2026"
    assert date_label(None, 2010, date(2026, 1, 1)) == "2010"


def test_sections_are_marked_for_namesakes() -> None:
    assert SECTION_MARK.strip() == "==="

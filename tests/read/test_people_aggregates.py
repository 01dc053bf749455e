"""Namesakes counted in the database (`read.people_aggregates`) say what each person's own
profile says, computed from its works row by row (`read.people.rank_coauthors`)."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import insert

from paperscope.metrics.profile import person_profile
from paperscope.read.namesake_memo import NamesakeMemo
from paperscope.read.people import (
    lookup_counted,
    lookup_refs,
    people_counted_as,
    people_printed_as,
    person_summaries,
)
from paperscope.read.people_aggregates import person_counts, provisional_counts
from paperscope.read.person_records import PersonRef
from paperscope.store import Store
from paperscope.store.schema import authorships, people, works

PRINTED = {  # name keys and the ways each is printed (ties between printings on purpose)
    "ada lee": ("Ada Lee", "A. Lee", "Ada  Lee"),
    "bo chen": ("Bo Chen", "B. Chen"),
    "cy diaz": ("Cy Diaz",),
    "di wu": ("Di Wu", "D. Wu"),
}


def _corpus(seed: int, size: int = 16) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Works with years, dates or neither (the dates on both sides of the years), and
    authorships shared between a few resolved people and unresolved names, some printed
    twice on one work; few works, so that co-authors and categories tie often."""
    draw = random.Random(seed)
    rows, signed = [], []
    for work_id in range(1, size + 1):
        year = draw.choice([None, 0, 2015, 2016])
        published = draw.choice([None, date(2012, 3, 1), date(2019, 12, 31)])
        category = draw.choice([None, "", "cs.LG", "cs.CL", "cs.CV"])
        rows.append(
            {
                "id": work_id,
                "title": f"W{work_id}",
                "title_key": f"w{work_id}",
                "year": year,
                "published": published,
                "primary_category": category,
            }
        )
        for position in range(draw.randint(1, 5)):
            key = draw.choice(list(PRINTED))
            person = draw.choice([None, 1, 2, 3, 4, 5])
            signed.append(
                {
                    "work_id": work_id,
                    "position": position,
                    "name": draw.choice(PRINTED[key]),
                    "name_key": key,
                    "person_id": person,
                }
            )
    return rows, signed


def _stored(store: Store, seed: int) -> list[dict[str, object]]:
    """`_corpus(seed)` in the store, with six people (the sixth has no works); its
    authorships."""
    rows, signed = _corpus(seed)
    with store.transaction() as connection:
        connection.execute(
            insert(people), [{"id": i, "canonical_name": f"P{i}"} for i in range(1, 7)]
        )
        connection.execute(insert(works), rows)
        connection.execute(insert(authorships), signed)
    return signed


@pytest.mark.parametrize("seed", range(8))
def test_counted_summaries_equal_the_profiles_own(store: Store, seed: int) -> None:
    signed = _stored(store, seed)
    with store.connect() as connection:
        refs = [PersonRef(person_id, "") for person_id in range(1, 6)]
        counted = person_summaries(connection, [(ref, None) for ref in refs])
        for ref, summary in zip(refs, counted, strict=True):
            own = person_profile(connection, ref.key).person
            assert summary == own
            assert summary.papers == len(
                {s["work_id"] for s in signed if s["person_id"] == ref.person_id}
            )
        # Person 6 has no works: no counts, and a summary of nothing.
        assert 6 not in person_counts(connection, [6], 3)
        assert person_summaries(connection, [(PersonRef(6, ""), None)])[0].papers == 0
        # The provisional people (each name's unclaimed authorships), counted the same way.
        unclaimed = sorted({s["name_key"] for s in signed if s["person_id"] is None})
        names = [PersonRef(None, str(key)) for key in unclaimed]
        assert names
        counted = person_summaries(connection, [(ref, None) for ref in names])
        for ref, summary in zip(names, counted, strict=True):
            assert summary == person_profile(connection, ref.key).person
            assert summary.provisional and summary.papers == len(
                {
                    s["work_id"]
                    for s in signed
                    if s["person_id"] is None and s["name_key"] == ref.name_key
                }
            )
        assert "nobody" not in provisional_counts(connection, ["nobody"], 3)


def test_counts_and_works_list_the_same_people_in_the_same_order(store: Store) -> None:
    _stored(store, 4)
    with store.connect() as connection:
        for name in ("Ada Lee", "Bo Chen", "Di Wu"):
            with_works = lookup_refs(connection, name)
            with_counts = lookup_counted(connection, name)
            assert [(ref, len(ids)) for ref, ids in with_works] == [
                (each.ref, each.papers) for each in with_counts
            ]
            assert with_counts, name
        keys = ["bo chen", "di wu"]
        counted = people_counted_as(connection, keys)
        assert [(each.ref, each.papers) for each in counted] == [
            (ref, len(ids)) for ref, ids in people_printed_as(connection, keys)
        ]
        # Only a provisional person's works were read to count them (and are kept).
        assert all((each.ids is None) != each.ref.provisional for each in counted)
        # Provisional people (unresolved printings) are summarised from their works.
        provisional = [each.ref for each in with_counts if each.ref.provisional]
        assert provisional
        summaries = person_summaries(connection, [(ref, None) for ref in provisional])
        assert [s.person_key for s in summaries] == [ref.key for ref in provisional]
        assert all(s.provisional and s.papers for s in summaries)


@pytest.mark.parametrize("size", [2, 100])
def test_a_memo_gives_what_reading_again_gives(store: Store, size: int) -> None:
    """`NamesakeMemo` (the pages refresh's): the same people and summaries, in the order
    asked, whether held, read, or held once and evicted (size 2 is smaller than one ask)."""
    _stored(store, 5)
    memo = NamesakeMemo(size)
    refs = [PersonRef(person_id, "") for person_id in (3, 1, 5)] + [PersonRef(None, "ada lee")]
    with store.connect() as connection:
        for asked in (refs, refs[::-1], refs[1:], [refs[2], refs[2]], refs):
            found = [(ref, None) for ref in asked]
            assert person_summaries(connection, found, memo) == person_summaries(connection, found)
        for keys in (["bo chen", "di wu"], ["di wu"], ["bo chen", "di wu"]):
            assert people_counted_as(connection, keys, memo) == people_counted_as(connection, keys)
    assert len(memo) <= size
    if size == 100:  # held: each person summarised once, each list counted once
        assert memo.misses == len(refs) + 2
        assert memo.hits > memo.misses

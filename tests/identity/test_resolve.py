"""Resolve on a real store (SQLite and PostgreSQL): people, incremental joins, corrections
that survive re-ingest and re-clustering, ORCIDs as hard constraints, stable ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, func, select, update

from claims_helpers import FOLDING, janes
from paperscope.errors import QueryError
from paperscope.identity.corrections import constraints, load_corrections
from paperscope.identity.manage import (
    merge_people,
    people_named,
    person_details,
    remove_works,
    revert_correction,
    split_off,
    split_person,
)
from paperscope.identity.model import PairwiseModel
from paperscope.identity.resolve import resolve_people
from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import authorships, people, source_records, work_ids, works

COMPILERS = {"1504.00004", "1605.00005", "1806.00006"}


def test_every_authorship_gets_a_person_and_namesakes_stay_apart(resolved: Store) -> None:
    with resolved.connect() as connection:
        unresolved = connection.execute(
            select(func.count()).where(authorships.c.person_id.is_(None))
        ).scalar_one()
        assert unresolved == 0
        ids = people_named(connection, "Jane Doe")
        details = [person_details(connection, pid) for pid in ids]
    assert sorted(janes(resolved).values(), key=sorted) == [FOLDING, COMPILERS]
    # Each says there are namesakes and how this one differs, with no count of either (a
    # count would be of the namesakes clustered beside it only, and go stale as works arrive).
    assert all(
        d.note and d.note.startswith("Other people print this name; this one: 20") for d in details
    )


def test_new_work_joins_the_right_person_incrementally(
    resolved: Store, identity_data: Path, model: PairwiseModel
) -> None:
    before = janes(resolved)
    ingest_paths(resolved, [identity_data / "jane-doe-new.jsonl"])
    with resolved.transaction() as connection:
        report = resolve_people(connection, model=model)
    assert report.mode == "incremental"
    assert report.people_created == 0  # every new authorship joined someone
    after = janes(resolved)
    folding_id = next(p for p, w in before.items() if w == FOLDING)
    assert after[folding_id] == FOLDING | {"1907.00007"}
    assert set(after) == set(before)


def test_recluster_keeps_ids_of_unchanged_people(resolved: Store, model: PairwiseModel) -> None:
    before = janes(resolved)
    with resolved.transaction() as connection:
        report = resolve_people(connection, full=True, model=model)
    assert report.mode == "full"
    assert janes(resolved) == before


def _reingest_from_scratch(store: Store, identity_data: Path, model: PairwiseModel) -> None:
    """Delete every work and source record (authorships go with them: new row ids), ingest
    again, resolve, then re-cluster."""
    with store.transaction() as connection:
        connection.execute(delete(source_records))
        connection.execute(delete(works))
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    with store.transaction() as connection:
        resolve_people(connection, model=model)
    with store.transaction() as connection:
        resolve_people(connection, full=True, model=model)


def test_merge_survives_reingest_and_recluster(
    resolved: Store, identity_data: Path, model: PairwiseModel
) -> None:
    keep, other = sorted(janes(resolved))
    with resolved.transaction() as connection:
        merge_people(connection, keep, other)
    assert list(janes(resolved).values()) == [FOLDING | COMPILERS]
    _reingest_from_scratch(resolved, identity_data, model)
    assert list(janes(resolved).values()) == [FOLDING | COMPILERS]


def test_split_survives_reingest_and_recluster(
    resolved: Store, identity_data: Path, model: PairwiseModel
) -> None:
    folding_id = next(p for p, w in janes(resolved).items() if w == FOLDING)
    with resolved.transaction() as connection:
        new_id = split_person(connection, folding_id, ["arxiv:1703.00003"])
    assert janes(resolved)[new_id] == {"1703.00003"}
    _reingest_from_scratch(resolved, identity_data, model)
    groups = sorted(janes(resolved).values(), key=sorted)
    assert groups == sorted([{"1501.00001", "1602.00002"}, {"1703.00003"}, COMPILERS], key=sorted)


def test_later_correction_overrides_earlier(resolved: Store, model: PairwiseModel) -> None:
    keep, other = sorted(janes(resolved))
    with resolved.transaction() as connection:
        merge_people(connection, keep, other)
        split_person(connection, keep, ["arxiv:1504.00004", "arxiv:1605.00005", "arxiv:1806.00006"])
    with resolved.transaction() as connection:
        resolve_people(connection, full=True, model=model)
    assert sorted(janes(resolved).values(), key=sorted) == [FOLDING, COMPILERS]


def test_orcid_is_a_hard_constraint(resolved: Store, model: PairwiseModel) -> None:
    with resolved.transaction() as connection:
        jane = authorships.c.name.in_(["Jane Doe", "J. Doe"])
        connection.execute(update(authorships).where(jane).values(orcid="0000-0002-1825-0097"))
        resolve_people(connection, full=True, model=model)
    assert list(janes(resolved).values()) == [FOLDING | COMPILERS]
    with resolved.transaction() as connection:
        in_1602 = select(work_ids.c.work_id).where(work_ids.c.value == "1602.00002")
        connection.execute(
            update(authorships)
            .where(jane, authorships.c.work_id.in_(in_1602))
            .values(orcid="0000-0001-0000-0001")
        )
        resolve_people(connection, full=True, model=model)
    groups = sorted(janes(resolved).values(), key=len)
    assert groups == [{"1602.00002"}, (FOLDING | COMPILERS) - {"1602.00002"}]


def test_people_left_empty_are_removed(resolved: Store, model: PairwiseModel) -> None:
    with resolved.transaction() as connection:
        before = connection.execute(select(func.count()).select_from(people)).scalar_one()
        connection.execute(update(authorships).values(person_id=None))
        resolve_people(connection, full=True, model=model)
        after = connection.execute(select(func.count()).select_from(people)).scalar_one()
        dangling = connection.execute(
            select(func.count()).where(authorships.c.person_id.is_(None))
        ).scalar_one()
    assert dangling == 0
    assert after == before


class MergeEverything:
    """A second pass that would join any two groups it may: only the rules stop it."""

    threshold = 0.5

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return np.full(len(features), 0.9)


def test_second_pass_merges_are_explained_in_the_note(store: Store, identity_data: Path) -> None:
    from paperscope.identity.model import HandSetModel

    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    strict = HandSetModel(threshold=0.999, linkage="single", groups=MergeEverything())
    with store.transaction() as connection:
        resolve_people(connection, full=True, model=strict)
        notes = connection.execute(select(people.c.size, people.c.note)).all()
        unassigned = connection.execute(
            select(func.count()).where(authorships.c.person_id.is_(None))
        ).scalar_one()

    joined = [(size, note) for size, note in notes if note and "Joined from" in note]
    assert unassigned == 0
    assert joined, notes
    for size, note in joined:
        assert "weakest join 0.90 >= 0.50" in note
        assert int(note.split("Joined from ")[1].split()[0]) <= size


class MergeNothing:
    """A second pass that finds every pair of groups unlikely to be one person."""

    threshold = 0.5

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return np.full(len(features), 0.2)


def test_notes_give_the_second_pass_verdict_on_people_kept_apart(
    store: Store, identity_data: Path
) -> None:
    from paperscope.identity.model import HandSetModel

    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    strict = HandSetModel(threshold=0.999, linkage="single", groups=MergeNothing())
    with store.transaction() as connection:
        resolve_people(connection, full=True, model=strict)
        notes = [n for n in connection.execute(select(people.c.note)).scalars() if n]

    apart = [n for n in notes if "Kept apart from Jane Doe" in n]
    assert apart, notes
    for note in apart:
        assert "strongest same-person link" in note
        assert "pooled co-authors, venues, titles and years 0.200 < 0.50" in note


def test_removal_survives_reingest_and_recluster(
    resolved: Store, identity_data: Path, model: PairwiseModel
) -> None:
    folding_id = next(p for p, w in janes(resolved).items() if w == FOLDING)
    with resolved.transaction() as connection:
        remove_works(connection, folding_id, ["arxiv:1703.00003"])
    assert janes(resolved)[folding_id] == {"1501.00001", "1602.00002"}
    _reingest_from_scratch(resolved, identity_data, model)
    groups = sorted(janes(resolved).values(), key=sorted)
    assert {"1501.00001", "1602.00002"} in groups
    assert all("1703.00003" not in g or g == {"1703.00003"} for g in groups)


def test_revert_undoes_now_and_stops_holding(resolved: Store, model: PairwiseModel) -> None:
    keep, other = sorted(janes(resolved))
    with resolved.transaction() as connection:
        correction = merge_people(connection, keep, other)
    assert list(janes(resolved).values()) == [FOLDING | COMPILERS]
    with resolved.transaction() as connection:
        revert_id = revert_correction(connection, correction)
        assert not constraints(connection).must  # a reverted merge binds nothing
    assert sorted(janes(resolved).values(), key=sorted) == [FOLDING, COMPILERS]
    with resolved.transaction() as connection:
        resolve_people(connection, full=True, model=model)
    assert sorted(janes(resolved).values(), key=sorted) == [FOLDING, COMPILERS]
    with resolved.connect() as connection:
        found = {c.id: c for c in load_corrections(connection)}
    assert found[revert_id].kind == "revert" and found[revert_id].reverts == correction
    with resolved.transaction() as connection, pytest.raises(QueryError, match="already"):
        revert_correction(connection, correction)


def test_reverting_a_split_puts_the_works_back(resolved: Store, model: PairwiseModel) -> None:
    folding_id = next(p for p, w in janes(resolved).items() if w == FOLDING)
    with resolved.transaction() as connection:
        _, correction = split_off(connection, folding_id, ["arxiv:1703.00003"])
        revert_correction(connection, correction)
    assert janes(resolved)[folding_id] == FOLDING
    with resolved.transaction() as connection:
        resolve_people(connection, full=True, model=model)
    assert sorted(janes(resolved).values(), key=sorted) == [FOLDING, COMPILERS]

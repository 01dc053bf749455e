"""An incremental resolve in a large name block loads only the people a new authorship
shares co-authors with, found by the profiles every resolve stores on its people."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from claims_helpers import janes
from paperscope.identity import candidates, loading, resolve
from paperscope.identity.candidates import Profile, choose, profile_of
from paperscope.identity.loading import Stored
from paperscope.identity.manage import merge_people
from paperscope.identity.model import PairwiseModel
from paperscope.identity.parts import PART_LIMIT
from paperscope.identity.resolve import resolve_people
from paperscope.identity.signatures import Signature
from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import authorships, people, work_ids

FOLDING = {"1501.00001", "1602.00002", "1703.00003"}
COMPILERS = {"1504.00004", "1605.00005", "1806.00006"}


def _signature(
    key: int, name: str, coauthors: Sequence[str], venue: str | None = None
) -> Signature:
    return Signature(
        key=key, work=key, name=name, coauthors=tuple(coauthors), title="t", venue=venue
    )


def _profiles(store: Store) -> dict[int, Any]:
    with store.connect() as connection:
        rows = connection.execute(select(people.c.id, people.c.match_profile)).all()
    return {int(pid): None if text is None else json.loads(text) for pid, text in rows}


def test_profile_counts_coauthors_by_person_key_and_leaves_the_own_name_out() -> None:
    profile = profile_of(
        [
            _signature(1, "Jane Doe", ["Alan Grant", "Ellie Sattler", "Jane Doe"], "Nature"),
            _signature(2, "J. Doe", ["A. Grant", "J. Doe"], "nature"),
        ]
    )
    assert profile.coauthors == {"grant alan": 1, "sattler ellie": 1, "grant a": 1}
    assert profile.venues == {"nature": 2}
    assert profile.names == {"Jane Doe": 1, "J. Doe": 1}
    assert Profile.from_json(profile.to_json()) == profile


def _person(
    pid: int, name: str, coauthors: dict[str, int], size: int = 3, names: Sequence[str] = ()
) -> Any:
    printed = {n: 1 for n in [name, *names]}
    return candidates._Person.of(pid, size, name, Profile(coauthors, {}, printed))


def test_choose_ranks_by_shared_coauthors_skips_conflicting_names_and_caps() -> None:
    fresh = [_signature(9, "Wei Wang", ["Li Zhang", "Min Chen", "Tao Liu"])]
    found = [
        _person(1, "Wei Wang", {"zhang li": 3, "chen min": 1, "liu tao": 2}),
        _person(2, "W. Wang", {"zhang li": 1}),
        _person(3, "Wen Wang", {"zhang li": 5, "chen min": 5, "liu tao": 5}),  # conflicting
        _person(4, "Wei Wang", {"zhou yu": 4}),  # no shared co-author
        _person(5, "Wei Wang", {"chen min": 1, "liu tao": 1}),
        # printed "Wei Wang" too (joined through "W. Wang"): its name may be the new one's
        _person(6, "Wen Wang", {"liu tao": 1}, names=["W. Wang", "Wei Wang"]),
    ]
    assert set(choose(fresh, found, per_authorship=10)) == {1, 2, 5, 6}
    assert set(choose(fresh, found)) == {1, 5, 2}  # three: 2 and 6 tie on one, the lower id
    assert choose(fresh, found, per_authorship=2) == {1: fresh, 5: fresh}


def test_without_a_shared_coauthor_the_people_of_the_same_printed_name_are_candidates() -> None:
    alone = [_signature(9, "Wei Wang", [], venue="ACL")]
    found = [
        _person(1, "Wei Wang", {"zhang li": 3}, size=10),
        _person(2, "W. Wang", {"zhang li": 1}),  # never printed "Wei Wang"
        _person(3, "Wei Wang", {"chen min": 1}, size=2),
    ]
    found[2] = candidates._Person.of(3, 2, "Wei Wang", Profile({}, {"acl": 1}, {"Wei Wang": 2}))
    assert set(choose(alone, found)) == {1, 3}
    assert set(choose(alone, found, per_authorship=1)) == {3}  # its venue first, then size


@pytest.fixture
def small_limit() -> int:
    """A part limit the two Jane Does' block (six authorships) is larger than, and one Jane
    Doe's three with the new authorship are not."""
    return 4


def test_full_resolve_stores_each_persons_profile(resolved: Store) -> None:
    profiles = _profiles(resolved)
    assert all(p is not None for p in profiles.values())
    people_of = janes(resolved)
    folding = next(p for p, works in people_of.items() if works == FOLDING)
    assert profiles[folding]["coauthors"] == {"grant alan": 3, "sattler ellie": 2}


def _loaded_ids(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    loaded: list[int] = []
    real = loading.load  # what `resolve` calls

    def watched(connection: Any, ids: Sequence[int]) -> list[Stored]:
        loaded.extend(ids)
        return real(connection, ids)

    monkeypatch.setattr(resolve, "load", watched)
    return loaded


def _works_of(store: Store, ids: Sequence[int], person: int | None = None) -> set[int]:
    """The works of these authorships (only of those of `person`, if given)."""
    with store.connect() as connection:
        query = select(authorships.c.work_id).where(authorships.c.id.in_(list(ids)))
        if person is not None:
            query = query.where(authorships.c.person_id == person)
        return set(connection.execute(query).scalars())


def _work_ids(store: Store, arxiv_ids: set[str]) -> set[int]:
    with store.connect() as connection:
        query = select(work_ids.c.work_id).where(work_ids.c.value.in_(sorted(arxiv_ids)))
        return set(connection.execute(query).scalars())


def _place_new_work(store: Store, identity_data: Path, model: PairwiseModel, limit: int) -> int:
    """Ingest Jane Doe's new work and resolve incrementally; how many authorships it placed."""
    ingest_paths(store, [identity_data / "jane-doe-new.jsonl"])
    with store.transaction() as connection:
        return resolve_people(connection, model=model, part_limit=limit).authorships


def test_a_large_block_loads_only_the_people_sharing_a_coauthor(
    resolved: Store,
    identity_data: Path,
    model: PairwiseModel,
    monkeypatch: pytest.MonkeyPatch,
    small_limit: int,
) -> None:
    loaded = _loaded_ids(monkeypatch)
    assert _place_new_work(resolved, identity_data, model, small_limit) == 3
    folding = next(p for p, works in janes(resolved).items() if works >= FOLDING)
    assert janes(resolved)[folding] == FOLDING | {"1907.00007"}
    assert _works_of(resolved, loaded).isdisjoint(_work_ids(resolved, COMPILERS))
    assert _work_ids(resolved, FOLDING) <= _works_of(resolved, loaded)


def test_a_small_block_is_loaded_whole(
    resolved: Store, identity_data: Path, model: PairwiseModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = _loaded_ids(monkeypatch)
    _place_new_work(resolved, identity_data, model, PART_LIMIT)
    assert _work_ids(resolved, COMPILERS) <= _works_of(resolved, loaded)


def _person_row(store: Store, person: int) -> Any:
    with store.connect() as connection:
        return connection.execute(select(people).where(people.c.id == person)).one()


def _member_means(store: Store, person: int) -> list[float]:
    with store.connect() as connection:
        query = select(authorships.c.person_confidence).where(authorships.c.person_id == person)
        return [float(c) for c in connection.execute(query).scalars()]


def test_a_person_above_the_sample_is_loaded_in_part_and_its_stored_row_grows(
    resolved: Store,
    identity_data: Path,
    model: PairwiseModel,
    monkeypatch: pytest.MonkeyPatch,
    small_limit: int,
) -> None:
    folding = next(p for p, works in janes(resolved).items() if works == FOLDING)
    before = _person_row(resolved, folding)
    monkeypatch.setattr(resolve, "neighbours", functools.partial(candidates.neighbours, sample=2))
    loaded = _loaded_ids(monkeypatch)
    assert _place_new_work(resolved, identity_data, model, small_limit) == 3
    assert janes(resolved)[folding] == FOLDING | {"1907.00007"}
    # of its three authorships, the two sharing both co-authors with the new one were loaded
    both = {"1501.00001", "1703.00003"}
    loaded_works = _works_of(resolved, loaded, person=folding) & _work_ids(resolved, FOLDING)
    assert loaded_works == _work_ids(resolved, both)
    after = _person_row(resolved, folding)
    assert (after.size, after.canonical_name, after.note) == (4, "Jane Doe", before.note)
    profile = json.loads(after.match_profile)
    assert profile["coauthors"] == {"grant alan": 4, "sattler ellie": 3}
    assert profile["names"] == {"Jane Doe": 3, "J. Doe": 1}
    # the person's confidence is still the mean of its members' means, the one left out
    # counted with its stored mean
    means = _member_means(resolved, folding)
    assert len(means) == 4 and after.confidence == pytest.approx(sum(means) / 4, abs=0.01)


def test_missing_profiles_are_computed_and_stored(
    resolved: Store, identity_data: Path, model: PairwiseModel, small_limit: int
) -> None:
    with resolved.transaction() as connection:  # as a database resolved before profiles
        connection.execute(update(people).values(match_profile=None))
    _place_new_work(resolved, identity_data, model, small_limit)
    people_of = janes(resolved)
    folding = next(p for p, works in people_of.items() if works >= FOLDING)
    compilers = next(p for p, works in people_of.items() if works == COMPILERS)
    assert people_of[folding] == FOLDING | {"1907.00007"}
    profiles = _profiles(resolved)
    assert profiles[compilers]["coauthors"] == {"ritchie dennis": 2, "thompson ken": 2}
    assert profiles[folding]["coauthors"] == {"grant alan": 4, "sattler ellie": 3}


def test_merging_by_hand_clears_the_profile(resolved: Store) -> None:
    keep, other = sorted(janes(resolved))
    with resolved.transaction() as connection:
        merge_people(connection, keep, other)
    assert _profiles(resolved)[keep] is None

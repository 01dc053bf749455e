"""`bench/resolve_incremental.py`: which authorships a round takes away from their people,
and how the people they end in are compared with the ones they had."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from bench_scripts import bench_script
from paperscope.store import Store
from paperscope.store.schema import authorships, people, works


def test_a_round_unassigns_every_nth_work_and_scores_where_they_went(sqlite_url: str) -> None:
    script = bench_script("resolve_incremental")
    store = Store.open(sqlite_url)
    with store.transaction() as connection:
        connection.execute(insert(people), [{"id": i, "canonical_name": f"P{i}"} for i in (1, 2)])
        connection.execute(
            insert(works), [{"id": w, "title": f"W{w}", "title_key": f"w{w}"} for w in range(1, 7)]
        )
        connection.execute(
            insert(authorships),
            [
                {
                    "id": 10 * w + k,
                    "work_id": w,
                    "position": k,
                    "name": "A B",
                    "name_key": "a b",
                    "person_id": 1 + k,
                }
                for w in range(1, 7)
                for k in (0, 1)
            ],
        )
    store.close()
    assert script.members_of(sqlite_url, {1}) == {1: {10 * w for w in range(1, 7)}}
    former = script.take_away(sqlite_url, 3)  # works 3 and 6
    assert script.members_before(sqlite_url, former) == {
        1: {10 * w for w in range(1, 7)},
        2: {10 * w + 1 for w in range(1, 7)},
    }
    assert former == {30: 1, 31: 2, 60: 1, 61: 2}
    now, total = script.placed(sqlite_url, sorted(former))
    assert total == 12 and set(now.values()) == {None}
    unplaced = script.agreement(former, now)
    assert unplaced["left_without_person"] == 4 and unplaced["back_to_their_person"] == 0
    assert unplaced["pairwise_vs_full_run"]["recall"] == 0.0
    same = script.agreement(former, {30: 1, 31: 2, 60: 1, 61: 2})
    assert same["back_to_their_person"] == 1.0 and same["pairwise_vs_full_run"]["f1"] == 1.0
    merged = script.agreement(former, {30: 7, 31: 7, 60: 7, 61: 7})  # one new person for all
    assert merged["back_to_their_person"] == 0
    assert merged["pairwise_vs_full_run"]["precision"] == round(2 / 6, 4)
    assert merged["pairwise_vs_full_run"]["recall"] == 1.0
    store = Store.open(sqlite_url)
    with store.connect() as connection:
        left = connection.execute(
            select(authorships.c.id).where(authorships.c.person_id.is_(None))
        ).scalars()
        assert sorted(left) == [30, 31, 60, 61]
    store.close()


def test_the_baseline_copy_holds_what_the_database_holds(sqlite_url: str) -> None:
    """`--fresh-models-baseline` runs each round on a copy: it must hold every row, also
    those still in the write-ahead log of an open connection."""
    script = bench_script("resolve_incremental")
    store = Store.open(sqlite_url)
    with store.transaction() as connection:
        connection.execute(insert(works), [{"id": 1, "title": "W", "title_key": "w"}])
    copy = script.copy_of(sqlite_url)  # the store's connection is still open
    store.close()
    copied = Store.open(copy, migrate=False)
    with copied.connect() as connection:
        assert connection.execute(select(works.c.title)).scalars().all() == ["W"]
    copied.close()
    with pytest.raises(SystemExit):
        script.copy_of("postgresql://127.0.0.1/db")


def test_bcubed_of_placed_authorships_against_the_truth() -> None:
    script = bench_script("resolve_incremental")
    truth = {1: "x", 2: "x", 3: "x", 4: "y", 5: "y"}
    # 1 and 4 were placed: 1 in a person with 2 (right) and 4 (wrong); 4 in the same person
    members = {7: {1, 2, 4}}
    placed = script.bcubed_of_placed(truth, {1: 7, 4: 7}, members)
    # precision: 1 -> 2/3, 4 -> 1/3; recall: 1 -> 2/3 of x, 4 -> 1/2 of y
    assert placed["precision"] == round((2 / 3 + 1 / 3) / 2, 4)
    assert placed["recall"] == round((2 / 3 + 1 / 2) / 2, 4)
    alone = script.bcubed_of_placed(truth, {1: None, 9: 3}, members)  # 9: truth unknown
    assert alone["precision"] == 1.0 and alone["recall"] == round(1 / 3, 4)

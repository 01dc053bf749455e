"""People search by surname: the names that are the word or end with it, found through the
reversed name keys' index on PostgreSQL and by reading every key on SQLite."""

from __future__ import annotations

from sqlalchemy import insert

from paperscope.search.people import surname_query, surname_refs
from paperscope.store import Store
from paperscope.store.schema import authorships, people, works
from plans import ask_for_index_scans, explain, plan_steps

NAMES = {  # name key: works printing it
    "haoyu ren": 3,
    "ren": 2,
    "ada l ren": 1,
    "ren wang": 4,  # "ren" first: not a surname match
    "karen": 5,  # ends with the letters, not the word
    "lauren renner": 6,
}


def _corpus(store: Store) -> int:
    """The works of `NAMES`, one name per work; "Haoyu Ren" resolved. Returns their id."""
    with store.transaction() as connection:
        person = connection.execute(insert(people).values(canonical_name="Haoyu Ren"))
        person_id = person.inserted_primary_key[0]  # type: ignore[index]
        number = 0
        for key, count in NAMES.items():
            for _ in range(count):
                number += 1
                work = connection.execute(
                    insert(works).values(title=f"Work {number}", title_key=f"work {number}")
                ).inserted_primary_key[0]  # type: ignore[index]
                connection.execute(
                    insert(authorships).values(
                        work_id=work,
                        position=0,
                        name=key.title(),
                        name_key=key,
                        person_id=person_id if key == "haoyu ren" else None,
                    )
                )
    return int(person_id)


def test_a_surname_finds_the_names_ending_with_it(store: Store) -> None:
    person_id = _corpus(store)
    with store.connect() as connection:
        found = [ref.key for ref in surname_refs(connection, "ren")]
    # Most works first: Haoyu Ren (3, resolved), then the provisional "ren" and "ada l ren".
    assert found == [f"person:{person_id}", "name:ren", "name:ada l ren"]
    with store.connect() as connection:
        assert surname_refs(connection, "lovelace") == []
        assert [ref.key for ref in surname_refs(connection, "renner")] == ["name:lauren renner"]


def test_a_surname_is_counted_from_an_index_alone(store: Store) -> None:
    # PostgreSQL: the reversed keys' index, in its order (no sort); SQLite has no reverse()
    # and reads every name key, but from the name keys' index, not the table.
    _corpus(store)
    with store.connect() as connection:
        ask_for_index_scans(connection)
        plan = plan_steps(connection, explain(connection, surname_query(store.dialect, "ren")))
    if store.dialect == "postgresql":
        assert "Index Only Scan using ix_authorships_name_key_reversed_person_work" in plan
        assert not [step for step in plan if "Sort" in step], plan
    else:
        assert any("COVERING INDEX ix_authorships_name_key_person_work" in s for s in plan), plan

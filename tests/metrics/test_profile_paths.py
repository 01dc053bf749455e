"""The author page's shortcuts give the same profile as the plain lookups (SQLite and PostgreSQL):
the summary built from the loaded works, co-authors ranked from them, and name variants."""

from __future__ import annotations

from datetime import date

from metrics_helpers import METRICS_DATA, ingest
from sqlalchemy import insert, select, update

from paperscope.metrics.profile import lookup_people, person_profile
from paperscope.read.people import coauthors, lookup_refs, person_summary, person_work_ids
from paperscope.store import Store
from paperscope.store.schema import authorships, people
from paperscope.web.authors import author_page

TODAY = date.today()


def _split_solberg(store: Store) -> int:
    """Mira Solberg's works: two resolved to a person, one printed with a middle name."""
    ingest(store, METRICS_DATA / "profile-mira-solberg.txt")
    with store.transaction() as connection:
        ids = sorted(
            connection.execute(
                select(authorships.c.work_id).where(authorships.c.name_key == "mira solberg")
            ).scalars()
        )
        person = connection.execute(
            insert(people).values(canonical_name="Mira Solberg")
        ).inserted_primary_key[0]
        connection.execute(
            update(authorships)
            .where(authorships.c.work_id.in_(ids[:2]), authorships.c.name_key == "mira solberg")
            .values(person_id=person)
        )
        for work_id, key in ((ids[2], "mira johanne solberg"), (ids[3], "miraa k solberg")):
            connection.execute(
                update(authorships)
                .where(authorships.c.work_id == work_id, authorships.c.name_key == "mira solberg")
                .values(name_key=key)
            )
    return int(person)


def test_name_variants_are_found_by_prefix_and_last_name(store: Store) -> None:
    person = _split_solberg(store)
    with store.connect() as connection:
        found = lookup_people(connection, "Mira Solberg")
        refs = lookup_refs(connection, "Mira Solberg")
    # `miraa k solberg` shares the last name but not the first: not a variant.
    assert {summary.person_key for summary in found} == {
        f"person:{person}",
        "name:mira solberg",
        "name:mira johanne solberg",
    }
    assert [ref.key for ref, _ in refs] == [summary.person_key for summary in found]
    assert [len(ids) for _, ids in refs] == [summary.papers for summary in found]


def test_author_page_equals_the_plain_lookups(store: Store) -> None:
    _split_solberg(store)
    with store.connect() as connection:
        found = lookup_people(connection, "Mira Solberg")
        page = author_page(connection, name="Mira Solberg", sort="citations")
        plain = person_profile(connection, found[0], sort="citations", today=page.profile.today)
        assert page.profile == plain
        assert page.namesakes == tuple(found[1:])
        for summary in found:
            ref = summary.ref
            by_key = person_profile(connection, summary.person_key, today=TODAY)
            # The summary built from the profile's works equals the one built by queries.
            assert by_key.person == summary == person_summary(connection, ref)
            ids = person_work_ids(connection, ref)
            assert list(by_key.coauthors) == coauthors(connection, ref, ids)[:10]
            assert by_key.person.top_coauthors == by_key.coauthors[:3]

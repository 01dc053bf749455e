"""The author page's shortcuts give the same profile as the plain lookups (SQLite and PostgreSQL):
the summary built from the loaded works, co-authors ranked from them, and name variants."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from metrics_helpers import METRICS_DATA, ingest
from sqlalchemy import event, insert, select, update

from paperscope.config import Settings
from paperscope.metrics.author_pages import NAMESAKES_SHOWN, AuthorPage, author_page
from paperscope.metrics.profile import lookup_people, person_profile
from paperscope.read.people import coauthors, lookup_refs, person_summary, person_work_ids
from paperscope.store import Store
from paperscope.store.schema import authorships, people, works
from paperscope.web.app import create_app

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


def _namesakes_of_one_name(store: Store, count: int) -> None:
    """`count` resolved people printed "Wei Wang", each with one work and one co-author."""
    with store.transaction() as connection:
        for number in range(1, count + 1):
            work = connection.execute(
                insert(works).values(title=f"Work {number}", title_key=f"work {number}")
            ).inserted_primary_key[0]
            person = connection.execute(
                insert(people).values(canonical_name="Wei Wang")
            ).inserted_primary_key[0]
            connection.execute(
                insert(authorships),
                [
                    {"work_id": work, "position": 0, "name": "Wei Wang"}
                    | {"name_key": "wei wang", "person_id": person},
                    {"work_id": work, "position": 1, "name": f"Co Author{number}"}
                    | {"name_key": f"co author{number}", "person_id": None},
                ],
            )


def _statements_of_a_name_page(store: Store) -> tuple[int, AuthorPage]:
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    with store.connect() as connection:
        event.listen(connection, "before_cursor_execute", record)
        page = author_page(connection, name="Wei Wang")
        event.remove(connection, "before_cursor_execute", record)
    return len(statements), page


def test_namesakes_cost_the_same_queries_however_many(store: Store, database_url: str) -> None:
    """A common name is printed by hundreds of resolved people at a million works: their
    summaries come from a fixed number of queries, not a few per namesake."""
    _namesakes_of_one_name(store, 3)
    few, page = _statements_of_a_name_page(store)
    assert (len(page.namesakes), page.more_namesakes) == (2, 0)
    _namesakes_of_one_name(store, 40)
    many, page = _statements_of_a_name_page(store)
    # The first NAMESAKES_SHOWN are summarised, most works first; the rest are counted.
    assert (len(page.namesakes), page.more_namesakes) == (NAMESAKES_SHOWN, 42 - NAMESAKES_SHOWN)
    assert many == few
    with store.connect() as connection:
        by_id = author_page(connection, person_id=page.profile.person.person_id)
    assert (len(by_id.namesakes), by_id.more_namesakes) == (NAMESAKES_SHOWN, 42 - NAMESAKES_SHOWN)
    html = TestClient(create_app(Settings(database_url=database_url), store)).get(
        "/author", params={"name": "Wei Wang"}
    )
    assert f"and {42 - NAMESAKES_SHOWN} more" in html.text
    assert 'href="/people?q=Wei%20Wang"' in html.text
    # Each namesake's summary is the one the per-person path builds (these works have no
    # year or category, so their facts add nothing).
    with store.connect() as connection:
        for summary in page.namesakes:
            ids = person_work_ids(connection, summary.ref)
            ranked = coauthors(connection, summary.ref, ids)
            assert [c.name for c in summary.top_coauthors] == [ranked[0].name]
            assert ranked[0].name.startswith("Co Author")
            alone = person_summary(
                connection, summary.ref, ids=ids, facts=[], ranked_coauthors=ranked
            )
            assert summary == alone

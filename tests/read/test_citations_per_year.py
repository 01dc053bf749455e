"""Citations per year of a set of works, counted in the database (`read.works`)."""

from __future__ import annotations

from sqlalchemy import insert

from paperscope.read.works import citations_per_year
from paperscope.store import Store
from paperscope.store.schema import references, works


def _edge(citing: int, cited: int, scheme: str = "w") -> dict[str, object]:
    return {
        "citing_scheme": scheme,
        "citing_value": f"{citing}",
        "citing_work_id": citing,
        "cited_scheme": scheme,
        "cited_value": f"{cited}",
        "cited_work_id": cited,
    }


def test_one_citation_per_citing_work_with_a_known_year(store: Store) -> None:
    years = {1: 2019, 2: 2020, 3: None, 4: 2021, 5: 2021, 6: 2020}
    with store.transaction() as connection:
        connection.execute(
            insert(works),
            [
                {"id": i, "title": f"W{i}", "title_key": f"w{i}", "year": y}
                for i, y in years.items()
            ],
        )
        connection.execute(
            insert(references),
            [
                _edge(2, 1),
                _edge(3, 1),  # no year: not counted
                _edge(4, 1),
                _edge(4, 1, scheme="doi"),  # the same pair from a second source: once
                _edge(1, 1),  # a self-citation: never
                _edge(5, 6),
                _edge(4, 6),
                _edge(6, 2),  # cites a work outside the set asked about
            ],
        )
        connection.execute(
            insert(references),
            [{**_edge(0, 1, scheme="x"), "citing_work_id": None}],  # citing work not stored
        )
    with store.connect() as connection:
        assert citations_per_year(connection, [1, 6]) == {2020: 1, 2021: 3}
        assert list(citations_per_year(connection, [6, 1])) == [2020, 2021]
        assert citations_per_year(connection, [3]) == {}
        assert citations_per_year(connection, []) == {}

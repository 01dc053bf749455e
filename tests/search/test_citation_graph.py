"""The bounded citation-graph queries behind neighbourhoods (`read.citation_graph`), on a
small graph written straight into `references` (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import insert

from paperscope.read import citation_graph as graph
from paperscope.store import Store
from paperscope.store.schema import references, works

HUB_CITERS = 40


def _graph(store: Store) -> None:
    """Work 1 is cited by 2..41 (the hub); 2..6 also cite 42 and 43; 44 cites 1 and itself."""
    rows = [
        {"id": n, "title": f"Work {n}", "title_key": f"work {n}", "year": 2000 + n % 20}
        for n in range(1, 45)
    ]
    edges = [(citing, 1) for citing in range(2, 2 + HUB_CITERS)]
    edges += [(citing, cited) for citing in range(2, 7) for cited in (42, 43)]
    edges += [(44, 1), (44, 44)]
    with store.transaction() as connection:
        connection.execute(insert(works), rows)
        connection.execute(
            insert(references),
            [
                {
                    "citing_scheme": "listing",
                    "citing_value": f"w{a}",
                    "cited_scheme": "listing",
                    "cited_value": f"w{b}",
                    "citing_work_id": a,
                    "cited_work_id": b,
                }
                for a, b in edges
            ],
        )


def test_counts_leave_out_self_citations_and_the_hidden_work(store: Store) -> None:
    _graph(store)
    with store.connect() as connection:
        assert graph.citation_counts(connection, [1, 42, 44]) == {1: HUB_CITERS + 1, 42: 5}
        assert graph.citation_counts(connection, [1], hidden=44) == {1: HUB_CITERS}
        assert graph.reference_counts(connection, [2, 44]) == {2: 3, 44: 1}
        assert graph.cited_by_work(connection, 44, 10) == [1]


def test_fan_out_is_capped(store: Store) -> None:
    _graph(store)
    with store.connect() as connection:
        newest = graph.citing_work(connection, 1, 5)
        assert len(newest) == 5
        years = graph.years(connection, newest)
        assert sorted(years.values(), reverse=True) == [years[w] for w in newest]
        assert graph.most_cited_by(connection, [2, 3, 4], 1, exclude=[1]) == [(42, 3)]
        assert graph.most_citing(connection, [42, 43], 10) == [(w, 2) for w in range(2, 7)]
        assert len(graph.edges_from(connection, list(range(2, 7)), 4)) == 4


def test_citing_sample_reads_at_most_per_work_edges_of_a_hub(store: Store) -> None:
    _graph(store)
    with store.connect() as connection:
        counts = graph.citation_counts(connection, [1, 42])
        edges = graph.citing_sample(connection, [1, 42], counts, per_work=10)
    into_hub = [a for a, b in edges if b == 1]
    assert len(into_hub) == 10 and len(set(into_hub)) == 10
    assert sorted(a for a, b in edges if b == 42) == [2, 3, 4, 5, 6]  # under the cap: all


def test_within_budget_keeps_the_least_cited() -> None:
    counts = {1: 500, 2: 3, 3: 40, 4: 0}
    assert graph.within_budget(counts, [1, 2, 3, 4], 50) == [4, 2, 3]
    assert graph.within_budget(counts, [1, 2, 3, 4], 2) == [4]

"""Authorships read as signatures (identity.loading.load), on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import insert

from paperscope.identity.loading import load
from paperscope.store import Store
from paperscope.store.schema import authorships, references, work_categories, works


def _three_works(store: Store) -> None:
    """Works 1-3 by Ada Lovelace (first) with co-authors; 3 cites 1 and 2, 2 cites 1."""
    with store.transaction() as connection:
        connection.execute(
            insert(works),
            [
                {"id": i, "title": f"Work {i}", "title_key": f"work {i}", "abstract": f"On {i}."}
                | {"venue": "Venue" if i != 2 else None, "year": 2000 + i}
                for i in (1, 2, 3)
            ],
        )
        bylines = {1: ["Ada Lovelace", "Alan Turing"], 2: ["Ada Lovelace"], 3: ["Ada Lovelace"]}
        bylines[3] += ["Grace Hopper", "Alan Turing"]
        connection.execute(
            insert(authorships),
            [
                {"id": 10 * w + p, "work_id": w, "position": p, "name": name}
                | {"name_key": name.lower(), "orcid": "0000-0002-1825-0097" if w == 3 else None}
                for w, names in bylines.items()
                for p, name in enumerate(names)
            ],
        )
        connection.execute(
            insert(work_categories),
            [
                {"work_id": 3, "position": 1, "category": "cs.AI"},
                {"work_id": 3, "position": 0, "category": "cs.CL"},
            ],
        )
        connection.execute(
            insert(references),
            [
                {"citing_scheme": "w", "citing_value": str(a), "citing_work_id": a}
                | {"cited_scheme": "w", "cited_value": str(b), "cited_work_id": b}
                for a, b in ((3, 1), (3, 2), (2, 1))
            ]
            + [  # an edge to a work not stored: no cited id
                {"citing_scheme": "w", "citing_value": "3", "citing_work_id": 3}
                | {"cited_scheme": "doi", "cited_value": "10.1/x", "cited_work_id": None}
            ],
        )


def test_load_reads_each_authorships_work_evidence(store: Store) -> None:
    _three_works(store)
    with store.connect() as connection:
        stored = load(connection, [30, 32, 20, 10])
    assert [s.signature.key for s in stored] == [10, 20, 30, 32]
    third = stored[2].signature
    assert third.coauthors == ("Grace Hopper", "Alan Turing")  # byline order, without Ada
    assert stored[3].signature.coauthors == ("Ada Lovelace", "Grace Hopper")
    assert third.categories == ("cs.CL", "cs.AI")  # by position
    assert (third.title, third.abstract, third.venue, third.year) == (
        "Work 3",
        "On 3.",
        "Venue",
        2003,
    )
    assert stored[1].signature.venue is None
    assert stored[1].signature.coauthors == ()
    assert third.orcid == "0000-0002-1825-0097"
    assert (stored[2].position, stored[3].position) == (0, 2)
    assert third.cites == frozenset({1, 2})
    assert stored[1].signature.cites == frozenset({1})


def test_load_keeps_only_citations_of_works_loaded_with_it(store: Store) -> None:
    """Evidence asks whether one work of a block cites another, and a block's works are
    loaded together: citations of works not loaded are left out."""
    _three_works(store)
    with store.connect() as connection:
        stored = load(connection, [30, 10])
    assert [s.signature.cites for s in stored] == [frozenset(), frozenset({1})]

"""Blocks split into parts (identity.parts), the fast TF-IDF behind the evidence, and
resolve in parts and in batches on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from paperscope.identity.explain import PersonDraft
from paperscope.identity.features import _tfidf
from paperscope.identity.model import PairwiseModel
from paperscope.identity.parts import bisect, cluster_in_parts, components, parts
from paperscope.identity.resolve import resolve_people
from paperscope.identity.signatures import Signature
from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import authorships, people


def _signature(key: int, name: str, coauthors: tuple[str, ...] = (), venue: str = "") -> Signature:
    return Signature(key=key, work=key, name=name, coauthors=coauthors, venue=venue or None,
                     title=f"work {key} on {venue or 'things'}")  # fmt: skip


def test_conflicting_names_fall_in_components_joined_only_through_a_compatible_name() -> None:
    names = ["Wei Wang", "Wen Wang", "Wei Wang", "Wang Wei", "Lei Liu"]
    apart = components([_signature(k, n) for k, n in enumerate(names)])
    assert apart == [[0, 2, 3], [1], [4]]  # "Wang Wei" is "Wei Wang" printed family name first
    joined = components([_signature(k, n) for k, n in enumerate([*names, "W. Wang"])])
    assert joined == [[0, 1, 2, 3, 5], [4]]  # "W. Wang" may be either


def test_a_block_within_the_limit_is_one_part_even_with_conflicting_names() -> None:
    """Evidence is fitted per part (TF-IDF weights, the group model's block size and
    fragments), so a block is split only when clustering it whole would cost too much."""
    signatures = [_signature(k, n) for k, n in enumerate(["Wei Wang", "Wen Wang", "Wei Wang"])]
    assert parts(signatures, None, (), limit=3) == [[0, 1, 2]]
    assert parts(signatures, None, (), limit=2) == [[0, 2], [1]]


def test_clustering_a_block_within_the_limit_is_clustering_it_whole(
    identity_data: Path, model: PairwiseModel
) -> None:
    """The shared path of both engines (`cluster_in_parts`) on a block at most the limit
    long gives `cluster_block`'s people, notes and confidences for the whole block."""
    from paperscope.identity.assign import cluster_block
    from paperscope.identity.corrections import Constraints
    from paperscope.identity.loading import Stored

    teams = [("Ada Byron", "Alan Turing"), ("Grace Hopper", "John Backus")]
    names = ["Wei Wang", "Wen Wang", "Wei Wang", "W. Wang", "Wen Wang", "Wei Wang"]
    members = [
        Stored(_signature(k, n, teams[k % 2], ("POPL", "NeurIPS")[k % 2]), None, 0)
        for k, n in enumerate(names)
    ]
    rules = Constraints(frozenset(), frozenset())

    def seen(drafts: list[PersonDraft]) -> list[tuple[object, ...]]:
        return [(d.members, d.canonical_name, d.confidence, d.note, d.authorships) for d in drafts]

    whole = cluster_block(members, rules, model, True)
    [shared] = cluster_in_parts(members, rules, model, True, limit=len(members))
    assert seen(shared) == seen(whole)
    split = cluster_in_parts(members, rules, model, True, limit=3)
    assert len(split) > 1
    assert sorted(k for part in split for d in part for k, _ in d.authorships) == list(range(6))


def test_a_must_link_joins_components() -> None:
    signatures = [_signature(k, n) for k, n in enumerate(["Wei Wang", "Wen Wang", "Jia Li"])]
    assert components(signatures, [[0, 1]]) == [[0, 1], [2]]


def test_large_components_are_bisected_to_the_limit_keeping_units_whole() -> None:
    teams = [("Ada Byron", "Alan Turing"), ("Grace Hopper", "John Backus")]
    signatures = [
        _signature(k, "Wei Wang", teams[k % 2], venue=("POPL", "NeurIPS")[k % 2]) for k in range(40)
    ]
    found = parts(signatures, None, [[0, 2, 4, 6, 8, 10]], limit=10)
    assert sorted(k for part in found for k in part) == list(range(40))
    assert all(len(part) <= 10 for part in found)
    assert any({0, 2, 4, 6, 8, 10} <= set(part) for part in found)
    # The two teams are told apart before anything is cut at random.
    assert all(len({k % 2 for k in part}) == 1 for part in found)
    assert found == parts(signatures, None, [[0, 2, 4, 6, 8, 10]], limit=10)  # deterministic


def test_bisect_cuts_a_lopsided_split_near_the_middle() -> None:
    vectors = np.zeros((9, 2))
    vectors[0] = [1.0, 0.0]  # one outlier: 2-means would split 1 / 8
    vectors[1:] = [0.0, 1.0]
    from scipy.sparse import csr_matrix

    found = bisect(csr_matrix(vectors), [[k] for k in range(9)], limit=5)
    assert sorted(len(p) for p in found) == [4, 5]


def test_tfidf_equals_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [
        "Protein folding pathways from coarse-grained molecular dynamics",
        "Markov state models of protein folding kinetics",
        None,
        "",
        "the and of",  # only stop words: present, but an empty row
        "Register allocation for compilers; compilers for register machines",
    ]
    ours, present = _tfidf(texts, stop_words="english")
    theirs = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [t or "" for t in texts]
    )
    assert np.allclose((ours @ ours.T).toarray(), (theirs @ theirs.T).toarray())
    assert present.tolist() == [True, True, False, False, True, True]
    empty, nothing = _tfidf([None, "the"], stop_words="english")
    assert empty.shape == (2, 1) and not nothing.any()


def _assignment(store: Store) -> dict[int, int]:
    with store.connect() as connection:
        return dict(connection.execute(select(authorships.c.id, authorships.c.person_id)).all())


def _as_partition(assignment: dict[int, int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for authorship, person in assignment.items():
        groups.setdefault(person, set()).add(authorship)
    return {frozenset(g) for g in groups.values()}


def test_resolve_in_tiny_batches_gives_the_people_of_one_batch(
    store: Store, identity_data: Path, model: PairwiseModel
) -> None:
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    with store.transaction() as connection:
        resolve_people(connection, full=True, model=model)
    whole = _as_partition(_assignment(store))
    with store.transaction() as connection:
        resolve_people(connection, full=True, model=model, batch=1)
    assert _as_partition(_assignment(store)) == whole


def test_resolve_in_parts_keeps_ids_unique_and_resolves_everyone(
    store: Store, identity_data: Path, model: PairwiseModel
) -> None:
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    with store.transaction() as connection:
        resolve_people(connection, model=model)
    with store.transaction() as connection:
        resolve_people(connection, full=True, model=model, part_limit=2)
    assignment = _assignment(store)
    assert None not in assignment.values()
    with store.connect() as connection:
        sizes = dict(connection.execute(select(people.c.id, people.c.size)).all())
    counts: dict[int, int] = {}
    for person in assignment.values():
        counts[person] = counts.get(person, 0) + 1
    assert counts == sizes  # no id handed to two drafts: every person's size is its members
    # Incremental in parts: the new work joins a person; parts without it are not rewritten.
    ingest_paths(store, [identity_data / "jane-doe-new.jsonl"])
    with store.transaction() as connection:
        report = resolve_people(connection, model=model, part_limit=2)
        unresolved = connection.execute(
            select(func.count()).where(authorships.c.person_id.is_(None))
        ).scalar_one()
    assert unresolved == 0
    assert report.authorships == 3  # the new work's three authorships
    after = _assignment(store)
    assert {k: v for k, v in after.items() if k in assignment} == assignment


@pytest.mark.parametrize("limit", [1_000, 3])
def test_parts_cover_every_signature_once(limit: int) -> None:
    signatures = [
        _signature(k, name, (f"Co Author{k % 4}",))
        for k, name in enumerate(["J. Doe", "Jane Doe", "John Doe", "Jane Doe", "J. Doe"] * 3)
    ]
    found = parts(signatures, None, (), limit)
    assert sorted(k for p in found for k in p) == list(range(15))
    assert all(len(p) <= limit for p in found)


def test_resolve_orders_a_block_as_the_spark_engine_does() -> None:
    """By the smallest block key of the swapped-name group, the own block key, then id
    (`batch.blocking.member_order`), not by id alone: ties in the clustering break alike."""
    from paperscope.identity.corrections import Constraints
    from paperscope.identity.loading import Names
    from paperscope.identity.resolve import _blocks_with_constraints

    printed = ["Wang Wei", "Wei Wang", "Jia Li", "W. Wang"]
    names = Names(
        np.array([1, 2, 3, 4, 5]), np.array([0, 1, 2, 3, 1]), printed
    )  # ids 1 and 2 print one person's name in both orders; 4 and 5 fall in "wang w"
    blocks = _blocks_with_constraints(names, Constraints(frozenset(), frozenset()))
    assert sorted(v.tolist() for v in blocks.values()) == [[2, 4, 5, 1], [3]]

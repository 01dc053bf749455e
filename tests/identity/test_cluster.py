"""Average-linkage clustering with hard constraints, not told the number of people."""

from __future__ import annotations

import numpy as np

from paperscope.identity.cluster import cluster

TWO_PAIRS = np.array(
    [
        [1.0, 0.9, 0.1, 0.1],
        [0.9, 1.0, 0.1, 0.2],
        [0.1, 0.1, 1.0, 0.8],
        [0.1, 0.2, 0.8, 1.0],
    ]
)


def test_threshold_decides_how_many_people() -> None:
    assert cluster(TWO_PAIRS, 0.5) == [0, 0, 1, 1]
    assert cluster(TWO_PAIRS, 0.05) == [0, 0, 0, 0]
    assert cluster(TWO_PAIRS, 0.95) == [0, 1, 2, 3]


def test_must_link_joins_what_evidence_keeps_apart() -> None:
    labels = cluster(TWO_PAIRS, 0.5, must_link=[(0, 2)])
    assert labels[0] == labels[2]


def test_cannot_link_splits_what_evidence_joins() -> None:
    labels = cluster(TWO_PAIRS, 0.5, cannot_link=[(2, 3)])
    assert labels[2] != labels[3]
    # a forbidden pair forbids its clusters for good: 1 joins 0, never 0 with 1 with...
    labels = cluster(TWO_PAIRS, 0.05, cannot_link=[(0, 3)])
    assert labels[0] != labels[3]


def test_apart_groups_never_merge_but_new_items_join_them() -> None:
    labels = cluster(TWO_PAIRS, 0.5, apart=[[0], [2]])
    assert labels == [0, 0, 1, 1]
    labels = cluster(TWO_PAIRS, 0.05, apart=[[0], [2]])
    assert labels[0] != labels[2]


def test_recovers_planted_people_in_a_block_of_1000() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 60, 1000)
    same = truth[:, None] == truth[None, :]
    noise = rng.normal(0, 0.1, (1000, 1000))
    p = np.clip(np.where(same, 0.8, 0.1) + (noise + noise.T) / 2, 0, 1)
    labels = np.array(cluster(p, 0.5))
    assert len(set(labels)) == len(set(truth))
    assert (np.equal.outer(labels, labels) == same).all()


def test_single_linkage_joins_by_the_strongest_link() -> None:
    chain = np.array(
        [
            [1.0, 0.95, 0.1],
            [0.95, 1.0, 0.96],
            [0.1, 0.96, 1.0],
        ]
    )
    assert cluster(chain, 0.9, method="single") == [0, 0, 0]
    assert cluster(chain, 0.9, method="average") == [0, 1, 1]

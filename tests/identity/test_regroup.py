from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix

from paperscope.identity.regroup import regroup, regroup_labels

# Items 0-1 and 2 write about graphs; 3-4 about proteins.
VECTORS = csr_matrix(
    np.array(
        [
            [1.0, 0.0, 0.0],
            [0.8, 0.2, 0.0],
            [0.9, 0.1, 0.0],
            [0.0, 0.0, 1.0],
            [0.0, 0.1, 0.9],
        ]
    )
)


def test_joins_clusters_whose_pooled_titles_agree() -> None:
    labels = regroup_labels([0, 0, 1, 2, 2], VECTORS, np.zeros((5, 5), dtype=bool), 0.5)
    assert labels == [0, 0, 0, 1, 1]


def test_threshold_above_every_cosine_changes_nothing() -> None:
    labels = regroup_labels([0, 0, 1, 2, 2], VECTORS, np.zeros((5, 5), dtype=bool), 1.01)
    assert labels == [0, 0, 1, 2, 2]


def test_a_conflicting_pair_keeps_its_clusters_apart() -> None:
    conflicts = np.zeros((5, 5), dtype=bool)
    conflicts[1, 2] = conflicts[2, 1] = True
    labels = regroup_labels([0, 0, 1, 2, 2], VECTORS, conflicts, 0.5)
    assert labels == [0, 0, 1, 2, 2]


def test_forbidden_groups_never_merge_even_through_a_third() -> None:
    forbidden = np.zeros((3, 3), dtype=bool)
    forbidden[0, 2] = forbidden[2, 0] = True
    same = csr_matrix(np.ones((3, 2)))
    together = regroup([[0], [1], [2]], same, forbidden, 0.5)
    assert sorted(map(sorted, together)) == [[0, 1], [2]]

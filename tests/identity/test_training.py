"""Training helpers for the disambiguation models, on a hand-made labelled name."""

from __future__ import annotations

import numpy as np

from paperscope.identity.labelled import LabelledName
from paperscope.identity.signatures import Signature
from paperscope.identity.training import Block, first_groups, group_rows, person_halves


def _name() -> LabelledName:
    def signature(key: int, coauthor: str, title: str) -> Signature:
        return Signature(
            key=key, work=key, name="Ada Lovelace", coauthors=(coauthor,), title=title,
            venue="Engines", year=1840 + key,
        )  # fmt: skip

    signatures = (
        signature(0, "Charles Babbage", "Notes on the analytical engine"),
        signature(1, "Charles Babbage", "Engine tables"),
        signature(2, "Mary Somerville", "Analytical engine programs"),
        signature(3, "Grace Hopper", "Compilers for business"),
        signature(4, "Grace Hopper", "Business languages"),
    )
    return LabelledName("Ada Lovelace", signatures, ("a", "a", "a", "b", "b"))


def _probabilities() -> np.ndarray:
    p = np.full((5, 5), 0.1)
    p[0, 1] = p[1, 0] = p[3, 4] = p[4, 3] = 0.99
    p[2, 3] = p[3, 2] = 0.0  # conflicting given names: never one person
    np.fill_diagonal(p, 1.0)
    return p


def test_first_groups_cut_at_the_threshold_and_mark_conflicts() -> None:
    groups, forbidden = first_groups(_probabilities(), ("single", 0.97))

    assert sorted(map(sorted, groups)) == [[0, 1], [2], [3, 4]]
    where = {tuple(sorted(g)): k for k, g in enumerate(groups)}
    assert forbidden[where[(2,)], where[(3, 4)]]
    assert not forbidden[where[(0, 1)], where[(2,)]]


def test_person_halves_only_merge_groups_of_one_person() -> None:
    block = Block.of(_name())
    halves = person_halves(block, [[0], [1], [2], [3], [4]], np.random.default_rng(0))

    assert sorted(len(h) for h in halves) == [1, 1, 1, 2]
    for half in halves:
        assert len({block.labels[k] for k in half}) == 1
    assert sorted(k for h in halves for k in h) == [0, 1, 2, 3, 4]


def test_group_rows_label_pairs_by_their_majority_person() -> None:
    block = Block.of(_name())
    rows, same, weights = group_rows([(block, _probabilities())], ("single", 0.97))

    # First-pass groups {0,1}, {2}, {3,4}: one same-person pair of three; then the halves.
    assert rows.shape[0] == len(same) == len(weights)
    assert same[:3].tolist() == [1, 0, 0]
    assert np.allclose(weights, 1.0)

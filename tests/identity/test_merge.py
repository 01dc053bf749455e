"""The second pass: pooled group evidence and learned merging of first-pass groups."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from paperscope.identity.features import Evidence
from paperscope.identity.merge import (
    GROUP_FEATURES,
    GroupEvidence,
    Verdicts,
    all_pair_features,
    merge_groups,
    merge_history,
)
from paperscope.identity.signatures import Signature

G = {name: k for k, name in enumerate(GROUP_FEATURES)}


def _signature(
    key: int, coauthors: tuple[str, ...], title: str, venue: str, year: int
) -> Signature:
    return Signature(
        key=key, work=key, name="Ada Lovelace", coauthors=coauthors, title=title, venue=venue,
        year=year,
    )  # fmt: skip


def _block() -> Evidence:
    return Evidence([
        _signature(0, ("Charles Babbage",), "Notes on the analytical engine", "Engines", 1842),
        _signature(1, ("Charles Babbage", "Mary Somerville"), "Engine tables", "Engines", 1843),
        _signature(2, ("Mary Somerville",), "Analytical engine programs", "Engines", 1845),
        _signature(3, ("Grace Hopper",), "Compilers for business", "Compilers", 1952),
    ])  # fmt: skip


class SharedCoauthorRule:
    """Merges groups that share a co-author: a readable stand-in for the trained model."""

    threshold = 0.5

    def probabilities(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        return (features[:, G["shared_coauthors"]] > 0).astype(float)


def test_pooled_features_count_what_two_groups_share() -> None:
    evidence = _block()
    probabilities = np.full((4, 4), np.nan)
    pooled = GroupEvidence(evidence, [[0, 1], [2], [3]], probabilities)

    rows = pooled.features(0, np.array([1, 2]))

    assert rows[0, G["shared_coauthors"]] == 1  # Mary Somerville, via paper 1
    assert rows[1, G["shared_coauthors"]] == 0
    assert rows[0, G["shared_venues"]] == 1 and rows[1, G["shared_venues"]] == 0
    assert rows[0, G["year_gap"]] == 2 and rows[1, G["year_gap"]] == 1952 - 1843
    assert rows[0, G["smaller_size"]] == 1 and rows[0, G["larger_size"]] == 2
    assert np.isnan(rows[0, G["best_link"]])  # never scored
    assert np.isnan(rows[0, G["topic_cosine"]])  # no title embeddings given


def test_links_come_from_the_pairwise_probabilities() -> None:
    probabilities = np.full((4, 4), np.nan)
    probabilities[0, 2] = probabilities[2, 0] = 0.2
    probabilities[1, 2] = probabilities[2, 1] = 0.6
    rows, first, second = all_pair_features(_block(), [[0, 1], [2], [3]], probabilities)

    assert list(zip(first, second, strict=True)) == [(0, 1), (0, 2), (1, 2)]
    assert rows[0, G["best_link"]] == 0.6
    assert rows[0, G["mean_link"]] == 0.4
    assert np.isnan(rows[1, G["mean_link"]])


def test_merging_recomputes_the_merged_group() -> None:
    # 0 and 2 share no co-author; only once 1 has joined 0 does the group share one with 2.
    evidence = _block()
    groups = [[0], [1], [2], [3]]
    forbidden = np.zeros((4, 4), dtype=bool)

    merged = merge_groups(
        evidence, groups, np.full((4, 4), np.nan), forbidden, SharedCoauthorRule()
    )

    assert merged == [[0, 1, 2], [3]]


def test_forbidden_groups_never_merge() -> None:
    forbidden = np.zeros((4, 4), dtype=bool)
    forbidden[0, 2] = forbidden[2, 0] = True
    groups = [[0], [1], [2], [3]]

    merged = merge_groups(
        _block(), groups, np.full((4, 4), np.nan), forbidden, SharedCoauthorRule()
    )

    assert [0, 2] not in [sorted(m) for m in merged]
    assert not any(0 in m and 2 in m for m in merged)


def test_the_run_keeps_the_probabilities_it_stopped_on() -> None:
    # Forbidden: 0 with 3. After 0, 1, 2 merge (kept as group 0), the rule scores group 0
    # against 3 never (forbidden) and nothing else is left.
    forbidden = np.zeros((4, 4), dtype=bool)
    forbidden[0, 3] = forbidden[3, 0] = True
    merges = merge_history(
        _block(), [[0], [1], [2], [3]], np.full((4, 4), np.nan), forbidden, SharedCoauthorRule()
    )

    assert [(a, b) for a, b, _ in merges.history] == [(0, 1), (0, 2)]
    assert merges.groups(0.5) == [[0, 1, 2], [3]]
    assert merges.remaining[0, 3] == -np.inf  # forbidden: never allowed to join
    assert np.all(merges.remaining[1] == -np.inf)  # absorbed into 0


def test_groups_kept_apart_keep_their_last_probability() -> None:
    merges = merge_history(
        _block(), [[0, 1, 2], [3]], np.full((4, 4), np.nan), np.zeros((2, 2), dtype=bool),
        SharedCoauthorRule(),
    )  # fmt: skip

    assert merges.history == []
    assert merges.remaining[0, 1] == merges.remaining[1, 0] == 0.0


def test_verdicts_name_groups_by_their_smallest_member() -> None:
    values = np.array([[-np.inf, 0.3], [0.3, -np.inf]])
    verdicts = Verdicts({4: 0, 9: 1}, values)

    assert verdicts.between(4, 9) == verdicts.between(9, 4) == 0.3
    assert verdicts.between(4, 4) is None  # never allowed to join (here: itself)
    assert verdicts.between(4, 5) is None  # not a group the pass saw


def test_title_embeddings_add_a_topic_cosine() -> None:
    base = _block()
    topics = np.array([[1.0, 0.0], [1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
    evidence = Evidence(base.signatures, topics)
    rows, _, _ = all_pair_features(evidence, [[0, 1], [2], [3]], np.full((4, 4), np.nan))

    assert np.allclose(rows[:, G["topic_cosine"]], [0.6, 0.0, 0.8])


def test_the_packaged_second_pass_prefers_groups_that_share_coauthors_and_venue() -> None:
    from paperscope.identity.model import default_model

    model = default_model()
    assert model.groups is not None
    probabilities = np.full((4, 4), 0.01)
    probabilities[0, 2] = probabilities[2, 0] = 0.5
    probabilities[1, 2] = probabilities[2, 1] = 0.8
    rows, first, second = all_pair_features(_block(), [[0, 1], [2], [3]], probabilities)
    related, unrelated, _ = model.groups.probabilities(rows)

    assert (first[0], second[0]) == (0, 1)
    assert related > 10 * unrelated

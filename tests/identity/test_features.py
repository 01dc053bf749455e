"""Pairwise evidence: co-authors, venue, text, affiliation, years, self-citation, ids."""

from __future__ import annotations

import numpy as np

from paperscope.identity.features import FEATURE_NAMES, Evidence
from paperscope.identity.signatures import Signature, blocks

F = {name: k for k, name in enumerate(FEATURE_NAMES)}


def _signatures() -> list[Signature]:
    return [
        Signature(
            key=1, work=10, name="Haoyu Ren", coauthors=("Mostafa El-Khamy", "Jungwon Lee"),
            title="Cascade trained deep networks for image super resolution", venue="CVPR",
            year=2017, affiliation="Samsung Semiconductor", categories=("cs.CV",),
        ),
        Signature(
            key=2, work=11, name="H. Ren", coauthors=("Mostafa El-khamy", "Jungwon Lee"),
            title="Deep residual network for image denoising", venue="CVPR", year=2018,
            affiliation="Samsung Semiconductor Inc", categories=("cs.CV", "eess.IV"),
            cites=frozenset({10}),
        ),
        Signature(
            key=3, work=12, name="Haoyu Ren", coauthors=("Darko Anicic", "Thomas Runkler"),
            title="TinyML with online learning on microcontrollers", venue=None, year=None,
            categories=("cs.LG",), source_id="s2:42",
        ),
        Signature(key=4, work=13, name="Hao Ren", title="Something else", source_id="s2:43"),
    ]  # fmt: skip


def test_feature_matrix_shape_and_evidence() -> None:
    evidence = Evidence(_signatures())
    x = evidence.pairs(range(4), range(4))
    assert x.shape == (4, 4, len(FEATURE_NAMES))
    assert x[0, 1, F["shared_coauthors"]] == 2  # El-Khamy / El-khamy fold to one co-author
    assert x[0, 1, F["coauthor_jaccard"]] == 1.0
    assert x[0, 2, F["shared_coauthors"]] == 0
    assert x[0, 1, F["same_venue"]] == 1.0
    assert np.isnan(x[0, 2, F["same_venue"]])  # unknown venue: unknown, not "different"
    assert x[0, 1, F["year_gap"]] == 1
    assert np.isnan(x[0, 2, F["year_gap"]])
    assert x[0, 1, F["title_cosine"]] > x[0, 2, F["title_cosine"]]
    assert x[0, 1, F["affiliation_cosine"]] > 0.3
    assert x[0, 1, F["category_jaccard"]] == 0.5
    assert x[0, 1, F["self_citation"]] == 1.0 and x[1, 0, F["self_citation"]] == 1.0
    assert x[0, 2, F["self_citation"]] == 0.0
    assert x[2, 3, F["same_source_id"]] == 0.0
    assert np.isnan(x[0, 2, F["same_source_id"]])
    assert x[0, 2, F["given_agreement"]] == 2  # same full name
    assert x[0, 1, F["given_agreement"]] == 1  # initial
    assert x[0, 3, F["given_agreement"]] == 0  # Hao is not Haoyu
    assert np.allclose(np.nan_to_num(x), np.nan_to_num(x.transpose(1, 0, 2)))


def test_rectangular_pairs_match_the_square_ones() -> None:
    evidence = Evidence(_signatures())
    full = evidence.pairs(range(4), range(4))
    part = evidence.pairs([2, 0], [1, 3])
    assert np.allclose(np.nan_to_num(part), np.nan_to_num(full[np.ix_([2, 0], [1, 3])]))


def test_blocks_by_surname_and_initial_with_swapped_cjk_names() -> None:
    signatures = [
        Signature(key=1, work=1, name="Wei Wang"),
        Signature(key=2, work=2, name="Wang Wei"),
        Signature(key=3, work=3, name="W. Wang"),
        Signature(key=4, work=4, name="Haoyu Ren"),
        Signature(key=5, work=5, name="Ren, H."),
        Signature(key=6, work=6, name="Hao Ren"),
        Signature(key=7, work=7, name="Xin Wang"),
    ]
    grouped = {key: sorted(s.key for s in group) for key, group in blocks(signatures).items()}
    assert sorted(grouped.values()) == [[1, 2, 3], [4, 5, 6], [7]]

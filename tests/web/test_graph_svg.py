"""The server-side graph: a deterministic layout inside the drawing, and a drawing whose
nodes are links and whose labels are escaped."""

from __future__ import annotations

import numpy as np

from paperscope.web.graph_svg import Edge, Node, colour, force_layout, graph_svg, radius


def _edges() -> list[Edge]:
    return [Edge(0, i, 1.0 / i) for i in range(1, 8)] + [Edge(1, 2, 0.9), Edge(5, 6, 0.8)]


def test_layout_is_deterministic_and_fills_the_unit_square() -> None:
    first = force_layout(8, _edges())
    assert np.array_equal(first, force_layout(8, _edges()))
    assert first.shape == (8, 2)
    assert first.min() >= 0.0 and first.max() <= 1.0
    assert np.isclose(first.min(axis=0), 0.0).any() or np.isclose(first.max(axis=0), 1.0).any()
    gaps = np.linalg.norm(first[:, None] - first[None, :], axis=2) + np.eye(8)
    assert gaps.min() > 0.02  # no two nodes on top of each other


def test_layout_of_tiny_graphs() -> None:
    assert force_layout(0, []).shape == (0, 2)
    assert np.allclose(force_layout(1, []), 0.5)
    two = force_layout(2, [Edge(0, 1, 1.0)])
    assert not np.allclose(two[0], two[1])


def test_size_and_colour_scales() -> None:
    assert radius(0, 100) < radius(25, 100) < radius(100, 100)
    assert radius(5, 0) == radius(0, 0)
    assert colour(None, 2000, 2020) == "#bbbbbb"
    assert colour(2000, 2000, 2020) != colour(2020, 2000, 2020)


def test_drawing_links_every_node_and_escapes_labels() -> None:
    hostile = '<script>alert(1)</script> & "q"'
    nodes = [
        Node(10, hostile, hostile, 2020, 5, centre=True),
        Node(11, "Smith 2019", "A title", None, 0),
    ]
    svg = str(graph_svg(nodes, [Edge(0, 1, 0.5)], force_layout(2, [Edge(0, 1, 0.5)]), hostile))
    assert '<a href="/paper/10"' in svg and '<a href="/paper/11"' in svg
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;q&#34;" in svg
    assert svg.count("<circle") == 2 and svg.count("<line") == 1
    assert "year unknown" in svg
    assert graph_svg([], [], np.zeros((0, 2)), "empty") == ""

"""A small graph drawn on the server as SVG: a deterministic force-directed layout (numpy)
and the drawing, in which every node is a link. No script; labels are escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from markupsafe import Markup, escape

WIDTH = 760
HEIGHT = 520
MARGIN = 46
ITERATIONS = 100
MIN_RADIUS = 5.0
MAX_RADIUS = 20.0
MAX_STRETCH = 2.0
GRAVITY = 0.1
"""Every node is pulled towards the centre at least this much, so none drifts away."""
OLD_COLOUR = (0xC9, 0xD8, 0xF0)
NEW_COLOUR = (0x1F, 0x3F, 0x7A)


@dataclass(frozen=True, slots=True)
class Node:
    work_id: int
    label: str
    title: str
    year: int | None
    citations: int
    centre: bool = False


@dataclass(frozen=True, slots=True)
class Edge:
    source: int
    """Index of a node in the node list."""
    target: int
    weight: float
    """Strength in [0, 1]: drawn thicker and pulled closer when stronger."""


def force_layout(
    count: int, edges: Sequence[Edge], iterations: int = ITERATIONS
) -> npt.NDArray[np.float64]:
    """Positions in [0, 1]² for `count` nodes (node 0 pinned at the middle of the forces).

    Fruchterman-Reingold: every pair repels (k²/d), every edge attracts (weight·d²/k, and
    each node at least `GRAVITY` towards the centre), steps limited by a temperature that
    cools linearly. It starts from a circle in node order, so the same graph always gets the
    same picture.
    """
    if count == 0:
        return np.zeros((0, 2))
    angles = np.linspace(0.0, 2 * math.pi, max(count - 1, 1), endpoint=False)
    position = np.zeros((count, 2))
    position[1:, 0] = 0.35 * np.cos(angles[: count - 1])
    position[1:, 1] = 0.35 * np.sin(angles[: count - 1])
    weight = np.zeros((count, count))
    for edge in edges:
        weight[edge.source, edge.target] = weight[edge.target, edge.source] = max(
            edge.weight, weight[edge.source, edge.target]
        )
    weight[0, 1:] = weight[1:, 0] = np.maximum(weight[0, 1:], GRAVITY)
    k = math.sqrt(1.0 / count)
    temperature = 0.1
    for step in range(iterations):
        delta = position[:, None, :] - position[None, :, :]
        distance = np.sqrt(np.maximum(np.einsum("ijk,ijk->ij", delta, delta), 1e-6))
        force = k * k / distance - weight * distance * distance / k
        np.fill_diagonal(force, 0.0)
        move = np.einsum("ij,ijk->ik", force / distance, delta)
        length = np.sqrt(np.maximum(np.einsum("ik,ik->i", move, move), 1e-18))
        cool = temperature * (1 - step / iterations)
        position += move * (np.minimum(length, cool) / length)[:, None]
        position[0] = 0.0
    return _fit(position)


def _fit(position: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Scaled into [0, 1]² to fill the drawing (each axis stretched at most `MAX_STRETCH`
    times the other, so distances still read), centred."""
    low, high = position.min(axis=0), position.max(axis=0)
    extent = high - low
    if float(extent.max()) == 0:
        return np.full_like(position, 0.5)
    extent = np.maximum(extent, extent.max() / MAX_STRETCH)
    scaled: npt.NDArray[np.float64] = (position - (low + high) / 2) / extent + 0.5
    return scaled


def radius(citations: int, most: int) -> float:
    """Node radius: grows with the square root of citations (area ~ citations)."""
    share = math.sqrt(citations / most) if most > 0 else 0.0
    return MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * share


def colour(year: int | None, first: int, last: int) -> str:
    """Older works lighter, newer darker; grey when the year is unknown."""
    if year is None:
        return "#bbbbbb"
    share = (year - first) / (last - first) if last > first else 1.0
    rgb = (round(a + (b - a) * share) for a, b in zip(OLD_COLOUR, NEW_COLOUR, strict=True))
    return "#" + "".join(f"{value:02x}" for value in rgb)


def graph_svg(
    nodes: Sequence[Node], edges: Sequence[Edge], position: npt.NDArray[np.float64], label: str
) -> Markup:
    """The drawing: edges under nodes; each node a link to its paper with its title as a
    tooltip; the centre outlined."""
    if not nodes:
        return Markup("")
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    xy = [(MARGIN + x * plot_w, MARGIN + y * plot_h) for x, y in position]
    most = max(node.citations for node in nodes)
    known = [node.year for node in nodes if node.year is not None]
    first, last = (min(known), max(known)) if known else (0, 0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" role="group" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        '<g class="edges" stroke="#8a94a6" stroke-linecap="round">',
    ]
    for edge in edges:
        (x1, y1), (x2, y2) = xy[edge.source], xy[edge.target]
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke-width="{0.6 + 3.4 * edge.weight:.2f}" '
            f'stroke-opacity="{0.25 + 0.5 * edge.weight:.2f}"/>'
        )
    parts.append('</g><g class="nodes">')
    for node, (x, y) in zip(nodes, xy, strict=True):
        r = radius(node.citations, most)
        outline = 'stroke="#d2691e" stroke-width="3"' if node.centre else 'stroke="#ffffff"'
        tooltip = f"{node.title} ({node.year or 'year unknown'}, {node.citations} citations)"
        parts.append(
            f'<a href="/paper/{node.work_id}" data-work-id="{node.work_id}">'
            f"<title>{escape(tooltip)}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" '
            f'fill="{colour(node.year, first, last)}" {outline}/>'
            f'<text x="{x:.1f}" y="{y + r + 12:.1f}" text-anchor="middle" font-size="11" '
            f'fill="#1d2433">{escape(node.label)}</text></a>'
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))

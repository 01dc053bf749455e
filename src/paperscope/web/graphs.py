"""Server-side SVG for the author page: the co-author graph and the topics-over-time grid.

No script and no layout engine: positions are computed here, the same every time for the same
profile. Every label is cleaned (`templating.readable`) and escaped; every link is a path on
this site.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from urllib.parse import quote

from markupsafe import Markup, escape

from paperscope.metrics.authorship import CoauthorGraph, GraphNode, TopicRow, TopicsOverTime
from paperscope.web.markup import readable

GRAPH_WIDTH = 760
GRAPH_HEIGHT = 420
LABEL_CHARS = 22
GRID_WIDTH = 640
GRID_LABEL = 170
GRID_ROW = 20
GRID_TOP = 22


def person_href(node: GraphNode) -> str:
    if node.person_id is not None:
        return f"/author/{node.person_id}"
    return "/author?person=" + quote(node.person_key, safe="")


def _label(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(readable(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def circle_order(graph: CoauthorGraph) -> list[int]:
    """Co-authors (node indexes) in the order they sit around the person: start with the one
    sharing most works, then always the unplaced co-author most tied to the last placed one
    (ties: more shared works with the person, then list order), so collaborators sit side
    by side and their lines stay short."""
    count = len(graph.nodes) - 1
    if count <= 0:
        return []
    ties: dict[tuple[int, int], int] = {}
    for edge in graph.edges:
        if edge.source and edge.target:
            ties[(edge.source, edge.target)] = ties[(edge.target, edge.source)] = edge.works
    order = [1]
    left = set(range(2, count + 1))
    while left:
        last = order[-1]
        best = min(left, key=lambda n: (-ties.get((last, n), 0), -graph.nodes[n].works, n))
        order.append(best)
        left.remove(best)
    return order


def layout(graph: CoauthorGraph) -> dict[int, tuple[float, float]]:
    """Node index -> (x, y): the person in the middle, co-authors on an ellipse from the top,
    clockwise, in `circle_order`."""
    cx, cy = GRAPH_WIDTH / 2, GRAPH_HEIGHT / 2
    positions = {0: (cx, cy)}
    order = circle_order(graph)
    for slot, node in enumerate(order):
        angle = -math.pi / 2 + 2 * math.pi * slot / len(order)
        positions[node] = (cx + 200 * math.cos(angle), cy + 150 * math.sin(angle))
    return positions


def _radius(node: GraphNode, centre: bool) -> float:
    return 16.0 if centre else min(5.0 + 3.0 * math.sqrt(node.works), 14.0)


def coauthor_graph_svg(graph: CoauthorGraph) -> Markup:
    """The graph as an SVG image whose nodes are links; empty without co-authors."""
    if len(graph.nodes) < 2:
        return Markup("")
    positions = layout(graph)
    title = f"Co-authors of {_label(graph.nodes[0].name, 80)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" role="img" '
        f'viewBox="0 0 {GRAPH_WIDTH} {GRAPH_HEIGHT}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for edge in sorted(graph.edges, key=lambda e: (e.source != 0, e.source, e.target)):
        (x1, y1), (x2, y2) = positions[edge.source], positions[edge.target]
        colour = "#8ea6cc" if edge.source == 0 else "#c9d3e3"
        width = 1.0 + 1.5 * math.log2(edge.works)
        a, b = graph.nodes[edge.source].name, graph.nodes[edge.target].name
        tip = f"{_label(a, 80)} and {_label(b, 80)}: {edge.works} shared work" + (
            "s" if edge.works != 1 else ""
        )
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            f'stroke-width="{width:.1f}"><title>{escape(tip)}</title></line>'
        )
    for index, node in enumerate(graph.nodes):
        parts.append(_node_svg(node, positions[index], index == 0))
    parts.append("</svg>")
    return Markup("".join(parts))


def _node_svg(node: GraphNode, where: tuple[float, float], centre: bool) -> str:
    x, y = where
    radius = _radius(node, centre)
    dx, dy = x - GRAPH_WIDTH / 2, y - GRAPH_HEIGHT / 2
    if centre:
        anchor, lx, ly = "middle", x, y + radius + 14
    else:
        length = math.hypot(dx, dy) or 1.0
        anchor = "start" if dx > 40 else "end" if dx < -40 else "middle"
        lx = x + (radius + 4) * dx / length
        ly = y + (radius + 4) * dy / length + (4 if abs(dy) < 100 else 12 if dy > 0 else -4)
    works = "works" if centre else "shared works"
    tip = f"{_label(node.name, 80)}: {node.works} {works}"
    fill = "#2f5fa7" if centre else "#6f8fc4" if node.person_id is not None else "#a9b6cc"
    return (
        f'<a href="{escape(person_href(node))}"><circle cx="{x:.1f}" cy="{y:.1f}" '
        f'r="{radius:.1f}" fill="{fill}"><title>{escape(tip)}</title></circle>'
        f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="12" '
        f'fill="#1d2433">{escape(_label(node.name))}</text></a>'
    )


def topics_grid_svg(topics: TopicsOverTime, label: str) -> Markup:
    """A row per topic (terms, then categories), a column per year, darker for more works;
    empty when there is no topic or no year."""
    rows: list[tuple[str, TopicRow]] = [("term", row) for row in topics.terms]
    rows += [("category", row) for row in topics.categories]
    if not rows or not topics.years:
        return Markup("")
    years = topics.years
    cell = (GRID_WIDTH - GRID_LABEL - 8) / len(years)
    height = GRID_TOP + GRID_ROW * len(rows) + 6
    top = max(count for _, row in rows for _, count in row.per_year)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="topics-grid" role="img" '
        f'viewBox="0 0 {GRID_WIDTH} {height}" width="100%" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    every = max(1, math.ceil(len(years) / 12))
    for column, year in enumerate(years):
        if column % every == 0:
            x = GRID_LABEL + column * cell + cell / 2
            parts.append(
                f'<text x="{x:.1f}" y="14" text-anchor="middle" font-size="11" '
                f'fill="#555">{year}</text>'
            )
    for number, (kind, row) in enumerate(rows):
        parts.append(_grid_row(number, kind, row, years, cell, top))
    parts.append("</svg>")
    return Markup("".join(parts))


def _grid_row(
    number: int, kind: str, row: TopicRow, years: Sequence[int], cell: float, top: int
) -> str:
    y = GRID_TOP + number * GRID_ROW
    name = _label(row.topic, 26)
    colour = "#3b6fb6" if kind == "term" else "#3b8a5a"
    parts = [
        f'<text x="{GRID_LABEL - 6}" y="{y + 13}" text-anchor="end" font-size="12" '
        f'fill="#1d2433">{escape(name)}</text>'
    ]
    counts = dict(row.per_year)
    for column, year in enumerate(years):
        count = counts.get(year, 0)
        opacity = 0.08 if count == 0 else 0.25 + 0.75 * count / top
        tip = f"{_label(row.topic, 80)} ({kind}), {year}: {count} work" + (
            "" if count == 1 else "s"
        )
        parts.append(
            f'<rect x="{GRID_LABEL + column * cell + 1:.1f}" y="{y + 1}" '
            f'width="{max(cell - 2, 1):.1f}" height="{GRID_ROW - 2}" fill="{colour}" '
            f'fill-opacity="{opacity:.2f}"><title>{escape(tip)}</title></rect>'
        )
    return "".join(parts)

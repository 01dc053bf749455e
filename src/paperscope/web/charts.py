"""Server-side SVG charts: no script, no external file, only numbers we computed."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 170
MARGIN_LEFT = 40
MARGIN_BOTTOM = 24
MARGIN_TOP = 12


def _nice_max(value: int) -> int:
    """The smallest of 1, 2, 5 times a power of ten that is at least `value`."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return max(step * scale, 1)
        scale *= 10


def bar_chart_svg(points: Sequence[tuple[int, int]], label: str) -> Markup:
    """A bar per (year, count); years without citations in between are shown as gaps."""
    if not points:
        return Markup("")
    first, last = points[0][0], points[-1][0]
    years = list(range(first, last + 1))
    counts = dict(points)
    top = _nice_max(max(counts.values()))
    plot_w = WIDTH - MARGIN_LEFT - 8
    plot_h = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = plot_w / len(years)
    bar_w = min(max(slot * 0.7, 1.0), 48.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP + plot_h}" x2="{WIDTH - 8}" '
        f'y2="{MARGIN_TOP + plot_h}" stroke="#888" stroke-width="1"/>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + 4}" text-anchor="end" '
        f'font-size="11" fill="#555">{top}</text>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + plot_h}" text-anchor="end" '
        f'font-size="11" fill="#555">0</text>',
    ]
    label_every = max(1, len(years) // 12)
    for index, year in enumerate(years):
        count = counts.get(year, 0)
        height = plot_h * count / top
        x = MARGIN_LEFT + index * slot + (slot - bar_w) / 2
        y = MARGIN_TOP + plot_h - height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
            f'fill="#3b6fb6"><title>{year}: {count}</title></rect>'
        )
        if index % label_every == 0 or year == last:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" '
                f'font-size="11" fill="#555">{year}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))

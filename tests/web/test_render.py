"""Rendering helpers: the SVG chart, BibTeX escaping, dates and untrusted text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from paperscope.export.bibtex import escape_bibtex
from paperscope.read.works import category_tag, short_date
from paperscope.web.charts import bar_chart_svg
from paperscope.web.markup import readable


def test_chart_is_valid_svg_with_a_bar_per_year_and_gaps() -> None:
    svg = bar_chart_svg([(2019, 3), (2021, 450)], "Citations per year of <Ann & Bo>")
    root = ET.fromstring(str(svg))
    bars = [el for el in root.iter() if el.tag.endswith("rect")]
    assert len(bars) == 3  # 2019, 2020 (zero), 2021
    heights = [float(bar.get("height", "0")) for bar in bars]
    assert heights[1] == 0 and heights[2] > heights[0] > 0
    assert ">500<" in str(svg)  # the axis top: the nice number above 450
    assert "&lt;Ann &amp; Bo&gt;" in str(svg)
    assert bar_chart_svg([], "nothing") == ""


def test_bibtex_escapes_latex_specials() -> None:
    assert escape_bibtex("50% of A&B_{x} #1 $\\alpha$ ~") == (
        r"50\% of A\&B\_\{x\} \#1 \$\textbackslash{}alpha\$ \textasciitilde{}"
    )
    assert escape_bibtex("line\nbreak\x07") == "line break"


def test_short_date_and_tag_follow_the_reference_pages() -> None:
    today = date(2026, 5, 1)
    assert short_date(date(2026, 4, 2), today) == "Apr 2"
    assert short_date(date(2023, 4, 11), today) == "Apr 11, 2023"
    assert category_tag("cs.CV") == "CV" and category_tag("eess.IV") == "IV"


def test_readable_drops_controls_and_overrides_but_keeps_text() -> None:
    assert readable("a\x07b\u202ec\ud800d\ue000e\nf\tg Cafe\u0301") == "abcde\nf\tg Café"
    assert readable("<script>") == "<script>"  # escaping is the template's job
    assert readable(None) == ""

"""`bench/page_render.py`: two runs of the same code compare equal, different HTML does not."""

from __future__ import annotations

from bench_scripts import bench_script


def test_only_the_csrf_token_and_the_trending_minute_are_ignored() -> None:
    page_render = bench_script("page_render")
    first = (
        b'<input type="hidden" name="csrf_token" value="abc">'
        b"<p>computed now (2026-12-06 03:20 UTC); ties</p><h2>A</h2>"
    )
    second = (
        b'<input type="hidden" name="csrf_token" value="xyz">'
        b"<p>computed now (2026-12-06 03:21 UTC); ties</p><h2>A</h2>"
    )
    assert page_render.comparable(first) == page_render.comparable(second)
    assert page_render.comparable(first) != page_render.comparable(first.replace(b"A<", b"B<"))

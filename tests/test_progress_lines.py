"""The CLI's plain progress lines (stderr not a terminal): rate, share and time left."""

from __future__ import annotations

from paperscope.cli.progress import ProgressLines, duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_line_every_interval_and_at_the_end_with_the_time_left() -> None:
    clock = Clock()
    lines = ProgressLines(clock, every_s=30)
    lines.start("embedding (tokenlearn)", 10_000)
    clock.now += 10
    assert lines.advance(1_000) is None  # too soon after the start
    clock.now += 30
    assert lines.advance(1_000) == (
        "embedding (tokenlearn): 2,000 / 10,000 (20.0%), 50.0/s, ETA 3 min"
    )
    clock.now += 1
    assert lines.advance(10) is None
    clock.now += 1
    assert lines.advance(7_990) == (
        "embedding (tokenlearn): 10,000 / 10,000 (100.0%), 238.1/s, ETA 0 s"
    )


def test_a_step_without_a_total_and_a_stalled_one() -> None:
    clock = Clock()
    lines = ProgressLines(clock, every_s=0)
    lines.start("harvest", None)
    clock.now += 4
    assert lines.advance(10) == "harvest: 10 done, 2.5/s"
    lines.start("embedding", 5)
    clock.now += 1
    assert lines.advance(0) == "embedding: 0 / 5 (0.0%), 0.0/s, ETA unknown"


def test_durations_read_naturally() -> None:
    assert [duration(s) for s in (0, 89, 600, 3_600 * 26 + 300)] == [
        "0 s",
        "89 s",
        "10 min",
        "26 h 05 min",
    ]

"""The CLI's progress display: the one `Progress` protocol drawn as a rich bar on a terminal."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from paperscope.cli.app import errors

LINE_EVERY_S = 30.0


class RichProgress:
    """One bar for the current step (description, done of total, elapsed, ETA); notes are
    printed above it. Drawn when stderr is a terminal; otherwise (a cron job, a service, a
    pipe) a line with the same numbers is printed every ``LINE_EVERY_S`` seconds."""

    def __init__(self, bar: Progress, clock: Callable[[], float] = time.monotonic) -> None:
        self.bar = bar
        self.task: TaskID | None = None
        self.lines = ProgressLines(clock)

    def start(self, description: str, total: int | None = None) -> None:
        if self.task is None:
            self.task = self.bar.add_task(description, total=total)
        else:
            self.bar.reset(self.task, description=description, total=total)
        self.lines.start(description, total)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.bar.advance(self.task, amount)
        line = self.lines.advance(amount)
        if line is not None and self.bar.disable:
            self.bar.console.print(line, markup=False, highlight=False)

    def note(self, text: str) -> None:
        if not self.bar.disable:
            self.bar.console.print(text, markup=False, highlight=False)


class ProgressLines:
    """Plain progress lines: done of total, rate, and the time left at that rate."""

    def __init__(self, clock: Callable[[], float], every_s: float = LINE_EVERY_S) -> None:
        self.clock = clock
        self.every_s = every_s
        self.start("", None)

    def start(self, description: str, total: int | None) -> None:
        self.description, self.total, self.done = description, total, 0
        self.started = self.last = self.clock()

    def advance(self, amount: int) -> str | None:
        """The line to print now (at most one per ``every_s``, and at the end), else None."""
        self.done += amount
        now = self.clock()
        finished = self.total is not None and self.done >= self.total
        if now - self.last < self.every_s and not finished:
            return None
        self.last = now
        return self.line(now)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        if self.total is None:
            return f"{self.description}: {self.done:,} done, {rate:,.1f}/s"
        share = 100 * self.done / max(self.total, 1)
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        return (
            f"{self.description}: {self.done:,} / {self.total:,} ({share:.1f}%), "
            f"{rate:,.1f}/s, ETA {duration(left)}"
        )


def duration(seconds: float) -> str:
    """``42 s``, ``12 min``, ``3 h 05 min``, or ``unknown``."""
    if seconds == float("inf"):
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@contextmanager
def progress_bar(**options: Any) -> Iterator[RichProgress]:
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(
        *columns, console=errors, disable=not errors.is_terminal, transient=True, **options
    ) as bar:
        yield RichProgress(bar)

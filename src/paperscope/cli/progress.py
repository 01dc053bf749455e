"""The CLI's progress display: the one `Progress` protocol drawn as a rich bar on a terminal."""

from __future__ import annotations

from collections.abc import Iterator
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


class RichProgress:
    """One bar for the current step (description, done of total, elapsed, ETA); notes are
    printed above it. Drawn only when stderr is a terminal."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task: TaskID | None = None

    def start(self, description: str, total: int | None = None) -> None:
        if self.task is None:
            self.task = self.bar.add_task(description, total=total)
        else:
            self.bar.reset(self.task, description=description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.bar.advance(self.task, amount)

    def note(self, text: str) -> None:
        if not self.bar.disable:
            self.bar.console.print(text, markup=False, highlight=False)


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

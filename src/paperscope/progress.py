"""The one progress protocol: stages say what they do, and a display (the CLI's rich bar) shows it.

Library code never draws anything: it takes a `Progress` and calls it; `SILENT` is the
default. Only `paperscope.cli` draws bars.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, description: str, total: int | None = None) -> None:
        """A step begins: what it is, and how many units it has (None: not known)."""

    def advance(self, amount: int = 1) -> None:
        """`amount` more units of the current step are done."""

    def note(self, text: str) -> None:
        """A line worth keeping on screen (a skipped file, a stage's summary)."""


class _Silent:
    def start(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def note(self, text: str) -> None:
        pass


SILENT: Progress = _Silent()

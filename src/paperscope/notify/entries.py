"""What a digest lists: one work, as every list shows it, and why it was picked."""

from __future__ import annotations

from dataclasses import dataclass

from paperscope.read.works import WorkSummary


@dataclass(frozen=True, slots=True)
class DigestItem:
    work: WorkSummary
    reason: str

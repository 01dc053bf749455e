"""What a digest lists: one work, in the Daily Papers layout, and why it was picked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class DigestEntry:
    work_id: int
    title: str
    abstract: str
    author_count: int
    published: date | None
    upvotes: int
    reason: str

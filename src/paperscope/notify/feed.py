"""The personal feed ("for you"): the personal ranking (personal.py) over the recent works,
each pick with why, and the works the user's dismissals held back. The web's /for-you page,
its JSON twin and `paperscope library for-me` show it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from paperscope.notify import personal
from paperscope.notify.entries import DigestItem
from paperscope.notify.selection import personal_reason
from paperscope.read.lists import recent_ids
from paperscope.read.works import WorkSummary, load_works

if TYPE_CHECKING:
    from paperscope.embeddings.encoders import Encoder

FEED_DAYS = 30
FEED_CANDIDATES = 2000
FEED_SHOWN = 50


@dataclass(frozen=True, slots=True)
class HeldBackItem:
    work: WorkSummary
    dismissed_title: str
    """The dismissed work most like it."""


@dataclass(frozen=True, slots=True)
class PersonalFeed:
    days: int
    candidates: int
    entries: tuple[DigestItem, ...]
    held_back: tuple[HeldBackItem, ...]


def personal_feed(
    connection: Connection,
    user_id: int,
    encoder_factory: Callable[[], Encoder],
    *,
    days: int = FEED_DAYS,
    limit: int = FEED_SHOWN,
) -> PersonalFeed:
    """The recent works the user's model likes, best first, with reasons."""
    candidates = recent_ids(connection, days, FEED_CANDIDATES)
    ranking = personal.rank(connection, user_id, "", candidates, encoder_factory)
    picks = ranking.picks[:limit]
    held = ranking.held_back[:limit]
    found = {
        w.work_id: w
        for w in load_works(connection, [p.work_id for p in picks] + [h.work_id for h in held])
    }
    return PersonalFeed(
        days,
        len(candidates),
        tuple(
            DigestItem(found[p.work_id], personal_reason(p)) for p in picks if p.work_id in found
        ),
        tuple(
            HeldBackItem(found[h.work_id], h.dismissed_title) for h in held if h.work_id in found
        ),
    )

"""What is new: the first time the notify stage saw each work.

The works table has no ingest timestamp, so `work_first_seen` records one: `mark_seen`
stamps every work not yet stamped with `now`. It runs when a subscription is confirmed
(so the works already there are not "new" to it) and at the start of every digest run
(whose cutoff is that `now`). A work is new to a digest window when
`since_at < first_seen_at <= cutoff_at`; windows of one subscription are contiguous, so
every work falls in exactly one of its digests.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, DateTime, insert, literal, select
from sqlalchemy.exc import IntegrityError

from paperscope.store.accounts_schema import work_first_seen
from paperscope.store.schema import works


def mark_seen(connection: Connection, now: datetime) -> int:
    """Stamp unstamped works with `now`; returns how many were stamped."""
    for _attempt in range(3):
        try:
            with connection.begin_nested():
                result = connection.execute(
                    insert(work_first_seen).from_select(
                        ["work_id", "first_seen_at"],
                        select(works.c.id, literal(now, DateTime)).where(
                            ~works.c.id.in_(select(work_first_seen.c.work_id))
                        ),
                    )
                )
            return int(result.rowcount or 0)
        except IntegrityError:
            continue  # another run stamped some of them at the same moment: try again
    return 0


def new_work_ids(connection: Connection, since: datetime, cutoff: datetime) -> list[int]:
    return list(
        connection.execute(
            select(work_first_seen.c.work_id)
            .where(work_first_seen.c.first_seen_at > since)
            .where(work_first_seen.c.first_seen_at <= cutoff)
            .order_by(work_first_seen.c.work_id)
        ).scalars()
    )

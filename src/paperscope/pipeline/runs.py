"""The log of stage runs (`pipeline_runs`): written by the runner, read by the admin page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from paperscope.store.admin_schema import pipeline_runs

_SUMMARY_CHARS = 2000


@dataclass(frozen=True, slots=True)
class StageRun:
    id: int
    stage: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    """`running` (or killed before it finished), `ok` or `failed`."""
    summary: str | None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def start_run(connection: Connection, stage: str) -> int:
    return int(
        connection.execute(
            insert(pipeline_runs)
            .values(stage=stage, started_at=_now(), status="running")
            .returning(pipeline_runs.c.id)
        ).scalar_one()
    )


def finish_run(connection: Connection, run_id: int, status: str, summary: str) -> None:
    connection.execute(
        update(pipeline_runs)
        .where(pipeline_runs.c.id == run_id)
        .values(finished_at=_now(), status=status, summary=summary[:_SUMMARY_CHARS])
    )


def last_runs(connection: Connection, limit: int = 20) -> list[StageRun]:
    """The newest stage runs first."""
    rows = connection.execute(
        select(pipeline_runs)
        .order_by(pipeline_runs.c.started_at.desc(), pipeline_runs.c.id.desc())
        .limit(limit)
    )
    return [StageRun(r.id, r.stage, r.started_at, r.finished_at, r.status, r.summary) for r in rows]

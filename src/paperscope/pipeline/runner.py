"""The one runner: a sequence of named stages over one `Run`.

`paperscope update` (what cron runs), `paperscope demo` and every stage command of the CLI
call `run_stages`. A stage that finds nothing new (an update whose harvest brought nothing)
ends the run: the stages after it would have nothing to do. `update` holds a lock file, so
a second, overlapping run stops at once instead of racing the first.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx

from paperscope.config import Settings
from paperscope.errors import PaperscopeError
from paperscope.harvest.http import Clock
from paperscope.pipeline.runs import finish_run, start_run
from paperscope.pipeline.stages import STAGES, Run, RunOptions, StageResult
from paperscope.progress import SILENT, Progress
from paperscope.store import Store

UPDATE = ("harvest", "ingest", "resolve", "enrich", "score", "pages")
"""What cron runs; digests are sent by their own cron line (`paperscope digest send`)."""
LOCK_NAME = "update.lock"


class UpdateRunningError(PaperscopeError):
    """Another `paperscope update` holds the lock."""

    exit_code = 75  # EX_TEMPFAIL: cron may simply try again next time


def run_stages(run: Run, names: Sequence[str]) -> list[StageResult]:
    """Run the named stages in order; stop after one that found nothing new."""
    unknown = [name for name in names if name not in STAGES]
    if unknown:
        raise PaperscopeError(f"unknown stage {unknown[0]!r}: use {', '.join(STAGES)}")
    results = []
    for name in names:
        result = _logged(run, name)
        results.append(result)
        if result.nothing_new:
            break
    return results


def _logged(run: Run, name: str) -> StageResult:
    """One stage, recorded in `pipeline_runs` (running, then ok or failed) for the admin page."""
    with run.store.transaction() as connection:
        row_id = start_run(connection, name)
    try:
        result = STAGES[name](run)
    except BaseException as error:
        with run.store.transaction() as connection:
            finish_run(connection, row_id, "failed", f"{type(error).__name__}: {error}")
        raise
    with run.store.transaction() as connection:
        finish_run(connection, row_id, "ok", result.summary)
    return result


def run_stage(
    store: Store,
    settings: Settings,
    name: str,
    options: RunOptions | None = None,
    progress: Progress = SILENT,
) -> StageResult:
    """One stage on its own (what the CLI's stage commands call)."""
    run = Run(store, settings, options or RunOptions(), progress)
    return run_stages(run, [name])[0]


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UpdateRunningError(f"another update is running (lock: {path})") from None
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def run_update(
    settings: Settings,
    store: Store,
    *,
    transport: httpx.BaseTransport | None = None,
    clock: Clock | None = None,
    today: date | None = None,
    progress: Progress = SILENT,
) -> list[str]:
    """harvest -> ingest -> resolve -> enrich -> score, each incremental; one line per stage."""
    options = RunOptions(transport=transport, clock=clock, today=today)
    run = Run(store, settings, options, progress)
    with exclusive_lock(settings.data_dir / LOCK_NAME):
        return [result.summary for result in run_stages(run, UPDATE)]

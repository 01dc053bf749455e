"""`paperscope update`: harvest, ingest, resolve, enrich and score, once at a time."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from harvest_fakes import FakeClock, Replay, params_match, text_response
from sqlalchemy import ColumnElement, func, select

from paperscope.config import Settings
from paperscope.pipeline.runner import LOCK_NAME, UpdateRunningError, exclusive_lock, run_update
from paperscope.store import Store
from paperscope.store.metrics_schema import work_metrics
from paperscope.store.schema import authorships, works

TODAY = date(2024, 1, 8)


@pytest.fixture
def hf_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        harvest_queries=[{"source": "hf", "days": 1}],
        embedding_model="hashing",
    )


def _serve_two_days(replay: Replay, data_dir: Path) -> None:
    day = (data_dir / "hf-daily" / "daily_papers-2024-01-08.json").read_bytes()
    replay.add(params_match("/api/daily_papers", date="2024-01-07"), text_response("[]"))
    replay.add(params_match("/api/daily_papers", date="2024-01-08"), text_response(day))


def _count(store: Store, condition: ColumnElement[bool]) -> int:
    table = condition.left.table  # type: ignore[attr-defined]
    with store.connect() as connection:
        query = select(func.count()).select_from(table).where(condition)
        return int(connection.execute(query).scalar_one())


def _works(store: Store) -> int:
    with store.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(works)).scalar_one())


def test_update_twice_does_nothing_the_second_time(
    hf_settings: Settings, store: Store, replay: Replay, clock: FakeClock, data_dir: Path
) -> None:
    _serve_two_days(replay, data_dir)
    run = {"transport": replay.transport(), "clock": clock, "today": TODAY}

    first = run_update(hf_settings, store, **run)  # type: ignore[arg-type]
    second = run_update(hf_settings, store, **run)  # type: ignore[arg-type]

    assert first[:2] == [
        "harvest: 2 pages from 1 queries (2 requests)",
        "ingest: read 6, new 3, merged 0, updated 0, quarantined 2, BM25 keyword index 3 works",
    ]
    assert [line.split(":")[0] for line in first[2:]] == ["resolve", "enrich", "score", "pages"]
    assert "3 embedded (hashing)" in first[3]
    assert first[4].startswith("score: 3 works scored")
    assert second == ["harvest: nothing new (1 queries, 0 requests)", "ingest: nothing to do"]
    assert len(replay.log) == 2
    assert _works(store) == 3
    assert _count(store, authorships.c.person_id.is_(None)) == 0
    assert _count(store, work_metrics.c.work_id.is_not(None)) == 3


def test_a_second_update_while_one_runs_stops_at_once(
    hf_settings: Settings, store: Store, replay: Replay, clock: FakeClock
) -> None:
    with (
        exclusive_lock(hf_settings.data_dir / LOCK_NAME),
        pytest.raises(UpdateRunningError, match="another update is running"),
    ):
        run_update(hf_settings, store, transport=replay.transport(), clock=clock, today=TODAY)

    assert replay.log == []

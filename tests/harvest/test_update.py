"""`paperscope update`: harvest the configured queries, ingest what arrived, once at a time."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from harvest_fakes import FakeClock, Replay, params_match, text_response
from sqlalchemy import func, select

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.schema import works
from paperscope.update import LOCK_NAME, UpdateRunningError, exclusive_lock, run_update

TODAY = date(2024, 1, 8)


@pytest.fixture
def hf_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", harvest_queries=[{"source": "hf", "days": 1}])


def _serve_two_days(replay: Replay, data_dir: Path) -> None:
    day = (data_dir / "hf-daily" / "daily_papers-2024-01-08.json").read_bytes()
    replay.add(params_match("/api/daily_papers", date="2024-01-07"), text_response("[]"))
    replay.add(params_match("/api/daily_papers", date="2024-01-08"), text_response(day))


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

    assert first == [
        "harvest: 2 pages from 1 queries (2 requests)",
        "ingest: read 6, new 3, merged 0, updated 0, quarantined 2",
    ]
    assert second == ["harvest: nothing new (1 queries, 0 requests)", "ingest: nothing to do"]
    assert len(replay.log) == 2
    assert _works(store) == 3


def test_a_second_update_while_one_runs_stops_at_once(
    hf_settings: Settings, store: Store, replay: Replay, clock: FakeClock
) -> None:
    with (
        exclusive_lock(hf_settings.data_dir / LOCK_NAME),
        pytest.raises(UpdateRunningError, match="another update is running"),
    ):
        run_update(hf_settings, store, transport=replay.transport(), clock=clock, today=TODAY)

    assert replay.log == []

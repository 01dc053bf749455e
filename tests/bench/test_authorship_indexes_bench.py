"""`bench/authorship_indexes.py` on the search sample in PostgreSQL: it copies every
authorship into both tables, reports each index set, and leaves no table behind."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from bench_scripts import bench_script
from paperscope.store import Store
from paperscope.store.schema import authorships
from pgserver import PgServer
from stages import ingest

SAMPLE = Path(__file__).parents[1] / "data" / "search" / "arxiv-sample.jsonl"


def test_every_authorship_goes_into_both_tables(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_server.new_database("bench_authorship_indexes")
    store = Store.open(url)
    ingest(store, SAMPLE)
    with store.connect() as connection:
        expected = connection.execute(select(func.count()).select_from(authorships)).scalar()
    results = tmp_path / "indexes.json"
    argv = ["authorship_indexes", "--database", url, "--batch", "7"]
    monkeypatch.setattr(sys, "argv", [*argv, "--results", str(results)])
    bench_script("authorship_indexes").main()
    report = json.loads(results.read_text())
    tables = inspect(store.engine).get_table_names()
    store.close()

    assert expected and report["rows"] == expected
    assert set(report["rows_per_s"]) == {"before", "after"}
    after = report["index_mb"]["after"]
    assert "bench_authorships_after_name_key_person_id_work_id_idx" in after
    assert "bench_authorships_after_reverse_person_id_work_id_name_key_idx" in after
    assert len(report["index_mb"]["before"]) == len(after) == 5
    assert not [name for name in tables if name.startswith("bench_authorships")]

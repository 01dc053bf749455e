"""`bench/ingest_floor.py`: its bare load must put back every key, index, foreign key and
trigger it dropped, and its report must count the corpus's records and the rows ingest wrote."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text

from bench_scripts import bench_script
from paperscope.ingest.pipeline import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import metadata

DATA = Path(__file__).resolve().parents[1] / "data"


def _ingested(url: str, corpus: Path) -> int:
    store = Store.open(url)
    counts = ingest_paths(store, [corpus / "openalex"], background=False)
    store.close()
    return counts.read


def _text(described: Any) -> str:
    # default=str: a partial index's WHERE clause comes back as a text clause object
    return json.dumps(described, default=str, sort_keys=True)


def _schema(url: str) -> dict[str, Any]:
    """Every table's rows, indexes, unique keys, foreign keys and triggers."""
    store = Store.open(url)
    inspector = inspect(store.engine)
    with store.connect() as connection:
        if store.dialect == "postgresql":
            triggers = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'"
        else:
            triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        described = {
            "triggers": sorted(connection.execute(text(triggers)).scalars()),
            "rows": {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar()
                for table in metadata.sorted_tables
            },
        }
    for table in metadata.sorted_tables:
        described[table.name] = (
            sorted(_text(index) for index in inspector.get_indexes(table.name)),
            sorted(_text(key) for key in inspector.get_unique_constraints(table.name)),
            sorted(_text(key) for key in inspector.get_foreign_keys(table.name)),
            inspector.get_pk_constraint(table.name)["constrained_columns"],
        )
    store.close()
    return described


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(DATA / "openalex", folder / "openalex")
    return folder


def test_a_bare_load_builds_again_everything_it_dropped(
    new_database_url: Callable[[], str], corpus: Path
) -> None:
    source, target = new_database_url(), new_database_url()
    _ingested(source, corpus)
    expected = _schema(source)

    report = bench_script("ingest_floor").bare_load(source, target)

    assert _schema(target) == expected
    assert report["rows"] == sum(expected["rows"].values())
    assert report["built"]["indexes"] > 0 and report["built"]["trigger_statements"] > 0
    if source.startswith("postgresql"):
        assert report["built"]["keys"] > 0 and report["built"]["foreign_keys"] > 0


def test_the_report_counts_the_records_and_the_rows(
    new_database_url: Callable[[], str],
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, target = new_database_url(), new_database_url()
    records = _ingested(source, corpus)
    rows = sum(_schema(source)["rows"].values())
    results = tmp_path / "floor.json"
    argv = ["ingest_floor", "--corpus", str(corpus), "--source", source, "--target", target]
    monkeypatch.setattr(sys, "argv", [*argv, "--results", str(results)])

    bench_script("ingest_floor").main()

    report = json.loads(results.read_text())
    assert records > 0 and report["records"] == records
    assert report["rows"] == report["bulk_bare"]["rows"] == rows
    assert report["reading"]["parse_s"] >= 0 and report["reading"]["records_per_s"] > 0
    assert report["bulk_indexed"]["seconds"] > 0 and report["bulk_bare"]["seconds"] > 0
    if target.startswith("sqlite:///"):  # the SQLite target is scratch: removed after
        assert not Path(target.removeprefix("sqlite:///")).exists()


def test_without_reading_the_records_come_from_the_corpus_summary(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'target.db'}"
    _ingested(source, corpus)
    (corpus / "corpus.json").write_text(json.dumps({"records": {"openalex": 5, "s2": 7}}))
    results = tmp_path / "floor.json"
    argv = ["ingest_floor", "--corpus", str(corpus), "--source", source, "--target", target]
    monkeypatch.setattr(sys, "argv", [*argv, "--no-reading", "--results", str(results)])

    bench_script("ingest_floor").main()

    report = json.loads(results.read_text())
    assert report["records"] == 12 and report["reading"] is None

"""`bench/pages_refresh.py`: a refresh reports what it stored, and the digest of the stored
rows says whether two refreshes stored the same pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import update

from bench_scripts import bench_script
from paperscope.config import Settings
from paperscope.pipeline.runner import run_stages
from paperscope.pipeline.stages import Run, RunOptions
from paperscope.store import Store
from paperscope.store.metrics_schema import author_page_snapshots

DATA = Path(__file__).parents[1] / "data"


def test_a_refresh_reports_its_pages_and_their_digest(sqlite_url: str, tmp_path: Path) -> None:
    store = Store.open(sqlite_url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        embedding_model="hashing",
        identity_topics="none",
    )
    options = RunOptions(paths=(DATA / "metrics",), today=date.today())
    run_stages(Run(store, settings, options), ["ingest", "resolve", "score"])
    script = bench_script("pages_refresh")
    first = script.worker(sqlite_url, 1, 1)
    assert first["current"] and first["workers"] == 1
    assert first["stored_rows"] == first["name_pages"] + first["person_pages"] > 0
    # Another refresh stores the same pages under a new content version: the same digest.
    assert script.worker(sqlite_url, 1, 1)["digest"] == first["digest"]
    fewer = script.worker(sqlite_url, 3, 1)
    assert 0 < fewer["stored_rows"] < first["stored_rows"]
    assert fewer["digest"] != first["digest"]
    with store.transaction() as connection:
        connection.execute(update(author_page_snapshots).values(body="{}"))
    assert script.stored_digest(sqlite_url) != (fewer["stored_rows"], fewer["digest"])
    store.close()

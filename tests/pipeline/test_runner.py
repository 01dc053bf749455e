"""The pipeline: stages run by name through one runner, each writing only its own tables."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from paperscope.config import Settings
from paperscope.errors import PaperscopeError
from paperscope.pipeline.runner import run_stages
from paperscope.pipeline.runs import last_runs
from paperscope.pipeline.stages import STAGES, WRITES, Run, RunOptions
from paperscope.store import Store
from paperscope.store.schema import metadata, references, work_ids

DATA = Path(__file__).parent.parent / "data"


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        embedding_model="hashing",
        identity_topics="none",
    )


def _fingerprints(store: Store) -> dict[str, str]:
    """A digest of every table's rows, to tell which tables a stage changed."""
    digests = {}
    with store.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            rows = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            digests[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def test_each_stage_writes_only_its_own_tables(store: Store, tmp_path: Path) -> None:
    options = RunOptions(paths=(DATA / "aan",), full=True, min_works=1)
    run = Run(store, _settings(tmp_path), options)
    changed_by = {}
    for name in ("ingest", "resolve", "enrich", "score", "pages"):
        before = _fingerprints(store)
        result = run_stages(run, [name])[0]
        after = _fingerprints(store)
        # The runner logs every stage it runs in pipeline_runs (its own table, not the stage's).
        changed = {table for table in before if before[table] != after[table]}
        assert "pipeline_runs" in changed
        # The triggers record in content_changes that what author pages read changed.
        changed_by[name] = changed - {"pipeline_runs", "content_changes"}
        assert result.stage == name and result.summary.startswith(name)
    for name, changed in changed_by.items():
        assert changed or not WRITES[name], f"{name} changed nothing"
        assert changed <= WRITES[name], f"{name} wrote {sorted(changed - WRITES[name])}"
    assert "references" in changed_by["ingest"]  # ingest links the references it reads
    assert "references" not in changed_by["score"]
    assert "author_page_snapshots" in changed_by["pages"]


def test_the_runner_logs_each_stage_run(store: Store, tmp_path: Path) -> None:
    run = Run(store, _settings(tmp_path), RunOptions(paths=(DATA / "aan",)))
    results = run_stages(run, ["ingest", "resolve"])
    with store.connect() as connection:
        runs = last_runs(connection)
    assert [r.stage for r in runs] == ["resolve", "ingest"]
    assert all(r.status == "ok" and r.finished_at is not None for r in runs)
    assert runs[0].summary == results[1].summary
    with pytest.raises(PaperscopeError):
        run_stages(
            Run(store, _settings(tmp_path), RunOptions(paths=(tmp_path / "none",))), ["ingest"]
        )
    with store.connect() as connection:
        failed = last_runs(connection, limit=1)[0]
    assert failed.stage == "ingest" and failed.status == "failed" and failed.summary


def test_ingest_leaves_no_linkable_reference_unlinked(store: Store, tmp_path: Path) -> None:
    run = Run(store, _settings(tmp_path), RunOptions(paths=(DATA / "aan",)))
    counts = run_stages(run, ["ingest"])[0].details
    stored = select(work_ids.c.work_id).where(
        work_ids.c.scheme == references.c.cited_scheme,
        work_ids.c.value == references.c.cited_value,
    )
    with store.connect() as connection:
        linked = connection.execute(
            select(references.c.id).where(references.c.cited_work_id.is_not(None))
        ).all()
        unlinked = connection.execute(
            select(references.c.id).where(references.c.cited_work_id.is_(None), stored.exists())
        ).all()
    assert linked and not unlinked
    assert counts.references_linked >= len(linked)


def test_a_stage_with_nothing_new_ends_the_run(store: Store, tmp_path: Path) -> None:
    run = Run(store, _settings(tmp_path), RunOptions(paths=()))
    results = run_stages(run, ["ingest", "resolve", "enrich", "score"])
    assert [r.stage for r in results] == ["ingest"]
    assert results[0].nothing_new and results[0].summary == "ingest: nothing to do"


def test_unknown_stages_are_refused_before_any_runs(store: Store, tmp_path: Path) -> None:
    run = Run(store, _settings(tmp_path), RunOptions(paths=(DATA / "aan",)))
    with pytest.raises(PaperscopeError, match="unknown stage 'embed'"):
        run_stages(run, ["ingest", "embed"])
    with store.connect() as connection:
        assert connection.execute(select(references.c.id).limit(1)).first() is None
    assert list(STAGES) == ["harvest", "ingest", "resolve", "enrich", "score", "pages", "notify"]


@pytest.mark.parametrize(
    ("setting", "reader", "asked"),
    [("process", "background", False), ("inline", "inline", False), ("auto", "inline", True)],
)
def test_the_ingest_reader_setting_picks_where_ingest_parses(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, reader: str,
    asked: bool,
) -> None:  # fmt: skip
    """`ingest_reader` (PAPERSCOPE_INGEST_READER): a second process, this one, or whichever
    `spare_core` says (here: no core to spare)."""
    from paperscope.ingest import pipeline
    from paperscope.ingest.reader import read_events, read_events_in_background

    used: list[str] = []
    questions: list[bool] = []

    def watching(name: str, read: Any) -> Any:
        def watched(*args: Any, **kwargs: Any) -> Any:
            used.append(name)
            return read(*args, **kwargs)

        return watched

    def no_core_to_spare() -> bool:
        questions.append(True)
        return False

    monkeypatch.setattr(pipeline, "read_events", watching("inline", read_events))
    background = watching("background", read_events_in_background)
    monkeypatch.setattr(pipeline, "read_events_in_background", background)
    monkeypatch.setattr(pipeline, "spare_core", no_core_to_spare)
    settings = _settings(tmp_path).model_copy(update={"ingest_reader": setting})
    run = Run(store, settings, RunOptions(paths=(DATA / "aan",)))
    result = run_stages(run, ["ingest"])[0]
    assert result.summary.startswith("ingest: read ")
    assert set(used) == {reader}
    assert bool(questions) == asked


@pytest.mark.parametrize("shared", [False, True], ids=["per-data-folder", "shared-folder"])
def test_resolve_keeps_its_trained_model_where_the_settings_say(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared: bool
) -> None:
    """`identity_model_dir` (PAPERSCOPE_IDENTITY_MODEL_DIR): the trained identity model is
    kept there, by default in the data folder's `models/`."""
    from paperscope.identity import model as identity_model

    trainings: list[Path] = []

    def trained() -> identity_model.HandSetModel:  # stands in for ~12 s of training
        trainings.append(tmp_path)
        return identity_model.HandSetModel()

    monkeypatch.setattr(identity_model, "_trained", trained)
    folder = tmp_path / "shared-models" if shared else None
    settings = _settings(tmp_path).model_copy(update={"identity_model_dir": folder})
    run = Run(store, settings, RunOptions(paths=(DATA / "aan",)))
    run_stages(run, ["ingest", "resolve"])

    expected = folder or settings.data_dir / "models"
    assert len(trainings) == 1
    assert len(list((expected / identity_model.MODEL_CACHE_DIR).glob("pairwise-*.pickle"))) == 1
    assert (settings.data_dir / "models").exists() is not shared

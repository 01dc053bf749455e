"""Run the pipeline's own stages in tests, as `paperscope ingest` / `enrich` would."""

from __future__ import annotations

from pathlib import Path

from paperscope.config import Settings
from paperscope.ingest import IngestCounts
from paperscope.pipeline.runner import run_stage
from paperscope.pipeline.stages import RunOptions
from paperscope.store import Store


def ingest(store: Store, *paths: Path, format_name: str | None = None) -> IngestCounts:
    """The ingest stage: records stored, references linked, new works indexed for search."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    options = RunOptions(paths=paths, format_name=format_name)
    counts: IngestCounts = run_stage(store, settings, "ingest", options).details
    return counts

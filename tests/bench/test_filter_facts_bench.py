"""`bench/filter_facts.py` on the search sample: it finds the same works both ways, writes
its results, and refuses a snapshot without the facts' columns."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bench_scripts import bench_script
from paperscope.config import Settings
from paperscope.search.bm25 import bm25_index, forget_bm25_indexes
from paperscope.search.filter_facts import FACTS_FILE
from paperscope.store import Store
from stages import ingest

SAMPLE = Path(__file__).parents[1] / "data" / "search" / "arxiv-sample.jsonl"


def test_both_ways_agree_and_a_folder_without_columns_is_refused(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(store, SAMPLE)
    forget_bm25_indexes()
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    index = bm25_index(store, settings)
    assert index is not None
    snapshot = index.rebuild()
    assert snapshot is not None
    url = store.engine.url.render_as_string(hide_password=False)
    results = tmp_path / "facts.json"
    argv = ["filter_facts", "--database", url, "--data-dir", str(tmp_path), "--rounds", "1"]
    monkeypatch.setattr(sys, "argv", [*argv, "--results", str(results)])
    bench_script("filter_facts").main()
    report = json.loads(results.read_text())
    assert report["works"] == 12 and len(report["filters"]) == 10  # all but the author's
    assert sum(row["kept"] for row in report["filters"]) > 0
    (index.folder(snapshot.generation) / FACTS_FILE).unlink()
    forget_bm25_indexes()
    with pytest.raises(SystemExit, match="reindex"):
        bench_script("filter_facts").main()

"""`bench/scale.py --merge`: stages run in several sittings end up in one results file."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bench_scripts import bench_script


def _scale() -> ModuleType:
    return bench_script("scale")


def _report(stages: dict[str, Any], load: float, **extra: Any) -> dict[str, Any]:
    return {
        "corpus": "corpus-1m",
        "works": 1_000_000,
        "model": "tokenlearn",
        "load_average_at_start": [load, load, load],
        "load_average_at_end": [load, load, load],
        "databases": {"sqlite": {"stages": stages, **extra}},
    }


def test_later_stages_are_added_and_a_stage_measured_again_replaces_its_number() -> None:
    merged = _scale().merged
    ingest = {"seconds": 1500.0, "records_per_s": 1884}
    first = _report({"ingest": ingest}, 1.5, disk_mb=7000.0)
    second = _report({"enrich": {"seconds": 900.0}}, 2.0, disk_mb=8500.0, pages={"trending": 1})
    both = merged(first, second)
    assert both["databases"]["sqlite"]["stages"] == {"ingest": ingest, "enrich": {"seconds": 900.0}}
    assert both["databases"]["sqlite"]["disk_mb"] == 8500.0
    assert both["databases"]["sqlite"]["pages"] == {"trending": 1}
    again = merged(both, _report({"enrich": {"seconds": 700.0}}, 3.0, disk_mb=8600.0))
    assert again["databases"]["sqlite"]["stages"]["enrich"] == {"seconds": 700.0}
    assert again["databases"]["sqlite"]["pages"] == {"trending": 1}  # not measured again
    assert [run["stages"]["sqlite"] for run in again["runs"]] == [
        ["ingest"],
        ["enrich"],
        ["enrich"],
    ]
    assert [run["load_average_at_start"][0] for run in again["runs"]] == [1.5, 2.0, 3.0]
    assert again["databases"]["sqlite"]["disk_mb"] == 8600.0


def test_a_stage_run_on_a_smaller_copy_keeps_the_larger_disk_and_records_its_own() -> None:
    merged = _scale().merged
    full = _report({"ingest": {}, "score": {}}, 1.0, disk_mb=10_000.0)
    resolve_only = _report({"resolve": {"seconds": 1900.0}}, 1.0, disk_mb=8_000.0)
    both = merged(full, resolve_only)
    assert both["databases"]["sqlite"]["disk_mb"] == 10_000.0
    assert [run["disk_mb"]["sqlite"] for run in both["runs"]] == [10_000.0, 8_000.0]


def test_results_of_another_corpus_are_not_merged() -> None:
    other = _report({}, 1.0) | {"corpus": "corpus-100k"}
    with pytest.raises(SystemExit, match="corpus-100k"):
        _scale().merged(other, _report({}, 1.0))


_TWO_CHILDREN = """
import subprocess, sys
hold = "b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096]); import time; time.sleep(2)"
children = [subprocess.Popen([sys.executable, "-c", hold]) for _ in range(2)]
for child in children:
    child.wait()
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_a_stage_s_peak_memory_counts_the_processes_it_starts(tmp_path: Path) -> None:
    """`resolve` clusters in worker processes: wait4 reports one process's peak, the ceiling
    is about all of them at once."""
    scale = _scale()
    command = [sys.executable, "-c", _TWO_CHILDREN]
    result = scale.run_stage(command, tmp_path / "log", dict(os.environ))
    assert result["peak_rss_mb"] >= 150  # at least the largest child's, through wait4
    assert result["peak_tree_rss_mb"] >= 290  # both children at once, sampled

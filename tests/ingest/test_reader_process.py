"""The reading process: the same events as reading in-process, and no reader left behind
when the ingest stops early or is killed."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from kaggle import kaggle_lines

from paperscope.ingest.reader import (
    Items,
    Results,
    cpu_times,
    read_events,
    read_events_in_background,
    spare_core,
)

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("prepare", [False, True], ids=["results", "items"])
def test_the_reading_process_hands_over_exactly_what_reading_in_process_gives(
    prepare: bool,
) -> None:
    formats = ["aan", "openalex", "s2-bulk", "arxiv-kaggle", "bibtex", "hf-daily", "listing-text"]
    paths = [DATA / name for name in formats]
    expected = list(read_events(paths, None, prepare=prepare))
    assert any(isinstance(event, Items if prepare else Results) for event in expected)
    assert list(read_events_in_background(paths, None, prepare=prepare)) == expected


def test_stopping_early_ends_the_reading_process(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.jsonl"
    kaggle_lines(path, 20_000)
    events = read_events_in_background([path], None)
    assert type(next(events)).__name__ == "FileStarted"
    assert multiprocessing.active_children()
    events.close()
    assert multiprocessing.active_children() == []


KILLED_INGEST = """
import multiprocessing, os, signal, sys
from pathlib import Path
from paperscope.ingest.reader import read_events_in_background
events = read_events_in_background([Path(sys.argv[1])], None)
first = type(next(events)).__name__
print(multiprocessing.active_children()[0].pid, first, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited, whoever reaps it


# A small file is read to its end before the kill, its reader then waiting to hand over
# events larger than the pipe holds (600 records with 200-word abstracts: ~1.4 MB); a large
# one holds far more than the reader reads ahead.
@pytest.mark.parametrize(("records", "abstract_words"), [(600, 200), (50_000, 0)])
def test_a_reader_whose_ingest_is_killed_stops_by_itself(
    tmp_path: Path, records: int, abstract_words: int
) -> None:
    path = tmp_path / "snapshot.jsonl"
    kaggle_lines(path, records, abstract_words)
    done = subprocess.run(
        [sys.executable, "-c", KILLED_INGEST, str(path)], capture_output=True, text=True
    )
    assert done.stdout.strip(), f"exit {done.returncode}: {done.stderr}"
    pid, first_event = done.stdout.split()
    assert first_event == "FileStarted"  # the file was recognised: records are on their way
    reader = int(pid)
    deadline = time.monotonic() + 60
    while _running(reader) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(reader)


def _samples(*times: tuple[float, float]) -> Callable[[], tuple[float, float]]:
    """CPU-time samples (idle, total) handed out in order."""
    given = iter(times)
    return lambda: next(given)


def test_a_core_is_spare_when_one_and_a_half_cores_were_idle_just_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.9, 1.9, 1.9))  # lagging: not asked
    assert spare_core(_samples((0, 0), (190, 200)), window=0)
    assert not spare_core(_samples((0, 0), (100, 200)), window=0)  # the other core busy
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not spare_core(_samples((0, 0), (100, 100)), window=0)


def test_without_cpu_times_the_load_average_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable() -> tuple[float, float]:
        raise OSError("no /proc here")

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.4, 0.4, 0.4))
    assert spare_core(unreadable, window=0)
    assert spare_core(_samples((5, 10), (5, 10)), window=0)  # no time passed between them
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 1.6, 1.6))
    assert not spare_core(unreadable, window=0)
    assert not spare_core(_samples((5, 10), (5, 10)), window=0)


def test_cpu_times_reads_idle_and_iowait_of_all_cores(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  10 2 3 40 5 1 1 0 7 0\ncpu0 5 1 1 20 2 0 0 0 3 0\nintr 1 2\n")
    assert cpu_times(stat) == (45.0, 62.0)

"""The CLI: resolve, people show / merge / split / recluster, and their errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def _paperscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paperscope", *args], capture_output=True, text=True, timeout=300
    )


def test_resolve_show_merge_split(identity_data: Path, sqlite_url: str) -> None:
    data = str(identity_data / "two-jane-does.jsonl")
    assert _paperscope("ingest", data, "-d", sqlite_url).returncode == 0
    result = _paperscope("resolve", "-d", sqlite_url)
    assert result.returncode == 0, result.stderr
    assert "people (incremental)" in result.stdout

    shown = _paperscope("people", "show", "Jane Doe", "-d", sqlite_url)
    assert shown.returncode == 0, shown.stderr
    assert "2 people print the name 'Jane Doe'" in shown.stdout
    ids = [int(x) for x in re.findall(r"^person (\d+):", shown.stdout, re.MULTILINE)]
    assert len(ids) == 2
    assert "Kept apart from Jane Doe" in shown.stdout

    merged = _paperscope("people", "merge", str(ids[0]), str(ids[1]), "-d", sqlite_url)
    assert merged.returncode == 0, merged.stderr
    shown = _paperscope("people", "show", "Jane Doe", "-d", sqlite_url)
    assert re.findall(r"^person (\d+):", shown.stdout, re.MULTILINE) == [str(ids[0])]
    assert "Merged by hand" in shown.stdout

    split = _paperscope(
        "people", "split", str(ids[0]), "--works", "arxiv:1504.00004", "-d", sqlite_url
    )
    assert split.returncode == 0, split.stderr
    assert _paperscope("people", "recluster", "-d", sqlite_url).returncode == 0
    shown = _paperscope("people", "show", "Jane Doe", "-d", sqlite_url)
    assert len(re.findall(r"^person (\d+):", shown.stdout, re.MULTILINE)) == 2


def test_unknown_person_and_bad_work_are_clear_errors(identity_data: Path, sqlite_url: str) -> None:
    _paperscope("ingest", str(identity_data / "two-jane-does.jsonl"), "-d", sqlite_url)
    _paperscope("resolve", "-d", sqlite_url)
    missing = _paperscope("people", "show", "999999", "-d", sqlite_url)
    assert missing.returncode == 1
    assert "no person 999999" in missing.stderr
    bad = _paperscope("people", "split", "1", "--works", "nonsense", "-d", sqlite_url)
    assert bad.returncode == 2
    assert "neither a work id nor scheme:value" in bad.stderr

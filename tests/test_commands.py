from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _paperscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paperscope", *args], capture_output=True, text=True, timeout=120
    )


def test_ingest_prints_a_summary(data_dir: Path, sqlite_url: str) -> None:
    result = _paperscope(
        "ingest", str(data_dir / "ingest" / "kaggle-three.jsonl"), "-d", sqlite_url
    )

    assert result.returncode == 0, result.stderr
    assert "read 4, new 3" in result.stdout
    assert "quarantined 1" in result.stdout


def test_strict_ingest_exits_3_naming_file_position_and_reason(
    data_dir: Path, sqlite_url: str
) -> None:
    path = data_dir / "ingest" / "kaggle-three.jsonl"
    result = _paperscope("ingest", str(path), "--strict", "-d", sqlite_url)

    assert result.returncode == 3
    assert "kaggle-three.jsonl: line 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_is_a_clear_error(sqlite_url: str) -> None:
    result = _paperscope("ingest", "/no/such/file.bib", "-d", sqlite_url)

    assert result.returncode == 1
    assert "/no/such/file.bib: no such file or folder" in result.stderr


def test_author_profile_numbers_come_from_the_listed_works(data_dir: Path, sqlite_url: str) -> None:
    folder = data_dir / "ingest"
    _paperscope(
        "ingest",
        str(folder / "kaggle-three.jsonl"),
        str(folder / "openalex-two.json"),
        "-d",
        sqlite_url,
    )

    result = _paperscope("author", "Grace Hopper", "-d", sqlite_url)

    assert result.returncode == 0, result.stderr
    assert "1papers" in result.stdout
    assert "42citations" in result.stdout
    assert "h-index1" in result.stdout


def test_harvest_rejects_a_bad_query_with_a_clear_message(tmp_path: Path) -> None:
    result = _paperscope("harvest", "arxiv", "--from", "yesterday")

    assert result.returncode == 2
    assert "dates are YYYY-MM-DD" in result.stderr

    unknown = _paperscope("harvest", "nowhere")
    assert unknown.returncode == 2
    assert "unknown harvest source 'nowhere'" in unknown.stderr

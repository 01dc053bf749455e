"""What the database refuses is quarantined record by record; `paperscope quarantine` lists
the quarantine newest first and filters and counts it by file, reason and run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import quarantine, source_records


def _kaggle_line(number: int, title: str) -> str:
    record = {
        "id": f"2101.{number:05d}",
        "title": title,
        "authors": "A. Author",
        "versions": [{"version": "v1", "created": "Mon, 4 Jan 2021 10:00:00 GMT"}],
        "update_date": "2021-01-05",
        "categories": "cs.CL",
    }
    return json.dumps(record)


def test_a_record_the_database_refuses_is_quarantined_and_the_batch_stored(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "snapshot.jsonl"
    titles = [f"Good title {n}" for n in range(40)]
    titles[17] = "A lone surrogate \ud800 no database stores"
    path.write_text("\n".join(_kaggle_line(n, t) for n, t in enumerate(titles)) + "\n")

    counts = ingest_paths(store, [path], batch_size=100)

    assert (counts.new, counts.quarantined) == (39, 1)
    with store.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(source_records)).scalar()
        (reason,) = connection.execute(select(quarantine.c.reason)).scalars()
    assert stored == 39
    assert reason.startswith("the database refused the record: ")


def _paperscope(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "paperscope", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_quarantine_command_filters_counts_and_runs(tmp_path: Path, sqlite_url: str) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text(_kaggle_line(1, "Fine") + '\n{"id": "broken",\n[1, 2]\n')
    second = tmp_path / "second.jsonl"
    second.write_text(_kaggle_line(2, "Fine too") + "\n" + "{" * 5000 + "\n")
    assert _paperscope("ingest", str(first), "-d", sqlite_url).returncode == 0
    done = _paperscope("ingest", str(second), "-d", sqlite_url)
    assert done.returncode == 0
    run = done.stdout.rsplit("--run ", 1)[1].split()[0]

    listed = _paperscope("quarantine", "-d", sqlite_url, "--format", "json")
    rows = json.loads(listed.stdout)
    assert [Path(row["file"]).name for row in rows] == ["second.jsonl", *["first.jsonl"] * 2]
    assert rows[0]["run"] == run and len(rows[0]["raw"]) <= 4200

    only_latest = json.loads(
        _paperscope("quarantine", "-d", sqlite_url, "--run", "latest", "--format", "json").stdout
    )
    assert [row["run"] for row in only_latest] == [run]
    by_file = _paperscope("quarantine", "-d", sqlite_url, "--file", "first.j", "--format", "json")
    assert len(json.loads(by_file.stdout)) == 2
    by_reason = _paperscope(
        "quarantine", "-d", sqlite_url, "--reason", "not a JSON object", "--format", "json"
    )
    assert [row["position"] for row in json.loads(by_reason.stdout)] == ["line 3"]
    limited = _paperscope("quarantine", "-d", sqlite_url, "--limit", "1")
    assert len(limited.stdout.strip().splitlines()) == 1 and "second.jsonl" in limited.stdout

    counted = json.loads(
        _paperscope("quarantine", "-d", sqlite_url, "--count", "--format", "json").stdout
    )
    assert counted["total"] == 3
    assert sorted(counted["files"].values()) == [1, 2]
    assert sum(counted["runs"].values()) == 3 and len(counted["runs"]) == 2
    text = _paperscope("quarantine", "-d", sqlite_url, "--count").stdout
    assert "3 quarantined" in text


def test_encoding_notes_and_empty_files_are_reported(tmp_path: Path, sqlite_url: str) -> None:
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(
        _kaggle_line(3, "Caf\u00e9 na\u00efve")
        .encode()
        .replace(b"\\u00e9", "é".encode("cp1252"))
        .replace(b"\\u00ef", "ï".encode("cp1252"))
        + b"\n"
    )
    empty_day = tmp_path / "daily_papers-2024-01-06.json"
    empty_day.write_text("[]\n")

    done = _paperscope("ingest", str(latin), str(empty_day), "-d", sqlite_url)

    assert done.returncode == 0, done.stderr
    assert f"decoded {latin.resolve()}: not valid UTF-8: 2 bytes read as cp1252" in done.stdout
    assert f"no records in {empty_day.resolve()}: a day without papers" in done.stdout
    with Store.open(sqlite_url).connect() as connection:
        (raw,) = connection.execute(select(source_records.c.raw)).scalars()
    assert "Café naïve" in raw

"""`paperscope library import|export` and `paperscope export`, run as commands on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from library_helpers import LIBRARY, SAMPLES, kept


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PAPERSCOPE_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}

    def paperscope(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "paperscope", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )

    return paperscope


@pytest.fixture
def database(sqlite_url: str, data_dir: Path, run: Callable[..., Any]) -> str:
    ingested = run(
        "ingest",
        str(LIBRARY / "catalogue.bib"),
        str(data_dir / "bibtex" / "sample.bib"),
        "-d",
        sqlite_url,
    )
    assert ingested.returncode == 0, ingested.stderr
    return sqlite_url


def test_library_import_then_export_round_trips(
    database: str, tmp_path: Path, run: Callable[..., Any]
) -> None:
    imported = run(
        "library",
        "import",
        str(LIBRARY / "zotero.json"),
        "--user",
        "Ada@Example.org",
        "--tag",
        "zotero",
        "-d",
        database,
    )
    assert imported.returncode == 0, imported.stderr
    assert "6 items read; matched 1 by doi, 1 by arxiv, 1 by title; 3 kept unmatched" in (
        imported.stdout
    )
    out = tmp_path / "library.ris"
    exported = run(
        "library",
        "export",
        "--user",
        "ada@example.org",
        "--format",
        "ris",
        "--tag",
        "zotero",
        "-o",
        str(out),
        "-d",
        database,
    )
    assert exported.returncode == 0, exported.stderr
    assert kept("ris", out.read_bytes()) == kept(
        "csl-json", (LIBRARY / SAMPLES["csl-json"]).read_bytes()
    )
    games = run("library", "export", "--user", "ada@example.org", "--tag", "games", "-d", database)
    assert games.stdout.count("@") == 1 and "Mastering the game of Go" in games.stdout
    same = run("export", "--library", "ada@example.org", "--tag", "games", "-d", database)
    assert same.stdout == games.stdout


def test_library_import_lists_unreadable_items(
    database: str, data_dir: Path, run: Callable[..., Any]
) -> None:
    result = run(
        "library",
        "import",
        str(data_dir / "ris" / "malformed.ris"),
        "--user",
        "a@example.org",
        "-d",
        database,
    )
    assert result.returncode == 0, result.stderr
    assert "5 unreadable" in result.stdout
    assert "malformed.ris: record 3 (line 12), field PY: unreadable year 'sometime'" in (
        result.stderr
    )
    other = run(
        "library",
        "import",
        str(data_dir / "aan" / "acl-sample.txt"),
        "--user",
        "a@example.org",
        "-d",
        database,
    )
    message = " ".join(other.stderr.split())
    assert other.returncode == 2 and "is in the aan-citations format: export your" in message
    nobody = run("library", "export", "--user", "nobody@example.org", "-d", database)
    assert nobody.returncode == 1 and "no user" in nobody.stderr


def test_export_selects_by_query_author_and_ids(database: str, run: Callable[..., Any]) -> None:
    everything = run("export", "--format", "jsonl", "-d", database)
    assert everything.returncode == 0, everything.stderr
    rows = [json.loads(line) for line in everything.stdout.splitlines()]
    assert len(rows) == 9 and len({row["id"] for row in rows}) == 9
    paged = run("export", "--format", "jsonl", "--page-size", "2", "-d", database)
    assert paged.stdout == everything.stdout
    query = run("export", "--query", "keyphrase extraction", "-d", database)
    assert query.stdout.count("@inproceedings{") == 1 and "gallina2020large" in query.stdout
    author = run("export", "--author", "devlin", "--format", "csl-json", "-d", database)
    [bert] = json.loads(author.stdout)
    assert bert["title"].startswith("BERT") and bert["author"][0] == {
        "family": "Devlin",
        "given": "Jacob",
    }
    ids = run(
        "export",
        "--ids",
        "arxiv:1706.03762",
        "--ids",
        "doi:10.9999/none",
        "--format",
        "ris",
        "-d",
        database,
    )
    assert ids.returncode == 1 and "no work 'doi:10.9999/none'" in ids.stderr
    assert (
        ids.stdout.count("TY  - ") == 1 and "UR  - https://arxiv.org/abs/1706.03762" in ids.stdout
    )
    bad = run("export", "--format", "docx", "-d", database)
    assert bad.returncode == 2 and "use bibtex, ris, csl-json, jsonl" in bad.stderr

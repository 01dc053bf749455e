"""`paperscope library import|export` and `paperscope export`, run as commands on SQLite (one
database for the module: each command is a real subprocess, seconds to start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from library_helpers import LIBRARY, SAMPLES, kept

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("library-cli")


@pytest.fixture(scope="module")
def run(folder: Path) -> Run:
    env = {**os.environ, "PAPERSCOPE_DATA_DIR": str(folder / "data"), "COLUMNS": "200"}
    database = f"sqlite:///{folder / 'cli.db'}"

    def paperscope(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "paperscope", *args, "-d", database],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
            timeout=120,
        )

    sample = LIBRARY.parent / "bibtex" / "sample.bib"
    ingested = paperscope("ingest", str(LIBRARY / "catalogue.bib"), str(sample))
    assert ingested.returncode == 0, ingested.stderr
    return paperscope


def test_library_import_then_export_round_trips(run: Run, folder: Path) -> None:
    zotero = LIBRARY / SAMPLES["csl-json"]
    imported = run("library", "import", str(zotero), "--user", "Ada@Example.org", "--tag", "z")
    assert imported.returncode == 0, imported.stderr
    assert "6 items read; matched 1 by doi, 1 by arxiv, 1 by title; 3 kept unmatched" in (
        imported.stdout
    )
    out = folder / "library.ris"
    exported = run(
        "library", "export", "--user", "ada@example.org", "-f", "ris", "--tag", "z", "-o", str(out)
    )
    assert exported.returncode == 0, exported.stderr
    assert kept("ris", out.read_bytes()) == kept("csl-json", zotero.read_bytes())
    games = run("export", "--library", "ada@example.org", "--tag", "games")
    assert games.stdout.count("@") == 1 and "Mastering the game of Go" in games.stdout


def test_library_import_lists_unreadable_items(run: Run, data_dir: Path) -> None:
    bad = run("library", "import", str(data_dir / "ris" / "malformed.ris"), "--user", "b@x.org")
    assert bad.returncode == 0, bad.stderr
    assert "5 unreadable" in bad.stdout
    assert "malformed.ris: record 3 (line 12), field PY: unreadable year 'sometime'" in (bad.stderr)
    other = run("library", "import", str(data_dir / "aan" / "acl-sample.txt"), "--user", "b@x.org")
    message = " ".join(other.stderr.split())
    assert other.returncode == 2 and "is in the aan-citations format: export your" in message


def test_export_selects_by_author_and_ids_in_pages(run: Run) -> None:
    everything = run("export", "--format", "jsonl")
    assert everything.returncode == 0, everything.stderr
    rows = [json.loads(line) for line in everything.stdout.splitlines()]
    assert len(rows) == 9 and len({row["id"] for row in rows}) == 9
    assert run("export", "--format", "jsonl", "--page-size", "2").stdout == everything.stdout
    author = run("export", "--author", "devlin", "--format", "csl-json")
    [bert] = json.loads(author.stdout)
    assert bert["title"].startswith("BERT")
    assert bert["author"][0] == {"family": "Devlin", "given": "Jacob"}
    ids = run("export", "--ids", "arxiv:1706.03762", "--ids", "doi:10.9999/none", "-f", "ris")
    assert ids.returncode == 1 and "no work 'doi:10.9999/none'" in ids.stderr
    assert ids.stdout.count("TY  - ") == 1
    assert "UR  - https://arxiv.org/abs/1706.03762" in ids.stdout

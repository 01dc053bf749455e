"""`paperscope library dismiss|more-like-this|undo|feedback|for-me`, run as commands on SQLite
(one database for the module: each command is a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from library_helpers import LIBRARY, SAMPLES

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("feedback-cli")
    env = {
        **os.environ,
        "PAPERSCOPE_DATA_DIR": str(folder / "data"),
        "PAPERSCOPE_EMBEDDING_MODEL": "hashing",
        "COLUMNS": "200",
    }
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
    assert paperscope("ingest", str(LIBRARY / "catalogue.bib"), str(sample)).returncode == 0
    imported = paperscope("library", "import", str(LIBRARY / SAMPLES["ris"]), "--user", "a@x.org")
    assert imported.returncode == 0, imported.stderr
    return paperscope


def test_dismiss_more_like_this_undo_and_the_list(run: Run) -> None:
    dismissed = run("library", "dismiss", "1", "--user", "A@x.org")
    assert dismissed.returncode == 0, dismissed.stderr
    assert dismissed.stdout.strip() == "paper 1: not interested"
    assert run("library", "more-like-this", "2", "--user", "a@x.org").returncode == 0
    listed = json.loads(run("library", "feedback", "--user", "a@x.org", "--format", "json").stdout)
    assert [e["work"]["work_id"] for e in listed["dismissed"]] == [1]
    assert [e["work"]["work_id"] for e in listed["more"]] == [2]
    assert run("library", "undo", "1", "--user", "a@x.org").stdout.strip() == "paper 1: no feedback"
    text = run("library", "feedback", "--user", "a@x.org").stdout
    assert "Not interested (0)" in text and "More like this (1)" in text


def test_for_me_and_errors(run: Run) -> None:
    feed = run("library", "for-me", "--user", "a@x.org", "--days", "3660", "--format", "json")
    assert feed.returncode == 0, feed.stderr
    body = json.loads(feed.stdout)
    assert body["days"] == 3660 and body["candidates"] > 0
    for item in body["entries"]:
        assert item["reason"].startswith("for you: ")
    missing = run("library", "dismiss", "999999", "--user", "a@x.org")
    assert missing.returncode != 0 and "no paper 999999" in missing.stderr
    helps = run("library", "dismiss", "--help").stdout
    assert "Example: paperscope library dismiss" in " ".join(helps.split())

"""`paperscope experts` as a user runs it (a real subprocess): the same people and numbers as
the JSON API, reviewers for a manuscript file (JSON or text), clear errors for bad files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from experts_corpus import TOPIC, ExpertsCorpus, build_experts_corpus
from fastapi.testclient import TestClient

from paperscope.cli.experts import MAX_FILE_BYTES, read_manuscript
from paperscope.embeddings.index import forget_cached_indexes
from paperscope.errors import QueryError
from paperscope.web.app import create_app

MANUSCRIPT_TEXT = """\
title: Molecules
# the first author
author: Bob Jones | Acme Research Lab
author: Frank Black | University of Example

We predict molecule properties
with graph neural networks and message passing.
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExpertsCorpus]:
    forget_cached_indexes()
    data_dir = tmp_path_factory.mktemp("experts-cli")
    built = build_experts_corpus(f"sqlite:///{data_dir / 'cli.db'}", data_dir)
    yield built
    built.store.close()


def _run(corpus: ExpertsCorpus, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PAPERSCOPE_DATA_DIR": str(corpus.settings.data_dir),
        "PAPERSCOPE_EMBEDDING_MODEL": "hashing",
        "COLUMNS": "200",
    }
    url = corpus.store.engine.url.render_as_string(hide_password=False)
    return subprocess.run(
        [sys.executable, "-m", "paperscope", "experts", *args, "-d", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_json_is_the_api_json(corpus: ExpertsCorpus) -> None:
    done = _run(corpus, TOPIC, "--format", "json")
    assert done.returncode == 0, done.stderr
    with TestClient(create_app(corpus.settings, corpus.store)) as client:
        api = client.get("/api/experts", params={"q": TOPIC}).json()
    assert json.loads(done.stdout) == api


def test_cli_text_lists_people_with_their_works(corpus: ExpertsCorpus) -> None:
    done = _run(corpus, TOPIC, "--per-page", "3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("experts (hybrid): ") and "showing 1-3" in lines[0]
    assert lines[1].startswith(f"  1. Alice Smith  [person:{corpus.alice}]  score ")
    assert lines[2].startswith("       match 1.00 × weight ") or "match" in lines[2]
    assert lines[-1].startswith("how: Matching works:")


def test_reviewers_for_a_text_manuscript(corpus: ExpertsCorpus, tmp_path: Path) -> None:
    path = tmp_path / "manuscript.txt"
    path.write_text(MANUSCRIPT_TEXT, encoding="utf-8")
    done = _run(corpus, "--reviewers-for", str(path), "--as-of", "2025")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "conflicts of interest, 2022–2025:" in out
    assert "  author Bob Jones: 1 person by name, 1 works (1 in the window)" in out
    assert "co-author: co-authored 'Equivariant graph neural networks for molecules' (2024)" in out
    assert "affiliation: printed the affiliation 'UNIVERSITY OF EXAMPLE.'" in out
    reviewers = out.split("reviewers (")[1]
    assert "Dan Brown" in reviewers and "Carol White" not in reviewers


def test_reviewers_for_a_json_manuscript(corpus: ExpertsCorpus, tmp_path: Path) -> None:
    manuscript = {
        "title": "Molecules",
        "abstract": "We predict molecule properties with graph neural networks.",
        "authors": ["Bob Jones", {"name": "Frank Black", "affiliation": "University of Example"}],
    }
    path = tmp_path / "manuscript.json"
    path.write_text(json.dumps(manuscript), encoding="utf-8")
    done = _run(corpus, "--reviewers-for", str(path), "--as-of", "2025", "--format", "json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    excluded = {item["person"]["name"] for item in answer["excluded"]}
    assert {"Bob Jones", "Frank Black", "Carol White", "Alice Smith"} <= excluded
    assert answer["authors"][1]["author"] == {
        "name": "Frank Black",
        "affiliation": "University of Example",
    }


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("author: Ada Lovelace\nnonsense line\n\nAbstract.", "line 2: expected 'title: ...'"),
        ('{"abstract": "x", "authors": "Ada"}', "field 'authors' must be a list"),
        ('{"abstract": "x", "authors": [7]}', "authors[0]: an author is a name"),
        ('{"abstract": 5, "authors": []}', "field 'abstract' must be text"),
        ('{"abstract": ', "not valid JSON"),
        ("x" * (MAX_FILE_BYTES + 1), "larger than 256 KB"),
    ],
)
def test_bad_manuscript_files_name_the_file_line_and_field(
    tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QueryError, match=re.escape(words)) as raised:
        read_manuscript(path)
    assert str(path) in str(raised.value)


def test_bad_files_and_missing_input_exit_with_a_message(
    corpus: ExpertsCorpus, tmp_path: Path
) -> None:
    path = tmp_path / "no-abstract.txt"
    path.write_text("author: Ada Lovelace\n", encoding="utf-8")
    done = _run(corpus, "--reviewers-for", str(path))
    assert done.returncode == 2 and f"{path}: no abstract" in done.stderr
    assert "Traceback" not in done.stderr
    nothing = _run(corpus)
    assert nothing.returncode == 2 and "give a QUERY" in nothing.stderr

"""`paperscope search`, `similar`, `enrich` and `reindex` as a user runs them (a real
subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from search_helpers import SAMPLE

from paperscope.errors import ConfigError, NotFoundError, QueryError


def _run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PAPERSCOPE_DATA_DIR": str(tmp_path / "data"),
        "PAPERSCOPE_EMBEDDING_MODEL": "hashing",
        "COLUMNS": "200",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "paperscope", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _run(tmp_path, "ingest", str(SAMPLE), "-d", url).returncode == 0
    return url


def test_search_enrich_similar(tmp_path: Path, database: str) -> None:
    keyword = _run(tmp_path, "search", "segmentation", "--mode", "keyword", "-d", database)
    assert keyword.returncode == 0, keyword.stderr
    lines = keyword.stdout.splitlines()
    assert lines[0] == "keyword search: 1 result, showing 1-1"
    block = lines[lines.index("Convolutional Networks for Image Segmentation") :]
    assert block[2].startswith("A convolutional encoder-decoder segments medical images")
    assert "  • 2 authors" in block and "Feb 3, 2021" in block

    before = _run(tmp_path, "search", "image synthesis", "-d", database, "--format", "json")
    assert json.loads(before.stdout)["notice"].startswith("no embeddings yet")

    enriched = _run(tmp_path, "enrich", "-d", database)
    assert enriched.returncode == 0, enriched.stderr
    assert "embeddings (hashing): 12 works embedded" in enriched.stdout
    again = _run(tmp_path, "enrich", "-d", database)
    assert "embeddings (hashing): 0 works embedded" in again.stdout

    hybrid = _run(tmp_path, "search", "image synthesis", "-d", database, "--format", "json")
    payload = json.loads(hybrid.stdout)
    assert payload["mode"] == "hybrid" and payload["notice"] is None
    assert payload["hits"][0]["title"] == "Diffusion Models for Image Synthesis"
    assert payload["hits"][0]["authors"] == ["Jonathan Example", "Prafulla Sample"]

    rerank = _run(
        tmp_path, "search", "images", "--mode", "rerank", "-d", database, "--format", "json"
    )
    assert rerank.returncode == 0, rerank.stderr
    reranked = json.loads(rerank.stdout)
    assert reranked["mode"] == "rerank" and reranked["total"] == 3
    titles = {hit["title"] for hit in reranked["hits"]}
    assert "Diffusion Models for Image Synthesis" in titles

    similar = _run(tmp_path, "similar", "arxiv:2302.00010", "--limit", "2", "-d", database)
    assert similar.returncode == 0, similar.stderr
    assert similar.stdout.startswith("similar to: Neural Machine Translation of Rare Words")
    assert "Attention Is What You Need for Neural Machine Translation" in similar.stdout


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (["search", ""], QueryError, "empty"),
        (["search", "x", "--mode", "fuzzy"], QueryError, "unknown search mode"),
        (["search", "x", "--since", "yesterday"], QueryError, "not a date"),
        (["search", "x", "--format", "xml"], QueryError, "unknown format"),
        (["search", "x", "--category", "c%"], QueryError, "not a category"),
        (["similar", "arxiv:0000.00000"], NotFoundError, "no work"),
        (["enrich", "--model", "word2vec"], ConfigError, "unknown embedding model"),
    ],
)
def test_bad_input_is_a_clear_error(
    tmp_path: Path, args: list[str], error: type[Exception], message: str
) -> None:
    """In process (fast): the error `paperscope` turns into a message and an exit code."""
    from typer.testing import CliRunner

    from paperscope.cli import app

    result = CliRunner().invoke(app, [*args, "-d", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert isinstance(result.exception, error)
    assert message in str(result.exception)


def test_errors_become_exit_codes_without_traceback(tmp_path: Path) -> None:
    done = _run(tmp_path, "search", "(((", "-d", f"sqlite:///{tmp_path / 'e.db'}")
    assert done.returncode == 2
    assert "no searchable words" in done.stderr and "Traceback" not in done.stderr


def test_reindex_builds_the_bm25_index_of_a_database_that_has_none(
    tmp_path: Path, database: str
) -> None:
    beside = tmp_path / "cli.db.search" / "keyword"
    shutil.rmtree(beside)  # as a database made before the index existed
    done = _run(tmp_path, "reindex", "-d", database)
    assert done.returncode == 0, done.stderr
    assert "database keyword index: 0 queued works re-indexed" in done.stdout
    assert "BM25 keyword index: 12 works, every work read" in done.stdout
    again = _run(tmp_path, "reindex", "-d", database)
    assert "BM25 keyword index: 12 works, already in step" in again.stdout
    assert len(list(beside.glob("f*-g*"))) == 1
    native = _run(tmp_path, "reindex", "-d", database, env={"PAPERSCOPE_KEYWORD_ENGINE": "native"})
    assert "BM25 keyword index: off" in native.stdout

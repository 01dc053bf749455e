"""kill -9 in the middle of `paperscope enrich`, then a rerun: only the rest is embedded; and
the site keeps serving pages while enrich writes (SQLite WAL)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from paperscope.config import Settings
from paperscope.embeddings.encoders import HashingEncoder, work_text
from paperscope.embeddings.vectors import CHUNK, load_embeddings
from paperscope.store import Store
from paperscope.store.schema import works
from paperscope.store.search_schema import embeddings
from paperscope.web.app import create_app

WORKS = 12 * CHUNK
VOCABULARY = """graph neural network protein folding retrieval citation transformer language
model vision robot reinforcement policy gradient kernel bayesian inference sparse matrix
compiler database index query optimiser cache latency energy"""
WORDS = VOCABULARY.split()


def _corpus(url: str) -> None:
    rng = np.random.default_rng(5)
    rows = [
        {
            "title": f"Work {n}: " + " ".join(rng.choice(WORDS, 6)),
            "title_key": f"work {n}",
            "abstract": " ".join(rng.choice(WORDS, 160)),
            "year": 2000 + n % 25,
        }
        for n in range(WORKS)
    ]
    store = Store.open(url)
    with store.transaction() as connection:
        connection.execute(insert(works), rows)
    store.close()


def _stored(url: str) -> int:
    store = Store.open(url)
    with store.connect() as connection:
        count = connection.execute(select(func.count()).select_from(embeddings)).scalar_one()
    store.close()
    return int(count)


@pytest.mark.slow
def test_kill_9_mid_enrich_then_rerun_embeds_only_the_rest_while_pages_load(
    sqlite_url: str, tmp_path: Path
) -> None:
    _corpus(sqlite_url)
    env = dict(os.environ)
    env.update(
        PAPERSCOPE_DATABASE_URL=sqlite_url,
        PAPERSCOPE_DATA_DIR=str(tmp_path / "data"),
        PAPERSCOPE_EMBEDDING_MODEL="hashing",
    )
    command = [sys.executable, "-m", "paperscope", "enrich", "--model", "hashing"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _stored(sqlite_url) < CHUNK and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.01)
    # A page served from the same database while enrich writes to it.
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "web",
        embedding_model="hashing",
        database_url=sqlite_url,
    )
    web_store = Store.open(sqlite_url)
    client = TestClient(create_app(settings, web_store), base_url="http://paperscope.test")
    started = time.monotonic()
    page = client.get("/search", params={"q": "protein folding", "mode": "keyword"})
    page_seconds = time.monotonic() - started
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    web_store.close()
    assert first.returncode == -signal.SIGKILL, "enrich ended before the kill"
    assert page.status_code == 200 and page_seconds < 30
    before = _stored(sqlite_url)
    assert CHUNK <= before < WORKS and before % CHUNK == 0  # whole chunks, nothing half-written

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    embedded = re.search(r"(\d+) works embedded", rerun.stdout)
    assert embedded is not None, rerun.stdout
    assert int(embedded.group(1)) == WORKS - before  # only the rest
    # Not a terminal: the progress comes as lines with a rate and an ETA.
    assert re.search(
        rf"embedding \(hashing\): {WORKS - before:,} / {WORKS - before:,} \(100.0%\), "
        r"[\d,.]+/s, ETA 0 s",
        rerun.stderr,
    ), rerun.stderr
    store = Store.open(sqlite_url)
    with store.connect() as connection:
        ids, matrix = load_embeddings(connection, "hashing")
        texts = dict(
            (row[0], work_text(row[1], row[2]))
            for row in connection.execute(select(works.c.id, works.c.title, works.c.abstract))
        )
    store.close()
    assert len(ids) == WORKS
    expected = HashingEncoder().encode([texts[int(w)] for w in ids[:: CHUNK // 2]])
    assert np.allclose(matrix[:: CHUNK // 2], expected, atol=1e-6)

"""The CLI and the web show the same numbers for the same person and paper: both read the one
read model (`read.works.load_works`, `metrics.profile.person_profile`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, insert
from web_corpus import WebCorpus

from paperscope.store.accounts_schema import user_upvotes, users
from paperscope.web.app import create_app

HEADER = ("papers", "citations", "h_index", "i10_index", "g_index", "novelty_pct", "ai_score")


def _cli(corpus: WebCorpus, *args: str) -> object:
    env = {
        **os.environ,
        "PAPERSCOPE_DATA_DIR": str(corpus.settings.data_dir),
        "PAPERSCOPE_EMBEDDING_MODEL": "hashing",
    }
    url = corpus.store.engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", "paperscope", *args, "--format", "json", "-d", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture
def upvoted(web_corpus: WebCorpus) -> Iterator[int]:
    """One work upvoted by a local user: sources' and local upvotes must add up everywhere."""
    work = web_corpus.work["synthetic-day-1"]
    now = datetime(2024, 3, 6)
    with web_corpus.store.transaction() as connection:
        user = connection.execute(
            insert(users).values(email="agree@example.org", created_at=now).returning(users.c.id)
        ).scalar_one()
        connection.execute(insert(user_upvotes).values(user_id=user, work_id=work, created_at=now))
    yield work
    with web_corpus.store.transaction() as connection:
        connection.execute(delete(users).where(users.c.id == user))


def test_a_profile_has_the_same_numbers_in_the_cli_and_the_api(web_corpus: WebCorpus) -> None:
    with TestClient(create_app(web_corpus.settings, web_corpus.store)) as client:
        api = client.get(f"/api/author/{web_corpus.haoyu}", params={"sort": "citations"}).json()
    cli = _cli(web_corpus, "author", f"person:{web_corpus.haoyu}", "--sort", "citations")
    assert isinstance(cli, dict)
    header = api["profile"]["header"]
    assert {key: cli[key] for key in HEADER} == {key: header[key] for key in HEADER}
    assert header["papers"] == 5
    api_works = [(e["work_id"], e["citations"], e["score"]) for e in api["profile"]["entries"]]
    cli_works = [(w["work_id"], w["citations"], w["score"]) for w in cli["works"]]
    assert cli_works == api_works


def test_a_search_result_has_the_same_upvotes_in_the_cli_and_the_api(
    web_corpus: WebCorpus, upvoted: int
) -> None:
    with TestClient(create_app(web_corpus.settings, web_corpus.store)) as client:
        api = client.get("/api/search", params={"q": "upvoted", "mode": "keyword"}).json()
    cli = _cli(web_corpus, "search", "upvoted", "--mode", "keyword")
    assert isinstance(cli, dict)
    api_hits = {r["entry"]["work_id"]: r["entry"]["upvotes"] for r in api["results"]}
    cli_hits = {h["work_id"]: h["upvotes"] for h in cli["hits"]}
    assert upvoted in api_hits and cli_hits == api_hits

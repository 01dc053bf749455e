"""`paperscope paper`, `paperscope feed` and the author JSON's positions, graph and topics show
what the web pages and their JSON twins show (the same view data, the same read model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from explore_corpus import ExploreCorpus
from fastapi.testclient import TestClient
from web_corpus import WebCorpus

from paperscope.store import Store
from paperscope.web.app import create_app


def _run(store: Store, data_dir: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PAPERSCOPE_DATA_DIR": data_dir,
        "PAPERSCOPE_EMBEDDING_MODEL": "hashing",
    }
    url = store.engine.url.render_as_string(hide_password=False)
    return subprocess.run(
        [sys.executable, "-m", "paperscope", *args, "-d", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _json(store: Store, data_dir: str, *args: str) -> object:
    done = _run(store, data_dir, *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def client(web_corpus: WebCorpus) -> Iterator[TestClient]:
    with TestClient(create_app(web_corpus.settings, web_corpus.store)) as test_client:
        yield test_client


def test_paper_json_is_the_api_paper(web_corpus: WebCorpus, client: TestClient) -> None:
    old = web_corpus.work["synthetic-old-2"]
    api = client.get(f"/api/paper/{old}").json()
    data = str(web_corpus.settings.data_dir)
    assert _json(web_corpus.store, data, "paper", str(old)) == api
    assert _json(web_corpus.store, data, "paper", "listing:synthetic-old-2") == api


def test_paper_text_shows_what_the_page_shows(web_corpus: WebCorpus) -> None:
    done = _run(
        web_corpus.store, str(web_corpus.settings.data_dir), "paper", "listing:synthetic-day-1"
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("Alpha: the most upvoted paper of the day\n")
    assert f"Haoyu Ren [person {web_corpus.haoyu}], Darko Anicic" in text
    assert "Categories: cs.LG" in text and "Published: Mar 1, 2024" in text
    assert "Featured: Mar 5, 2024" in text and "Code: https://github.com/example/alpha" in text
    assert "in this database: 0 citing works" in text and "Upvotes: 50" in text
    assert "Abstract:\nAbstract of Alpha" in text


def test_unknown_paper_and_bad_options_are_clear_errors(web_corpus: WebCorpus) -> None:
    data = str(web_corpus.settings.data_dir)
    missing = _run(web_corpus.store, data, "paper", "doi:10.0/none")
    assert missing.returncode != 0 and "no work 'doi:10.0/none'" in missing.stderr
    both = _run(web_corpus.store, data, "feed", "--trending", "--date", "2024-03-05")
    assert both.returncode != 0 and "--date or --trending, not both" in both.stderr
    limit = _run(web_corpus.store, data, "feed", "--limit", "0")
    assert limit.returncode != 0 and "--limit must be between 1 and 200" in limit.stderr
    day = _run(web_corpus.store, data, "feed", "--date", "yesterday")
    assert day.returncode != 0 and "--date must be YYYY-MM-DD" in day.stderr


def test_feed_json_is_the_api_daily_list(web_corpus: WebCorpus, client: TestClient) -> None:
    data = str(web_corpus.settings.data_dir)
    api = client.get("/api/daily", params={"date": "2024-03-05"}).json()
    assert _json(web_corpus.store, data, "feed", "--date", "2024-03-05") == api
    newest = _json(web_corpus.store, data, "feed")
    assert isinstance(newest, dict) and newest == client.get("/api/daily").json()
    short = _json(web_corpus.store, data, "feed", "--date", "2024-03-05", "--limit", "2")
    assert isinstance(short, dict) and short["entries"] == api["entries"][:2]


def test_feed_trending_ranks_as_the_api(web_corpus: WebCorpus, client: TestClient) -> None:
    api = client.get("/api/trending").json()
    cli = _json(web_corpus.store, str(web_corpus.settings.data_dir), "feed", "--trending")
    assert isinstance(cli, dict)
    ranked = [(item["entry"]["work_id"], item["entry"]["upvotes"]) for item in cli["entries"]]
    assert ranked == [
        (item["entry"]["work_id"], item["entry"]["upvotes"]) for item in api["entries"]
    ]
    for mine, theirs in zip(cli["entries"], api["entries"], strict=True):  # seconds apart
        assert mine["trending_score"] == pytest.approx(theirs["trending_score"], rel=1e-3)


def test_feed_text_is_the_daily_layout_with_hostile_text_made_safe(web_corpus: WebCorpus) -> None:
    done = _run(web_corpus.store, str(web_corpus.settings.data_dir), "feed", "--date", "2024-03-05")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("Daily Papers: 2024-03-05, 4 papers (previous day 2024-03-04; next day")
    first = text.split("\n\n")[1].splitlines()
    assert first[0] == "LG · Mar 5, 2024 · Code"
    assert first[1] == "Alpha: the most upvoted paper of the day"
    assert first[2] == "Haoyu Ren, Darko Anicic, Thomas Runkler et al."
    assert first[-2:] == [
        "4 authors · Mar 5, 2024 · ▲ 50",
        f"[work {web_corpus.work['synthetic-day-1']}]",
    ]
    assert "<script>alert('x')</script> Delta" in text  # a terminal shows text as text
    assert "\x07" not in text and "\u202e" not in text and "\x1b" not in text


def test_author_json_has_positions_graph_and_topics_as_the_api(
    explore_corpus: ExploreCorpus,
) -> None:
    with TestClient(create_app(explore_corpus.settings, explore_corpus.store)) as client:
        api = client.get(f"/api/author/{explore_corpus.ada}").json()["profile"]
    data = str(explore_corpus.settings.data_dir)
    cli = _json(explore_corpus.store, data, "author", f"person:{explore_corpus.ada}")
    assert isinstance(cli, dict)
    for key in ("positions", "coauthor_graph", "topics"):
        assert cli[key] == api[key]
    assert cli["positions"]["first"] == 4 and cli["coauthor_graph"]["coauthors"] == 6

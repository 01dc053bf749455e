"""The demo: a synthetic corpus with plausible distributions, built through the pipeline."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from statistics import mean

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from paperscope.cli import app as cli_app
from paperscope.config import Settings
from paperscope.demo.build import build_demo
from paperscope.demo.synthetic import generate
from paperscope.store import Store
from paperscope.web.app import create_app

TODAY = date(2026, 5, 20)


def test_synthetic_corpus_has_plausible_distributions(tmp_path: Path) -> None:
    corpus = generate(tmp_path / "c.jsonl", works=600, today=TODAY)
    records = [json.loads(line) for line in corpus.path.read_text().splitlines()]
    assert len(records) == corpus.works == 602  # two showcase papers with awkward text
    authors = [len(r["authors"]) for r in records]
    assert 3 <= mean(authors) <= 6 and min(authors) == 1 and max(authors) >= 10
    order = {r["id"]: i for i, r in enumerate(records)}
    assert all(order[ref] < order[r["id"]] for r in records for ref in r["references"])
    cited = Counter(ref for r in records for ref in r["references"])
    assert max(cited.values()) >= 5 * mean(cited.values())  # a heavy tail
    code = sum(1 for r in records if r.get("code") or "github.com" in r["abstract"])
    assert 0.2 < code / len(records) < 0.5
    featured_today = [r for r in records if r["featured"] == TODAY.isoformat()]
    assert len(featured_today) >= 20 and any(r["upvotes"] > 10 for r in featured_today)
    assert len({r["categories"][0] for r in records}) >= 6
    assert generate(tmp_path / "again.jsonl", works=600, today=TODAY).path.read_text() == (
        corpus.path.read_text()
    )  # deterministic


def test_build_demo_offline_marks_every_page_synthetic(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedding_model="hashing", database_url=None)
    store = Store.open(settings.resolved_database_url())
    lines: list[str] = []
    report = build_demo(store, settings, synthetic_works=150, try_network=False, say=lines.append)
    assert report.counts is not None and report.counts.new >= 140
    assert "score" in report.stages and any("embeddings" in s for s in report.stages)
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        daily = client.get("/")
        assert daily.status_code == 200 and "Synthetic demo data" in daily.text
        assert daily.text.count('class="entry"') >= 20  # today's feed
        assert "Synthetic demo data" in client.get("/trending").text
        assert "Synthetic demo data" in client.get("/paper/1").text
        assert "synthetic demo data" in client.get("/nowhere").text
    store.close()


def test_build_demo_from_files(tmp_path: Path, data_dir: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedding_model="hashing", database_url=None)
    store = Store.open(settings.resolved_database_url())
    report = build_demo(store, settings, sources=[data_dir / "hf-daily"], say=lambda _: None)
    assert report.counts is not None and report.counts.new > 0
    with TestClient(create_app(settings, store)) as client:
        assert "Synthetic demo data" not in client.get("/").text
    store.close()


def test_cli_help_has_examples() -> None:
    runner = CliRunner()
    for command in ("serve", "demo"):
        result = runner.invoke(cli_app, [command, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output

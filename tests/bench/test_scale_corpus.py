"""The benchmark corpus generator: the same bytes for a seed, namesakes, records that merge."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import works

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "scale_corpus.py"
WORKS = 1500


def _generate(out: Path, seed: int = 7) -> dict[str, object]:
    subprocess.run(
        [sys.executable, str(GENERATOR), str(out), "--works", str(WORKS), "--seed", str(seed)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    summary: dict[str, object] = json.loads((out / "corpus.json").read_text())
    return summary


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(
            gzip.decompress(path.read_bytes())
        ).hexdigest()
        for path in sorted(folder.rglob("*.gz"))
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    _generate(out)
    return out


def test_same_seed_writes_the_same_records(corpus: Path, tmp_path: Path) -> None:
    _generate(tmp_path / "again")
    _generate(tmp_path / "other", seed=8)

    assert _digest(tmp_path / "again") == _digest(corpus)
    assert _digest(tmp_path / "other") != _digest(corpus)


def test_corpus_has_colliding_names_and_every_source_format(corpus: Path) -> None:
    summary = json.loads((corpus / "corpus.json").read_text())
    person_of = {
        (work, position): person
        for work, position, person in _rows(corpus / "truth" / "authorships.tsv.gz")
    }
    work_of = {
        openalex: work for work, _, _, openalex, _ in _rows(corpus / "truth" / "works.tsv.gz")
    }
    people_named: dict[str, set[str]] = {}
    for record in _records(corpus / "openalex" / "works-000.jsonl.gz"):
        work = work_of[record["id"].rsplit("/", 1)[1]]
        for position, authorship in enumerate(record["authorships"]):
            name = authorship["author"]["display_name"]
            people_named.setdefault(name, set()).add(person_of[(work, str(position))])
    abstracts = [record["abstract"] for record in _records(corpus / "arxiv" / "arxiv-000.jsonl.gz")]

    assert summary["works"] == WORKS
    assert set(summary["records"]) == {"arxiv/arxiv", "openalex/works", "s2/papers", "s2/citations"}
    assert summary["references"] > WORKS  # a citation graph, not a list
    assert any(len(people) > 1 for people in people_named.values())  # namesakes
    assert len(set(abstracts)) == len(abstracts)


def _rows(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [line.rstrip("\n").split("\t") for line in lines]


def _records(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_overlapping_records_merge_into_about_the_true_works(corpus: Path, sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    try:
        counts = ingest_paths(store, [corpus / "arxiv", corpus / "openalex", corpus / "s2"])
        with store.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(works)).scalar_one()
    finally:
        store.close()

    assert counts.quarantined == 0
    # A few arXiv/OpenAlex pairs share only a normalised title, first surname and year; the
    # generator makes some of those keys differ as real data does, so a handful stay apart.
    assert WORKS <= stored <= WORKS * 1.02


def _resolve_truth() -> Any:
    import importlib.util

    path = GENERATOR.with_name("resolve_truth.py")
    spec = importlib.util.spec_from_file_location("bench_resolve_truth", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stored_authorships_map_to_the_truth_s_people(corpus: Path, sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    try:
        ingest_paths(store, [corpus / "arxiv", corpus / "openalex", corpus / "s2"])
    finally:
        store.close()
    truth_script = _resolve_truth()

    actual, stored, names, unknown = truth_script.labelled(sqlite_url, corpus / "truth")

    with gzip.open(corpus / "truth" / "authorships.tsv.gz", "rt") as handle:
        true_rows = [line.split() for line in handle]
    assert unknown <= 0.02 * len(true_rows)
    assert len(actual) + unknown >= len(true_rows)  # works stored twice hold their authors twice
    assert len(set(actual)) >= 0.98 * len({person for _, _, person in true_rows})
    # before resolve every authorship stands alone: no pair claimed, so no wrong pair
    unresolved = truth_script.scores(actual, stored)
    assert unresolved["people"] == len(actual)
    assert unresolved["pairwise_precision"] == 1.0 and unresolved["pairwise_recall"] == 0.0
    # the generator's namesakes: one person per printed name merges different people
    by_name = truth_script.scores(actual, names)
    assert by_name["people"] < len(set(actual))
    assert by_name["pairwise_precision"] < 1.0
    # the same labels by authorship id, for the incremental benchmark
    by_id = truth_script.true_people(sqlite_url, corpus / "truth")
    assert sorted(by_id.values()) == sorted(actual)

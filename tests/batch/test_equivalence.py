"""The Spark engine gives exactly what the single-machine stages give (after sorting).

One run of each engine over the same inputs: the hand-made samples of tests/data (AAN,
OpenAlex, Semantic Scholar bulk), a generated snapshot in the OpenAlex layout (two date
partitions, newer versions, works repeated in an S2 shard) and, when ../shared is there,
the OpenAlex and Semantic Scholar recordings laid out as snapshots and the first 1,000
papers of the real AAN with their citation edges. Compared: the merged
works, authorships, references, people, citation counts, percentiles, person metrics
(h/i10/g-index ...) and citations per year.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from paperscope.batch.compare import canonical, differences
from paperscope.batch.generate import generate
from paperscope.batch.jobs import BatchOptions, run_stage, stages_for
from paperscope.batch.local import run_local
from paperscope.batch.snapshot import discover
from paperscope.batch.tables import read_table

TODAY = date(2026, 11, 1)


AAN_SLICE = 1000
"""Papers of the real AAN (../shared) taken in file order: whole venues and years, so name
blocks, shared surnames and citation edges are real, at a cost the suite can carry."""


def _aan_slice(aan: Path, root: Path, papers: int = AAN_SLICE) -> Path:
    """The first `papers` entries of the real AAN metadata and the edges they cite from
    (bytes kept as they are: the file has cp1252 bytes the reader decodes)."""
    entries = aan.joinpath("acl-metadata.txt").read_bytes().split(b"\n\n")
    kept = [entry for entry in entries if entry.strip()][:papers]
    ids = {entry.split(b"}", 1)[0].split(b"{", 1)[1] for entry in kept}
    edges = [
        line
        for line in aan.joinpath("acl.txt").read_bytes().splitlines()
        if re.split(rb"\s*(?:,|==>)\s*", line.strip(), maxsplit=1)[0] in ids
    ]
    root.mkdir(parents=True)
    root.joinpath("acl-metadata.txt").write_bytes(b"\n\n".join(kept) + b"\n")
    root.joinpath("acl.txt").write_bytes(b"\n".join(edges) + b"\n")
    return root


def _openalex_from_recording(recording: Path, root: Path) -> Path:
    """The recorded /works page as a snapshot partition (one work per line)."""
    page = json.loads(recording.read_text(encoding="utf-8"))
    target = root / "data" / "works" / "updated_date=2025-01-01" / "part_000.gz"
    target.parent.mkdir(parents=True)
    with gzip.open(target, "wt", encoding="utf-8") as handle:
        for work in page["results"]:
            handle.write(json.dumps(work) + "\n")
    return root


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> list[Path]:
    root = tmp_path_factory.mktemp("inputs")
    generate(root / "generated", 300)
    paths = [
        data_dir / "aan",
        data_dir / "openalex" / "part_000.jsonl",
        data_dir / "s2-bulk" / "papers-sample.jsonl",
        data_dir / "s2-bulk" / "citations-sample.jsonl",
        root / "generated" / "openalex",
        root / "generated" / "s2",
    ]
    shared = Path(__file__).parents[3] / "shared" / "data" / "recordings"
    if (shared / "openalex-works" / "works.json").is_file():
        paths.append(
            _openalex_from_recording(shared / "openalex-works" / "works.json", root / "oa")
        )
        paths.append(shared / "semantic-scholar-datasets")
    aan = shared.parent / "aan"
    if (aan / "acl-metadata.txt").is_file():
        paths.append(_aan_slice(aan, root / "aan-real"))
    return paths


@pytest.fixture(scope="module")
def runs(
    spark: Any, inputs: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, list[str]]:
    root = tmp_path_factory.mktemp("runs")
    local = root / "local"
    run_local(discover(inputs), f"sqlite:///{root / 'local.sqlite'}", local, today=TODAY)
    work = root / "spark"
    options = BatchOptions(work=work, inputs=tuple(inputs), today=TODAY)
    lines = [run_stage(spark, stage, options) for stage in stages_for("all", options)]
    return local, work, lines


def test_spark_equals_single_machine(runs: tuple[Path, Path, list[str]]) -> None:
    local, work, _ = runs
    left, right = canonical(local), canonical(work)
    assert differences(left, right) == []
    assert len(right["works"]) > 300
    assert len(right["people"]) > 100
    assert any(line.split("\t")[4] != "0" for line in right["person_metrics"])


def test_bad_lines_are_counted_with_file_and_position(
    spark: Any, runs: tuple[Path, Path, list[str]]
) -> None:
    _, work, lines = runs
    bad = read_table(spark, work, "bad_records").collect()
    where = {(Path(r.file).name, r.position) for r in bad}
    assert ("part_000.gz", "line 76") in where or any(n == "part_000.gz" for n, _ in where)
    assert ("papers-0.jsonl.gz", "line 31") in where or any(
        n == "papers-0.jsonl.gz" for n, _ in where
    )
    assert all(r.reason for r in bad)
    assert "malformed records" in lines[0]


def test_newer_partition_overrides_and_cross_source_twins_merge(
    spark: Any, runs: tuple[Path, Path, list[str]]
) -> None:
    _, work, _ = runs
    from pyspark.sql import functions as F

    ids = read_table(spark, work, "work_ids")
    twins = ids.groupBy("work_id").agg(F.collect_set("scheme").alias("schemes"))
    merged = twins.where(
        F.array_contains("schemes", "corpusid") & F.array_contains("schemes", "openalex")
    )
    assert merged.count() > 0


def _count(url: str, table: str) -> int:
    import psycopg

    from paperscope.batch.writeback import libpq_url

    with psycopg.connect(libpq_url(url)) as connection:
        row = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    assert row is not None
    return int(row[0])


def _linked(url: str) -> int:
    import psycopg

    from paperscope.batch.writeback import libpq_url

    with psycopg.connect(libpq_url(url)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM authorships WHERE person_id IS NOT NULL"
        ).fetchone()
    assert row is not None
    return int(row[0])


def _hold_an_edge(url: str) -> None:
    import psycopg

    from paperscope.batch.writeback import libpq_url

    with psycopg.connect(libpq_url(url)) as connection:
        connection.execute(
            "INSERT INTO pending_references (citing_scheme, citing_value, cited_scheme, "
            "cited_value, citing_work_id) VALUES ('doi', '10.1/held', 'doi', '10.1/cited', 1)"
        )


@pytest.mark.postgres
def test_write_back_is_all_or_nothing_and_the_app_serves_it(
    spark: Any, runs: tuple[Path, Path, list[str]], pg_server: Any, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient
    from pyspark.sql import functions as F

    from paperscope.batch.tables import write_table
    from paperscope.batch.writeback import staging_tables, write_back
    from paperscope.config import Settings
    from paperscope.store import Store
    from paperscope.web.app import create_app

    _, work, _ = runs
    url = pg_server.new_database(f"batch_{tmp_path.name[-12:].lower()}")
    Store.open(url).close()  # the schema, as `paperscope` migrates it
    tables = ("works", "work_ids", "authorships", "people", "references", "person_metrics")
    expected = {t: read_table(spark, work, t).count() for t in tables}
    _hold_an_edge(url)  # as an ingest killed before its end leaves it
    write_back(spark, work, url, "t1")
    assert {t: _count(url, t) for t in tables} == expected
    assert _count(url, "pending_references") == 0  # it belonged to the replaced corpus
    assert list(staging_tables(url, "t1")) == []
    write_back(spark, work, url, "t1")  # the same run again: the same tables
    assert {t: _count(url, t) for t in tables} == expected
    # A run that fails while copying (a person without a name breaks NOT NULL) changes nothing.
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("works", "work_ids", "work_categories", "authorships", "reported_citations",
                 "references", "authorship_people", "work_metrics", "person_metrics"):  # fmt: skip
        (broken / name).symlink_to(work / name, target_is_directory=True)
    people = read_table(spark, work, "people").withColumn("canonical_name", F.lit(None))
    write_table(people, broken, "people")
    with pytest.raises(Exception, match=r"null value|canonical_name|NotNull"):
        write_back(spark, broken, url, "t2")
    assert {t: _count(url, t) for t in tables} == expected
    # Results mode (a run over a store's export): only people and metrics are replaced.
    linked = _count(url, "authorships")
    _hold_an_edge(url)
    write_back(spark, work, url, "t3", mode="results")
    assert {t: _count(url, t) for t in tables} == expected
    assert _count(url, "pending_references") == 1  # the corpus stays, so do its held edges
    assert _linked(url) == linked
    # The web app serves what was written: a profile's numbers are the batch's numbers.
    top = read_table(spark, work, "person_metrics").orderBy(F.desc("h_index"), "person_id").first()
    store = Store.open(url)
    try:
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        client = TestClient(create_app(settings, store), base_url="http://paperscope.test")
        page = client.get(f"/api/author/{top.person_id}")
        assert page.status_code == 200, page.text
        header = page.json()["profile"]["header"]
        assert (header["h_index"], header["papers"]) == (top.h_index, top.papers)
        years = read_table(spark, work, "person_citations_by_year")
        mine = years.where(F.col("person_id") == top.person_id).collect()
        served = {int(y): int(c) for y, c in page.json()["profile"]["citations_per_year"]}
        assert served == {int(r.year): int(r.citations) for r in mine}
    finally:
        store.close()


def test_spark_over_a_store_export_gives_the_stores_scores(
    spark: Any, runs: tuple[Path, Path, list[str]], tmp_path: Path
) -> None:
    """A store scored on one machine (novelty and predicted impact from the hashing encoder),
    exported to Parquet and run through citations, resolve and metrics on Spark: the same
    people, counts, h-index, citation, novelty and AI-score percentiles."""
    import shutil

    from paperscope.batch.export import export_store
    from paperscope.batch.local import person_years, work_years
    from paperscope.metrics.scoring import run_score
    from paperscope.store import Store

    local, _, _ = runs
    shutil.copy(local.parent / "local.sqlite", tmp_path / "scored.sqlite")
    store = Store.open(f"sqlite:///{tmp_path / 'scored.sqlite'}")
    try:
        with store.transaction() as connection:
            run_score(connection, full=True, today=TODAY, embedding_model="hashing")
        export_store(store, tmp_path / "export")
        with store.engine.connect() as connection:
            work_years(connection, tmp_path / "export")
            person_years(connection, tmp_path / "export")
    finally:
        store.close()
    options = BatchOptions(work=tmp_path / "spark", inputs=(tmp_path / "export",), today=TODAY)
    stages = stages_for("all", options)
    assert stages == ["read", "citations", "resolve", "metrics"]
    for stage in stages:
        run_stage(spark, stage, options)
    exported, computed = canonical(tmp_path / "export"), canonical(tmp_path / "spark")
    assert differences(exported, computed) == []
    assert any(line.split("\t")[2] != "-" for line in computed["work_metrics"])  # novelty %


def test_window_function_metrics_equal_the_definitions(spark: Any, tmp_path: Path) -> None:
    """h/i10/g-index, papers and citations from Spark's window functions equal
    `metrics.indices` on random people (ties, zeros, one-work people), and the citation
    percentiles equal `metrics.novelty.cohort_percentiles`."""
    import math
    import random

    import numpy as np

    from paperscope.batch.metrics_stage import run_metrics
    from paperscope.batch.tables import write_table
    from paperscope.metrics.indices import g_index, h_index, i10_index
    from paperscope.metrics.novelty import cohort_percentiles

    rng = random.Random(7)
    works = [(w, 2000 + w % 5, f"cat{w % 3}") for w in range(1, 401)]
    cites = {w: min(int(rng.paretovariate(1.2)) - 1, 300) for w, _, _ in works}
    write_table(
        spark.createDataFrame(
            [(w, y, None, c) for w, y, c in works],
            "id long, year int, published date, primary_category string",
        ),
        tmp_path,
        "works",
    )
    write_table(
        spark.createDataFrame(
            [(w, cites[w], None, cites[w], "corpus") for w, _, _ in works],
            "work_id long, in_corpus long, reported long, citations long, citation_source string",
        ),
        tmp_path,
        "work_citations",
    )
    owned = {p: sorted(rng.sample(range(1, 401), rng.randint(1, 30))) for p in range(1, 61)}
    pairs = [(p, w) for p, ws in owned.items() for w in ws]
    write_table(
        spark.createDataFrame(
            [(n, w) for n, (_, w) in enumerate(pairs, 1)], "id long, work_id long"
        ),
        tmp_path,
        "authorships",
    )
    write_table(
        spark.createDataFrame(
            [(n, p, 1.0) for n, (p, _) in enumerate(pairs, 1)],
            "authorship_id long, person_id long, person_confidence double",
        ),
        tmp_path,
        "authorship_people",
    )
    write_table(
        spark.createDataFrame([(p, f"P {p}") for p in owned], "id long, canonical_name string"),
        tmp_path,
        "people",
    )
    write_table(
        spark.createDataFrame([], "citing_work_id long, cited_work_id long"),
        tmp_path,
        "references",
    )
    run_metrics(spark, tmp_path, today=TODAY)
    got = {r.person_id: r for r in read_table(spark, tmp_path, "person_metrics").collect()}
    for person, ws in owned.items():
        counts = [cites[w] for w in ws]
        row = got[person]
        assert (row.papers, row.citations) == (len(ws), sum(counts))
        assert (row.h_index, row.i10_index, row.g_index) == (
            h_index(counts),
            i10_index(counts),
            g_index(counts),
        )
    values = np.array([math.log1p(cites[w]) for w, _, _ in works])
    cohorts = np.array([f"{y:04d}|{c}" for _, y, c in works], dtype=object)
    expected = cohort_percentiles(values, cohorts)
    pct = {r.work_id: r.citation_pct for r in read_table(spark, tmp_path, "work_metrics").collect()}
    assert [pct[w] for w, _, _ in works] == expected.tolist()


def test_compare_command_says_equal_and_names_a_difference(
    runs: tuple[Path, Path, list[str]], tmp_path: Path
) -> None:
    """`paperscope batch compare` on the two engines' runs, then on a copy of the Spark run
    where one person's h-index is off by one."""
    import subprocess
    import sys

    import pyarrow as pa
    import pyarrow.parquet as pq

    local, work, _ = runs
    command = [sys.executable, "-m", "paperscope", "batch", "compare"]
    same = subprocess.run([*command, str(local), str(work)], capture_output=True, text=True)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "equal" in same.stdout
    changed = tmp_path / "changed"
    changed.mkdir()
    for table in work.iterdir():
        if table.is_dir() and table.name != "person_metrics":
            (changed / table.name).symlink_to(table, target_is_directory=True)
    metrics = pq.read_table(str(work / "person_metrics"), partitioning=None)
    h = metrics.column("h_index").to_pylist()
    h[0] += 1
    metrics = metrics.set_column(metrics.schema.get_field_index("h_index"), "h_index", pa.array(h))
    (changed / "person_metrics").mkdir()
    pq.write_table(metrics, str(changed / "person_metrics" / "part-0.parquet"))
    differ = subprocess.run([*command, str(local), str(changed)], capture_output=True, text=True)
    assert differ.returncode == 1
    assert differ.stdout.startswith("person_metrics:")


def _people(folder: Path) -> list[str]:
    """Each person as the sorted (work ids, position) of their authorships, and their name."""
    import pyarrow.parquet as pq

    def rows(name: str) -> list[dict[str, Any]]:
        return list(pq.read_table(str(folder / name), partitioning=None).to_pylist())

    ids: dict[int, list[str]] = {}
    for r in rows("work_ids"):
        ids.setdefault(int(r["work_id"]), []).append(f"{r['scheme']}:{r['value']}")
    place = {
        int(r["id"]): f"{' '.join(sorted(ids[int(r['work_id'])]))}#{r['position']}"
        for r in rows("authorships")
    }
    members: dict[int, list[str]] = {}
    for r in rows("authorship_people"):
        members.setdefault(int(r["person_id"]), []).append(place[int(r["authorship_id"])])
    return sorted(
        f"{' '.join(sorted(members[int(r['id'])]))}\t{r['canonical_name']}"
        for r in rows("people")
        if int(r["id"]) in members
    )


def test_both_engines_split_large_blocks_alike(
    spark: Any, runs: tuple[Path, Path, list[str]], tmp_path: Path
) -> None:
    """At a part limit of 3 most blocks are larger than a part: both engines split them into
    the same name components and bisected parts (`identity.parts`) and find the same people,
    and people that differ from the whole-block clustering."""
    import shutil

    from paperscope.batch.export import export_store
    from paperscope.batch.resolve_stage import run_resolve
    from paperscope.identity.resolve import resolve_people
    from paperscope.store import Store

    local, work, _ = runs
    tables = tmp_path / "spark"
    tables.mkdir()
    for table in work.iterdir():
        if table.is_dir() and table.name not in ("people", "authorship_people", "_scratch"):
            (tables / table.name).symlink_to(table, target_is_directory=True)
    report = run_resolve(spark, tables, max_block=3)
    assert report.split_blocks > 10 and report.largest_part <= 3
    shutil.copy(local.parent / "local.sqlite", tmp_path / "local.sqlite")
    store = Store.open(f"sqlite:///{tmp_path / 'local.sqlite'}")
    try:
        with store.transaction() as connection:
            resolve_people(connection, full=True, topics=None, part_limit=3)
        export_store(store, tmp_path / "local")
    finally:
        store.close()
    split = _people(tables)
    assert _people(tmp_path / "local") == split
    assert split != _people(work)

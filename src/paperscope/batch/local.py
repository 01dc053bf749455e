"""The single-machine engine of `paperscope batch`: the project's own stages, then an export.

`ingest` (the same files in the same order), `resolve` (a full re-cluster, without title
embeddings as the Spark engine runs it) and `score`'s set-wise part (citation counts, cohort
percentiles, person metrics; the embedding-based novelty and the impact model are the
`enrich`/`score` stages' business and are left out of both engines), then the store is
exported as the batch tables. It is the reference the Spark engine must equal, and the
baseline `bench/spark.py` times beside it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select

from paperscope.batch.export import export_store, write_rows
from paperscope.batch.snapshot import Snapshot
from paperscope.definitions import VERSION
from paperscope.identity.resolve import resolve_people
from paperscope.ingest import ingest_paths
from paperscope.metrics.scoring import run_score
from paperscope.read.works import citations_per_year
from paperscope.store import Store
from paperscope.store.metrics_schema import metrics_state, work_metrics
from paperscope.store.schema import authorships, works


@dataclass
class LocalReport:
    seconds: dict[str, float] = field(default_factory=dict)
    works: int = 0
    people: int = 0

    def summary(self) -> str:
        timing = ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
        return f"local engine: {self.works} works, {self.people} people ({timing})"


def run_local(
    snapshot: Snapshot, database_url: str, work: Path, *, today: date, batch_size: int = 5000
) -> LocalReport:
    """Every stage on one machine into the store at `database_url`, exported to `work`."""
    report = LocalReport()
    store = Store.open(database_url)
    try:
        started = time.perf_counter()
        ingest_paths(store, [Path(f.path) for f in snapshot.files], batch_size=batch_size)
        report.seconds["ingest"] = time.perf_counter() - started
        started = time.perf_counter()
        with store.transaction() as connection:
            resolved = resolve_people(connection, full=True, topics=None)
        report.seconds["resolve"] = time.perf_counter() - started
        started = time.perf_counter()
        with store.transaction() as connection:
            _score_setwise(connection, today)
        report.seconds["metrics"] = time.perf_counter() - started
        started = time.perf_counter()
        counts = export_store(store, work)
        with store.engine.connect() as connection:
            work_years(connection, work)
            person_years(connection, work)
        report.seconds["export"] = time.perf_counter() - started
        report.works = counts["works"]
        report.people = counts["people"]
        del resolved
    finally:
        store.close()
    return report


def _score_setwise(connection: object, today: date) -> None:
    """`score` with every work's novelty and prediction already settled as unknown, so it
    runs only its set-wise steps (counts, percentiles, people)."""
    from sqlalchemy import Connection, delete

    assert isinstance(connection, Connection)
    connection.execute(delete(work_metrics))
    ids = list(connection.execute(select(works.c.id)).scalars())
    placeholders = [
        {
            "work_id": work_id,
            "in_corpus_citations": 0,
            "citations": 0,
            "citation_source": "corpus",
            "definition_version": VERSION,
        }
        for work_id in ids
    ]
    if placeholders:
        connection.execute(insert(work_metrics), placeholders)
    connection.execute(delete(metrics_state).where(metrics_state.c.key == "definition_version"))
    connection.execute(insert(metrics_state).values(key="definition_version", value=VERSION))
    run_score(connection, full=False, today=today)


def work_years(connection: object, work: Path) -> None:
    """Citations per year of every cited work, as the paper page counts them."""
    import pyarrow as pa
    from sqlalchemy import Connection

    from paperscope.store.schema import references

    assert isinstance(connection, Connection)
    cited = connection.execute(
        select(references.c.cited_work_id)
        .where(references.c.cited_work_id.is_not(None))
        .distinct()
        .order_by(references.c.cited_work_id)
    ).scalars()
    rows = [
        (work_id, year, count)
        for work_id in list(cited)
        for year, count in citations_per_year(connection, [work_id]).items()
    ]
    schema = pa.schema([("work_id", pa.int64()), ("year", pa.int64()), ("citations", pa.int64())])
    write_rows(work, "citations_by_year", schema, rows)


def person_years(connection: object, work: Path) -> None:
    """Citations per year of every person, as the profile computes them."""
    import pyarrow as pa
    from sqlalchemy import Connection

    assert isinstance(connection, Connection)
    by_person: dict[int, list[int]] = {}
    for person_id, work_id in connection.execute(
        select(authorships.c.person_id, authorships.c.work_id)
        .where(authorships.c.person_id.is_not(None))
        .distinct()
    ):
        by_person.setdefault(person_id, []).append(work_id)
    rows = [
        (person_id, year, count)
        for person_id in sorted(by_person)
        for year, count in citations_per_year(connection, sorted(by_person[person_id])).items()
    ]
    schema = pa.schema([("person_id", pa.int64()), ("year", pa.int64()), ("citations", pa.int64())])
    write_rows(work, "person_citations_by_year", schema, rows)

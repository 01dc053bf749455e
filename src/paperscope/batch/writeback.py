"""Bulk write-back of a batch run into PostgreSQL, idempotent per run, all or nothing.

1. Every Spark partition of every table is COPYed by its own task (psycopg, in parallel)
   into its own unlogged staging table `batch_<run>_<table>_<partition>`, dropped and
   re-created in the same transaction as the COPY: a task Spark retries (a lost executor)
   replaces its partition instead of doubling it.
2. One transaction then swaps the staging tables in: the live tables are emptied and
   refilled from them, the id sequences moved past the new ids, `metrics_state` records the
   run id and the definitions' version. Until that commit the web app serves the previous
   results; from it, the new ones. A failure anywhere before it leaves the live tables as
   they were; running the same run again gives the same tables.
3. The staging tables are dropped.

`corpus` mode replaces the corpus too (works, ids, authorships, references, ...: a run over
a snapshot); `results` mode writes only people, the authorships' people and the metrics (a
run over a store's export, whose corpus is already there).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.batch.spark_util import numbered
from paperscope.batch.tables import read_table
from paperscope.definitions import PERCENTILE_DECIMALS, VERSION
from paperscope.errors import PaperscopeError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_RUN_ID = re.compile(r"^[a-z0-9_]{1,24}$")
_ROUNDED = {
    "work_metrics": ("novelty", "novelty_pct", "predicted_impact", "ai_score", "citation_pct"),
    "person_metrics": ("novelty_pct", "ai_score"),
}
CORPUS = ("works", "work_ids", "work_categories", "authorships", "reported_citations", "references")
RESULTS = ("people", "work_metrics", "person_metrics")
MODES = ("corpus", "results")


@dataclass(frozen=True, slots=True)
class WriteReport:
    run_id: str
    rows: dict[str, int]

    def summary(self) -> str:
        counts = ", ".join(f"{table} {n}" for table, n in self.rows.items())
        return f"write: run {self.run_id} swapped in: {counts}"


def libpq_url(database_url: str) -> str:
    """A SQLAlchemy URL (`postgresql+psycopg://`) as psycopg takes it."""
    if not database_url.startswith(("postgresql", "postgres")):
        raise PaperscopeError(f"{database_url.split(':', 1)[0]}: the write-back needs PostgreSQL")
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", database_url)


def _staging(run_id: str, table: str, partition: int | None = None) -> str:
    suffix = "" if partition is None else f"_p{partition}"
    return f"batch_{run_id}_{table}{suffix}"


def _copier(
    url: str, run_id: str, table: str, columns: Sequence[str]
) -> Callable[[Iterable[Any]], None]:
    rounded = {columns.index(c) for c in _ROUNDED.get(table, ()) if c in columns}
    column_list = ", ".join(f'"{c}"' for c in columns)

    def copy(rows: Iterable[Any]) -> None:
        import psycopg
        from pyspark import TaskContext

        context = TaskContext.get()
        partition = context.partitionId() if context else 0
        target = _staging(run_id, table, partition)
        with psycopg.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{target}"')
            cursor.execute(f'CREATE UNLOGGED TABLE "{target}" (LIKE "{_staging(run_id, table)}")')
            with cursor.copy(f'COPY "{target}" ({column_list}) FROM STDIN') as stream:
                for row in rows:
                    values = list(row)
                    for k in rounded:
                        if values[k] is not None:
                            values[k] = round(float(values[k]), PERCENTILE_DECIMALS)
                    stream.write_row(values)

    return copy


def _frames(spark: SparkSession, work: Path, mode: str) -> dict[str, DataFrame]:
    from pyspark.sql import functions as F

    people = read_table(spark, work, "authorship_people")
    frames: dict[str, DataFrame] = {
        "people": read_table(spark, work, "people"),
        "work_metrics": read_table(spark, work, "work_metrics").drop(
            "work_year", "category", "recent"
        ),
        "person_metrics": read_table(spark, work, "person_metrics"),
    }
    if mode == "corpus":
        frames["works"] = read_table(spark, work, "works")
        frames["work_ids"] = read_table(spark, work, "work_ids")
        frames["work_categories"] = read_table(spark, work, "work_categories")
        frames["authorships"] = read_table(spark, work, "authorships").join(
            people.withColumnRenamed("authorship_id", "id"), "id", "left"
        )
        frames["reported_citations"] = read_table(spark, work, "reported_citations")
        frames["references"] = numbered(
            read_table(spark, work, "references").drop("by_title"),
            ["citing_scheme", "citing_value", "cited_scheme", "cited_value"],
            "id",
            work / "_scratch" / "write",
        )
    else:
        frames["authorship_people"] = people.select(
            F.col("authorship_id"), "person_id", "person_confidence"
        )
    return frames


def write_back(
    spark: SparkSession, work: Path, database_url: str, run_id: str, *, mode: str = "corpus"
) -> WriteReport:
    """Copy the run's tables into staging, then swap them in at once."""
    import psycopg

    if not _RUN_ID.match(run_id):
        raise PaperscopeError(f"run id {run_id!r}: use 1-24 lower-case letters, digits or _")
    if mode not in MODES:
        raise PaperscopeError(f"mode {mode!r}: one of {', '.join(MODES)}")
    url = libpq_url(database_url)
    _drop_staging(url, run_id)  # what an earlier, failed attempt of this run left
    frames = _frames(spark, work, mode)
    with psycopg.connect(url, autocommit=True) as connection:
        live = {name: _columns(connection, _live(name)) for name in frames}
        live["authorship_people"] = ["authorship_id", "person_id", "person_confidence"]
        for name in frames:
            connection.execute(f'DROP TABLE IF EXISTS "{_staging(run_id, name)}"')
            connection.execute(_staging_ddl(name, run_id))
    for name, frame in frames.items():
        columns = [c for c in live[name] if c in frame.columns]
        frame.select(*columns).foreachPartition(_copier(url, run_id, name, columns))
    with psycopg.connect(url) as connection:
        rows = _swap(connection, run_id, list(frames), {n: live[n] for n in frames}, mode)
    _drop_staging(url, run_id)
    return WriteReport(run_id, rows)


_OWN_STAGING = {
    "authorship_people": "authorship_id bigint, person_id bigint, person_confidence float8"
}
"""Staging tables that are not shaped like a live table (results mode's person links)."""


def _live(name: str) -> str:
    return "authorships" if name == "authorship_people" else name


def _staging_ddl(name: str, run_id: str) -> str:
    if name in _OWN_STAGING:
        return f'CREATE UNLOGGED TABLE "{_staging(run_id, name)}" ({_OWN_STAGING[name]})'
    return (
        f'CREATE UNLOGGED TABLE "{_staging(run_id, name)}" '
        f'(LIKE "{_live(name)}" INCLUDING DEFAULTS)'
    )


def _columns(connection: Any, table: str) -> list[str]:
    rows = connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    if not rows:
        raise PaperscopeError(f"table {table} is missing: run `paperscope` once to migrate")
    return [r[0] for r in rows]


def _parts(connection: Any, run_id: str, name: str) -> list[str]:
    prefix = _staging(run_id, name) + "_p"
    rows = connection.execute(
        "SELECT tablename FROM pg_tables WHERE tablename LIKE %s",
        (prefix.replace("_", r"\_") + "%",),
    ).fetchall()
    return sorted(r[0] for r in rows if r[0][len(prefix) :].isdigit())


def _union(connection: Any, run_id: str, name: str, columns: Sequence[str]) -> str:
    column_list = ", ".join(f'"{c}"' for c in columns)
    parts = _parts(connection, run_id, name)
    if not parts:
        return f'SELECT {column_list} FROM "{_staging(run_id, name)}"'
    return " UNION ALL ".join(f'SELECT {column_list} FROM "{p}"' for p in parts)


def _swap(
    connection: Any, run_id: str, names: list[str], live: dict[str, list[str]], mode: str
) -> dict[str, int]:
    rows: dict[str, int] = {}
    with connection.transaction():
        if mode == "corpus":
            connection.execute('DELETE FROM "references"')
            # Edges an interrupted ingest held belong to the corpus being replaced: their
            # citing work ids may name other works of the new one.
            connection.execute("DELETE FROM pending_references")
            connection.execute("DELETE FROM works")  # cascades to ids, authorships, ...
        connection.execute("UPDATE authorships SET person_id = NULL, person_confidence = NULL")
        for name in ("work_metrics", "person_metrics", "people"):
            connection.execute(f'DELETE FROM "{name}"')
        order = [n for n in (*CORPUS[:3], "people", *CORPUS[3:], *RESULTS[1:]) if n in names]
        for name in order:
            columns = [c for c in live[name] if _has_column(connection, run_id, name, c)]
            column_list = ", ".join(f'"{c}"' for c in columns)
            result = connection.execute(
                f'INSERT INTO "{name}" ({column_list}) {_union(connection, run_id, name, columns)}'
            )
            rows[name] = result.rowcount
        if "authorship_people" in names:
            source = _union(
                connection,
                run_id,
                "authorship_people",
                ["authorship_id", "person_id", "person_confidence"],
            )
            result = connection.execute(
                "UPDATE authorships SET person_id = s.person_id, "
                f"person_confidence = s.person_confidence FROM ({source}) AS s "
                "WHERE authorships.id = s.authorship_id"
            )
            rows["authorships.person_id"] = result.rowcount
        for table in ("works", "authorships", "people", "references"):
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table}"), 0) + 1, false)'
            )
        if mode == "corpus":
            connection.execute(
                "INSERT INTO search_pending (work_id) SELECT id FROM works ON CONFLICT DO NOTHING"
            )
        for key, value in (("definition_version", VERSION), ("batch_run", run_id)):
            connection.execute("DELETE FROM metrics_state WHERE key = %s", (key,))
            connection.execute(
                "INSERT INTO metrics_state (key, value) VALUES (%s, %s)", (key, value)
            )
    return rows


def _has_column(connection: Any, run_id: str, name: str, column: str) -> bool:
    found = connection.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        (_staging(run_id, name), column),
    ).fetchone()
    return found is not None


def _drop_staging(url: str, run_id: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        names = connection.execute(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE %s",
            (_staging(run_id, "").replace("_", r"\_") + "%",),
        ).fetchall()
        for (name,) in names:
            connection.execute(f'DROP TABLE IF EXISTS "{name}"')


def staging_tables(database_url: str, run_id: str) -> Iterator[str]:
    """Staging tables a run left behind (none after a finished write)."""
    import psycopg

    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE %s",
            (_staging(run_id, "").replace("_", r"\_") + "%",),
        ).fetchall()
    yield from sorted(r[0] for r in rows)

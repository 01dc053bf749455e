"""The `read` stage on Spark: one task per input file, each parsed by the project's parsers.

The driver lists the files (`snapshot.discover`); the files are spread over the executors
(which must see the same paths: a shared or cluster filesystem), each task streams its file
through `records.read_file`, and the rows are written as Parquet tables. Malformed records
become rows of `bad_records` (file, position, field, reason) and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.batch.records import Row, read_file
from paperscope.batch.snapshot import InputFile, Snapshot
from paperscope.batch.tables import (
    bad_schema,
    citation_schema,
    file_schema,
    table_path,
    text_schema,
    work_record_schema,
    write_table,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

STATE_FILE = "state.json"


@dataclass(frozen=True, slots=True)
class ReadReport:
    files: int
    records: int
    citations: int
    texts: int
    bad: int
    bad_examples: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[str, ...]
    problems: tuple[str, ...]

    def summary(self) -> str:
        lines = [
            f"read: {self.files} files, {self.records} work records, {self.citations} "
            f"citation edges, {self.texts} abstracts/tldrs, {self.bad} malformed records"
        ]
        lines += [f"  malformed: {example}" for example in self.bad_examples]
        lines += [f"  skipped: {s}" for s in self.skipped]
        lines += [f"  failed: {f}" for f in self.failed]
        lines += [f"  snapshot: {p}" for p in self.problems]
        return "\n".join(lines)


def _rows(item: tuple[int, InputFile]) -> Any:
    number, source = item
    return read_file(number, source)


def _of_kind(kind: str) -> Callable[[Row], bool]:
    def test(row: Row) -> bool:
        return row[0] == kind

    return test


def _values(row: Row) -> tuple[Any, ...]:
    return row[1]


def run_read(
    spark: SparkSession, snapshot: Snapshot, work: Path, *, append: bool = False
) -> ReadReport:
    """Parse every file; `append` adds the files to those an earlier read of `work` stored
    (an incremental run over new OpenAlex partitions), numbering them after the earlier ones."""
    from pyspark import StorageLevel
    from pyspark.sql.types import StringType, StructField, StructType

    first = _next_file_number(spark, work) if append else 0
    numbered = list(enumerate(snapshot.files, start=first))
    slices = max(1, min(len(numbered), spark.sparkContext.defaultParallelism * 4))
    rows = spark.sparkContext.parallelize(numbered, slices).flatMap(_rows)
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
    schemas = {
        "records": ("work", work_record_schema()),
        "citation_records": ("citation", citation_schema()),
        "text_records": ("text", text_schema()),
        "bad_records": ("bad", bad_schema()),
        "files": ("file", file_schema()),
    }
    for table, (kind, schema) in schemas.items():
        picked = rows.filter(_of_kind(kind)).map(_values)
        frame = spark.createDataFrame(picked, schema)
        write_table(frame, work, table, mode="append" if append else "overwrite")
    rows.unpersist()
    merged = spark.createDataFrame(
        list(snapshot.merged_ids),
        StructType([StructField("old", StringType()), StructField("new", StringType())]),
    )
    write_table(merged, work, "merged_ids", mode="append" if append else "overwrite")
    _write_state(work, snapshot, append)
    bad = spark.read.parquet(table_path(work, "bad_records"))
    examples = [
        f"{r.file} {r.position}: {r.field or '-'}: {r.reason}"
        for r in bad.orderBy("file_no", "index").limit(20).collect()
    ]
    files = spark.read.parquet(table_path(work, "files")).orderBy("file_no").collect()
    return ReadReport(
        files=len(files),
        records=sum(f.works for f in files),
        citations=sum(f.citations for f in files),
        texts=sum(f.texts for f in files),
        bad=sum(f.bad for f in files),
        bad_examples=tuple(examples),
        skipped=tuple(s for f in files for s in (f.skipped or [])),
        failed=tuple(f"{f.name}: {f.failed}" for f in files if f.failed),
        problems=snapshot.problems,
    )


def _next_file_number(spark: SparkSession, work: Path) -> int:
    from pyspark.sql import functions as F

    if not (work / "files" / "_SUCCESS").is_file():
        return 0
    last = spark.read.parquet(table_path(work, "files")).agg(F.max("file_no")).first()
    return 0 if last is None or last[0] is None else int(last[0]) + 1


def _write_state(work: Path, snapshot: Snapshot, append: bool) -> None:
    """What was read, and the newest OpenAlex partition (the next run's `--since`)."""
    earlier: list[Any] = []
    if append and (work / STATE_FILE).is_file():
        earlier = json.loads((work / STATE_FILE).read_text(encoding="utf-8"))["files"]
    files = earlier + [asdict(f) for f in snapshot.files]
    partitions = [str(f["partition"]) for f in files if f.get("partition")]
    state = {"files": files, "newest_partition": max(partitions) if partitions else None}
    (work / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")


def last_partition(work: Path) -> str | None:
    """The newest OpenAlex partition the last read of this work folder saw."""
    path = work / STATE_FILE
    if not path.is_file():
        return None
    value = json.loads(path.read_text(encoding="utf-8")).get("newest_partition")
    return str(value) if value else None

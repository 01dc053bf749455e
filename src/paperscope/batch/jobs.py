"""The batch stages by name, and the `spark-submit` entry point.

    spark-submit --master spark://HOST:7077 -m paperscope.batch.jobs ...   (Spark >= 4.1)
    spark-submit --master spark://HOST:7077 $(python -c 'import paperscope.batch.jobs as j;
        print(j.__file__)') all --work /shared/run --input /shared/openalex --database URL

Every stage reads the tables of the stages before it from `--work` (a folder every
executor can read and write) and writes its own (`tables.TABLES`).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.batch.blocking import DEFAULT_MAX_BLOCK
from paperscope.batch.merge_stage import DEFAULT_BATCH_SIZE
from paperscope.batch.snapshot import discover
from paperscope.errors import PaperscopeError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

STAGES = ("read", "merge", "references", "citations", "resolve", "metrics", "write")
"""In pipeline order; `all` runs every one (`write` only when a database is given)."""
EXPORT_TABLES = (
    "works", "work_ids", "authorships", "work_categories", "reported_citations", "references",
    "work_scores",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BatchOptions:
    work: Path
    inputs: tuple[Path, ...] = ()
    since: str | None = None
    """Read only OpenAlex partitions newer than this date ("last": the last run's newest)."""
    database_url: str | None = None
    run_id: str = "run"
    mode: str = "corpus"
    today: date = field(default_factory=date.today)
    max_block: int = DEFAULT_MAX_BLOCK
    batch_size: int = DEFAULT_BATCH_SIZE
    corrections_url: str | None = None
    """A store whose identity corrections the resolve stage honours."""


def _link_export(export: Path, work: Path) -> None:
    """The export's corpus tables as this work folder's (the stages after `merge` read them)."""
    work.mkdir(parents=True, exist_ok=True)
    for name in EXPORT_TABLES:
        source, target = export / name, work / name
        if not source.is_dir():
            continue
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        target.symlink_to(source.resolve(), target_is_directory=True)


def _rules(spark: SparkSession, options: BatchOptions) -> Any:
    from paperscope.batch.corrections import located_rules
    from paperscope.batch.resolve_stage import NO_RULES

    if not options.corrections_url:
        return NO_RULES
    return located_rules(spark, options.work, options.corrections_url)


def run_stage(spark: SparkSession, stage: str, options: BatchOptions) -> str:
    """Run one stage; returns its summary line(s)."""
    work = options.work
    work.mkdir(parents=True, exist_ok=True)
    if stage == "read":
        from paperscope.batch.read_stage import last_partition, run_read

        since = last_partition(work) if options.since == "last" else options.since
        snapshot = discover(list(options.inputs), since)
        if snapshot.export:
            _link_export(Path(snapshot.export), work)
            return f"read: {snapshot.export} is a store export: its corpus tables are linked"
        return run_read(spark, snapshot, work, append=options.since is not None).summary()
    if stage == "merge":
        from paperscope.batch.merge_stage import run_merge

        return run_merge(spark, work, batch_size=options.batch_size).summary()
    if stage == "references":
        from paperscope.batch.link_stage import run_references

        return run_references(spark, work, batch_size=options.batch_size).summary()
    if stage == "citations":
        from paperscope.batch.link_stage import run_citations

        return run_citations(spark, work).summary()
    if stage == "resolve":
        from paperscope.batch.resolve_stage import run_resolve

        rules = _rules(spark, options)
        return run_resolve(spark, work, rules=rules, max_block=options.max_block).summary()
    if stage == "metrics":
        from paperscope.batch.metrics_stage import run_metrics

        return run_metrics(spark, work, today=options.today).summary()
    if stage == "write":
        from paperscope.batch.writeback import write_back

        if not options.database_url:
            raise PaperscopeError("write: name the PostgreSQL database (--database URL)")
        return write_back(
            spark, work, options.database_url, options.run_id, mode=options.mode
        ).summary()
    raise PaperscopeError(f"unknown stage {stage!r}: one of {', '.join(STAGES)}, all")


def stages_for(stage: str, options: BatchOptions) -> list[str]:
    """The stages `stage` stands for (`all`: every one; from an export, those after merge)."""
    if stage != "all":
        return [stage]
    chosen = [s for s in STAGES if s != "write" or options.database_url]
    exported = options.inputs and discover(list(options.inputs)).export
    if exported:
        chosen = [s for s in chosen if s not in ("merge", "references")]
    return chosen


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="paperscope.batch.jobs", description=__doc__)
    parser.add_argument("stage", choices=(*STAGES, "all"))
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--input", type=Path, action="append", default=[])
    parser.add_argument("--since")
    parser.add_argument("--database")
    parser.add_argument("--run-id", default="run")
    parser.add_argument("--mode", default="corpus")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    parser.add_argument("--max-block", type=int, default=DEFAULT_MAX_BLOCK)
    parser.add_argument("--corrections-from")
    parser.add_argument("--master", help="default: what spark-submit set, else local[2]")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from paperscope.batch.session import get_session

    args = _parser().parse_args(argv)
    options = BatchOptions(
        work=args.work,
        inputs=tuple(args.input),
        since=args.since,
        database_url=args.database,
        run_id=args.run_id,
        mode=args.mode,
        today=args.today,
        max_block=args.max_block,
        corrections_url=args.corrections_from,
    )
    spark = get_session(args.master)
    try:
        for stage in stages_for(args.stage, options):
            started = time.perf_counter()
            summary = run_stage(spark, stage, options)
            print(f"{summary}\n  [{stage} {time.perf_counter() - started:.1f}s]", flush=True)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

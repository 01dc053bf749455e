"""`paperscope batch`: the batch stages over whole snapshots, on Spark or on one machine."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.errors import PaperscopeError

batch_app = typer.Typer(
    help="The batch stages over snapshots (OpenAlex, Semantic Scholar), on Apache Spark.",
    no_args_is_help=True,
)
app.add_typer(batch_app, name="batch")

STAGE_HELP = "read, merge, references, citations, resolve, metrics, write, or all"


@batch_app.command("run")
def run(
    stage: Annotated[str, typer.Argument(help=STAGE_HELP)],
    work: Annotated[Path, typer.Option("--work", help="Folder of the run's Parquet tables.")],
    engine: Annotated[
        str, typer.Option("--engine", help="spark or local (one machine).")
    ] = "spark",
    master: Annotated[
        str | None, typer.Option("--master", help="Spark master URL (default local[2]).")
    ] = None,
    inputs: Annotated[
        list[Path] | None,
        typer.Option("--input", "-i", help="Snapshot folder, files, or a store export."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only OpenAlex partitions newer than YYYY-MM-DD, or last."),
    ] = None,
    database: DatabaseOption = None,
    run_id: Annotated[str, typer.Option("--run-id", help="Names the staging tables.")] = "run",
    mode: Annotated[str, typer.Option("--mode", help="write: corpus or results.")] = "corpus",
    today: Annotated[str | None, typer.Option("--today", help="YYYY-MM-DD (recency).")] = None,
    max_block: Annotated[
        int,
        typer.Option(
            "--max-block",
            help="Largest part of a name block clustered as one (as resolve's 1,000).",
        ),
    ] = 1000,
    corrections_from: Annotated[
        str | None, typer.Option("--corrections-from", help="A store whose corrections hold.")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Run a batch stage (or all of them) over a snapshot.

    Example: paperscope batch run all --work var/run1 --input openalex-snapshot --database postgresql+psycopg://localhost/paperscope
    """
    from paperscope.batch.jobs import BatchOptions, run_stage, stages_for
    from paperscope.batch.snapshot import discover

    day = date.fromisoformat(today) if today else date.today()
    options = BatchOptions(
        work=work,
        inputs=tuple(inputs or ()),
        since=since,
        database_url=database,
        run_id=run_id,
        mode=mode,
        today=day,
        max_block=max_block,
        corrections_url=corrections_from,
    )
    lines: list[str] = []
    if engine == "local":
        if stage != "all":
            raise PaperscopeError("the local engine runs the whole pipeline: use `all`")
        from paperscope.batch.local import run_local

        url = database or f"sqlite:///{work.resolve()}/local.sqlite"
        report = run_local(discover(list(options.inputs)), url, work, today=day)
        lines.append(report.summary())
    elif engine == "spark":
        from paperscope.batch.session import get_session

        spark = get_session(master)
        try:
            for name in stages_for(stage, options):
                lines.append(run_stage(spark, name, options))
                if output_format == "text":
                    console.print(lines[-1], markup=False, highlight=False)
        finally:
            spark.stop()
        if output_format == "text":
            return
    else:
        raise PaperscopeError(f"unknown engine {engine!r}: spark or local")
    if output_format == "json":
        console.print_json(json.dumps({"engine": engine, "stages": lines}))
    else:
        for line in lines:
            console.print(line, markup=False, highlight=False)


@batch_app.command("export")
def export(
    output: Annotated[Path, typer.Argument(help="Folder to write the Parquet tables to.")],
    database: DatabaseOption = None,
) -> None:
    """Export the store's corpus, people and metrics as the batch stages' Parquet tables.

    Example: paperscope batch export var/export
    """
    from paperscope.batch.export import export_store

    store = open_store(database)
    try:
        counts = export_store(store, output)
    finally:
        store.close()
    for table, count in counts.items():
        console.print(f"{table}: {count} rows", markup=False, highlight=False)


@batch_app.command("compare")
def compare(
    left: Annotated[Path, typer.Argument(help="A work folder (e.g. the Spark engine's).")],
    right: Annotated[Path, typer.Argument(help="Another (e.g. the local engine's).")],
) -> None:
    """Compare two runs' results byte for byte after sorting (exit 1 when they differ).

    Example: paperscope batch compare var/spark-run var/local-run
    """
    from paperscope.batch.compare import canonical, differences

    found = differences(canonical(left), canonical(right))
    for line in found:
        console.print(line, markup=False, highlight=False)
    if found:
        raise typer.Exit(1)
    console.print("equal: works, authorships, references, people, citations, metrics")

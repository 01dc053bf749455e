"""`paperscope demo`: a database built from real or synthetic data, ready to look at."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console
from paperscope.config import Settings
from paperscope.store import Store

DEMO_DIR = Path("var/demo")


def demo_settings(database: str | None, data_dir: Path) -> Settings:
    """The demo's own data folder and database, and the fast hashing encoder."""
    settings = Settings()
    updates: dict[str, object] = {"data_dir": data_dir, "database_url": database}
    if "embedding_model" not in settings.model_fields_set:
        from paperscope.demo.build import DEMO_ENCODER

        updates["embedding_model"] = DEMO_ENCODER
    return settings.model_copy(update=updates)


@app.command()
def demo(
    source: Annotated[
        list[Path] | None,
        typer.Option("--from", help="Build from these ingestible files instead (repeatable)."),
    ] = None,
    works: Annotated[
        int, typer.Option(help="Works in the synthetic corpus (when nothing real is available).")
    ] = 1500,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not try to harvest: use synthetic data.")
    ] = False,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the demo when it is built.")
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    database: DatabaseOption = None,
) -> None:
    """Build a demo database (harvested, synthetic, or from files) and optionally serve it.

    The default demo lives in var/demo/ and is rebuilt from scratch each time.

    Example: paperscope demo --serve
    """
    from paperscope.demo.build import build_demo

    if database is None and DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    settings = demo_settings(database, DEMO_DIR)
    store = Store.open(settings.resolved_database_url())
    report = build_demo(
        store,
        settings,
        sources=source,
        synthetic_works=works,
        try_network=not offline,
        say=lambda line: console.print(line, markup=False, highlight=False),
    )
    counts = report.counts
    console.print(f"data: {report.source}", markup=False)
    if counts is not None:
        console.print(f"ingested: read {counts.read}, new {counts.new}, merged {counts.merged}")
    console.print("stages: " + ", ".join(report.stages), markup=False)
    command = (
        f"PAPERSCOPE_DATA_DIR={settings.data_dir} "
        f"PAPERSCOPE_EMBEDDING_MODEL={settings.embedding_model} paperscope serve"
    )
    if database:
        command += f" --database {database}"
    if serve:
        from paperscope.cli.web import serve_app

        serve_app(settings, store, settings.host, port)
    else:
        console.print(f"serve it with: {command}", markup=False, highlight=False)

"""The typer application and what every command shares: consoles, the database option."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from paperscope.config import Settings
from paperscope.store import Store

app = typer.Typer(
    help="paperscope: research-paper metadata, authors and metrics you can check.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
errors = Console(stderr=True)


def open_store(database: str | None) -> Store:
    settings = Settings()
    return Store.open(database or settings.resolved_database_url())


DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", "-d", help="SQLAlchemy URL; default from PAPERSCOPE_DATABASE_URL."),
]

"""The `paperscope` command: one subcommand per stage; errors become exit codes, not tracebacks.

Each module registers its commands on the shared typer app when imported.
"""

from __future__ import annotations

import sys

from paperscope.cli import (
    batch,
    demo,
    experts,
    export,
    feedback,
    follow,
    harvest,
    ingest,
    library,
    notify,
    papers,
    people,
    profiles,
    search,
    users,
    web,
)
from paperscope.cli.app import app, errors
from paperscope.errors import PaperscopeError

__all__ = ["app", "main"]

_COMMAND_MODULES = (
    ingest,
    profiles,
    search,
    papers,
    people,
    experts,
    web,
    notify,
    library,
    feedback,
    follow,
    export,
    demo,
    harvest,
    batch,
    users,
)


def main() -> None:
    try:
        app()
    except PaperscopeError as error:
        errors.print(f"error: {error}", markup=False, highlight=False)
        sys.exit(error.exit_code)

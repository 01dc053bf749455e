"""`paperscope serve`: the web app and JSON API."""

from __future__ import annotations

from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console
from paperscope.config import Settings
from paperscope.store import Store


def serve_app(
    settings: Settings, store: Store, host: str, port: int, *, access_log: bool = True
) -> None:
    """Run the app with uvicorn until interrupted."""
    import uvicorn

    from paperscope.web.app import create_app

    console.print(f"paperscope on http://{host}:{port}/  (Ctrl-C stops it)")
    uvicorn.run(
        create_app(settings, store),
        host=host,
        port=port,
        log_level="info",
        access_log=access_log,
        # The app trusts forwarded headers itself, from PAPERSCOPE_TRUSTED_PROXIES only;
        # uvicorn's own handling would trust 127.0.0.1 (or $FORWARDED_ALLOW_IPS) first.
        proxy_headers=False,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.", min=1, max=65535)] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = True,
    database: DatabaseOption = None,
) -> None:
    """Serve the web pages, the JSON API (/openapi.json) and the RSS/Atom feeds.

    Example: paperscope serve --host 127.0.0.1 --port 8000
    """
    settings = Settings()
    if database:
        settings = settings.model_copy(update={"database_url": database})
    store = Store.open(settings.resolved_database_url())
    serve_app(settings, store, host or settings.host, port or settings.port, access_log=access_log)

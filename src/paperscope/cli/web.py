"""`paperscope serve`: the web app and JSON API."""

from __future__ import annotations

import gc
import threading
import time
from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console, errors
from paperscope.config import Settings
from paperscope.store import Store


def settle_garbage_collector(threshold: int) -> None:
    """Before serving: freeze what start-up loaded (modules, templates, the app) out of
    every later collection, and collect the youngest objects every `threshold` allocations
    instead of 700, so that a big page being built is not promoted into the old generation
    piecemeal, which triggers full collections (at 100k works: 9-10 full collections,
    2.2 s in all, during 40 first visits; 3 and 0.25 s with 20,000). 0: Python's defaults."""
    if threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(threshold, older, oldest)


def prewarm_database(store: Store) -> None:
    """Ask for the site's tables to be read into the OS cache (store.prewarm), and say so."""
    from paperscope.store.prewarm import memory_budget, prewarm

    try:
        done = prewarm(store, memory_budget())
    except Exception as error:  # first visits read from the disk instead, as without it
        errors.print(f"database not read ahead: {error}")
        return
    if done.not_done:
        console.print(f"database not read ahead: {done.not_done}")
    else:
        console.print(
            f"database read ahead: {done.relations} tables and indexes, "
            f"{done.bytes / 1e6:,.0f} MB (in the background)"
        )


def start_warm_up(settings: Settings, store: Store) -> threading.Thread:
    """Ask for the database to be read ahead (`serve_prewarm`), load the vector index and
    its query encoder, then bring the BM25 keyword index in step, in a background thread
    while the server starts answering: the first paper page or semantic search then finds
    the vectors loaded (requests that come sooner wait for this load instead of starting
    their own), and keyword searches are ranked natively until the BM25 index is."""
    from paperscope.search.service import warm_keyword_index, warm_vector_index

    def warm() -> None:
        if settings.serve_prewarm:
            prewarm_database(store)
        started = time.perf_counter()
        try:
            size = warm_vector_index(store, settings)
        except Exception as error:  # the first request that needs it loads it and reports
            errors.print(f"vector index not loaded at start: {error}")
        else:
            console.print(f"vector index: {size:,} works ({time.perf_counter() - started:.1f} s)")
        started = time.perf_counter()
        try:
            kept = warm_keyword_index(store, settings)
        except Exception as error:  # searches stay native meanwhile
            errors.print(f"keyword index not built at start: {error}")
            return
        if kept is not None:
            elapsed = time.perf_counter() - started
            console.print(f"keyword index: {kept:,} works ({elapsed:.1f} s)")

    thread = threading.Thread(target=warm, name="warm-indexes", daemon=True)
    thread.start()
    return thread


def serve_app(
    settings: Settings, store: Store, host: str, port: int, *, access_log: bool = True
) -> None:
    """Run the app with uvicorn until interrupted."""
    import uvicorn

    from paperscope.web.app import create_app

    console.print(f"paperscope on http://{host}:{port}/  (Ctrl-C stops it)")
    web_app = create_app(settings, store)
    settle_garbage_collector(settings.serve_gc_threshold)
    web_app.state.warm_up = start_warm_up(settings, store)  # /healthz says while it runs
    uvicorn.run(
        web_app,
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

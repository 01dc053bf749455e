"""Search and similar papers: `paperscope search`, `similar`, `enrich` and `reindex`."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from sqlalchemy import Connection

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.config import Settings
from paperscope.errors import NotFoundError, QueryError
from paperscope.read.works import WorkSummary, load_works, work_id_for


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        if len(value) == 4 and value.isdigit():
            return date(int(value), 1, 1) if option == "--since" else date(int(value), 12, 31)
        raise QueryError(f"{option} {value!r} is not a date: use YYYY-MM-DD or YYYY") from None


def _works(connection: Connection, ids: list[int]) -> dict[int, WorkSummary]:
    """The works of a result list, every author named (the JSON lists them all)."""
    return {w.work_id: w for w in load_works(connection, ids, authors_limit=None)}


def _check_format(output: str) -> None:
    if output not in ("text", "json"):
        raise QueryError(f"unknown format {output!r}: use text or json")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "quoted phrases" and prefix* words.')],
    mode: Annotated[
        str, typer.Option("--mode", help="keyword, semantic, hybrid or rerank")
    ] = "hybrid",
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD or YYYY")] = None,
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD or YYYY")] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="arXiv category: cs.CL or CL")
    ] = None,
    has_code: Annotated[bool, typer.Option("--has-code", help="Only works with code.")] = False,
    author: Annotated[str | None, typer.Option("--author", help="Part of an author name.")] = None,
    venue: Annotated[str | None, typer.Option("--venue", help="Part of the venue name.")] = None,
    page: Annotated[int, typer.Option("--page", help="Result page, from 1.")] = 1,
    per_page: Annotated[int, typer.Option("--per-page", help="Results per page.")] = 10,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    database: DatabaseOption = None,
) -> None:
    """Search works by keyword (BM25), meaning (embeddings) or both (hybrid, the default;
    rerank: the top keyword results re-ordered by meaning).

    Example: paperscope search "graph neural network*" --mode hybrid --since 2020 --has-code
    """
    from paperscope.cli.listing import render_text, results_json
    from paperscope.search.filters import SearchFilters
    from paperscope.search.service import SearchRequest
    from paperscope.search.service import search as run_search

    _check_format(output)
    filters = SearchFilters(
        category=category,
        since=_date(since, "--since"),
        until=_date(until, "--until"),
        has_code=has_code,
        author=author,
        venue=venue,
    )
    request = SearchRequest(query, mode, filters, page, per_page)
    store = open_store(database)
    results = run_search(store, request, Settings())
    with store.connect() as connection:
        cards = _works(connection, [hit.work_id for hit in results.hits])
    if output == "json":
        console.print_json(json.dumps(results_json(results, cards)))
    else:
        console.print(render_text(results, cards, query), markup=False, highlight=False)


@app.command()
def similar(
    work: Annotated[str, typer.Argument(help="A work id, or an external id such as arxiv:...")],
    limit: Annotated[int, typer.Option("--limit", help="How many similar works.")] = 10,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    database: DatabaseOption = None,
) -> None:
    """Works most similar in meaning to one work.

    Example: paperscope similar doi:10.1145/3383583.3398517 --limit 5
    """
    from paperscope.cli.listing import render_text, results_json
    from paperscope.search.service import SearchResults, similar_works

    _check_format(output)
    store = open_store(database)
    with store.connect() as connection:
        work_id = work_id_for(connection, work)
    if work_id is None:
        raise NotFoundError(
            f"no work {work!r}: give a work id or scheme:value (doi:..., arxiv:...)"
        )
    hits = similar_works(store, work_id, Settings(), limit)
    with store.connect() as connection:
        cards = _works(connection, [work_id, *(hit.work_id for hit in hits)])
    results = SearchResults(hits, len(hits), 1, max(limit, 1), "similar", None)
    if output == "json":
        payload = results_json(results, cards)
        payload["work_id"] = work_id
        console.print_json(json.dumps(payload))
        return
    source = cards.get(work_id)
    if source is not None:
        console.print(f"similar to: {source.title} [work {work_id}]", markup=False)
    console.print(render_text(results, cards), markup=False, highlight=False)


@app.command()
def enrich(
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="minilm, tokenlearn (trained on the corpus first), minilm-onnx, minilm-int8, "
            "model2vec or hashing; default from settings.",
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Texts per batch.")] = 32,
    database: DatabaseOption = None,
) -> None:
    """Embed new or changed works and update the vector index (the keyword index is kept by
    `paperscope ingest`). Safe to interrupt and rerun: only what is missing or stale is
    computed. Off a terminal, a progress line with the ETA every 30 s.

    Example: paperscope enrich --model tokenlearn
    """
    from paperscope.cli.progress import progress_bar
    from paperscope.pipeline.runner import run_stage
    from paperscope.pipeline.stages import RunOptions

    options = RunOptions(model=model, batch_size=batch_size)
    with progress_bar() as progress:
        result = run_stage(open_store(database), Settings(), "enrich", options, progress)
    report = result.details
    name = report.model
    console.print(f"embeddings ({name}): {report.embedded} works embedded")
    console.print(f"vector index ({name}): {report.index_size} vectors, {report.index_kind}")


@app.command()
def reindex(database: DatabaseOption = None) -> None:
    """Bring the keyword indexes in step with the works: re-index the queued works in the
    database's own full-text index, then rebuild the BM25 index beside the database if it is
    behind. `paperscope ingest` does both as its last step; run this after a batch
    write-back, or to build the BM25 index of a database made before it existed.

    Example: paperscope reindex
    """
    import time

    from paperscope.pipeline.stages import MAX_REINDEX_WORKERS
    from paperscope.processes import available_cores
    from paperscope.search.bm25 import bm25_index
    from paperscope.search.keyword import refresh_keyword_index

    store = open_store(database)
    started = time.perf_counter()
    workers = min(available_cores(), MAX_REINDEX_WORKERS)
    queued = refresh_keyword_index(store, workers=workers)
    elapsed = time.perf_counter() - started
    console.print(f"database keyword index: {queued:,} queued works re-indexed ({elapsed:.1f} s)")
    index = bm25_index(store, Settings())
    if index is None:
        console.print("BM25 keyword index: off (PAPERSCOPE_KEYWORD_ENGINE=native)")
        return
    started = time.perf_counter()
    snapshot = index.rebuild()
    size = snapshot.size if snapshot is not None else 0
    elapsed = time.perf_counter() - started
    how, written = index.last_build
    done = {
        "all": f"every work read ({elapsed:.1f} s)",
        "caught up": f"caught up with {written:,} changed works ({elapsed:.1f} s)",
    }.get(how, "already in step")
    console.print(f"BM25 keyword index: {size:,} works, {done}", markup=False)

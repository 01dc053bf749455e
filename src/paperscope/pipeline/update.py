"""`paperscope update`: the one command cron runs.

Stages, in order (DESIGN.md §2), each skipped when it has nothing to do: harvest every
configured query, ingest what the harvest wrote, then resolve (link references, cluster new
authorships into people), enrich (keyword index, embeddings of new or changed works, vector
index) and score (incremental). Digests are sent by their own cron line (`paperscope digest
send`). A lock file makes a second, overlapping run stop at once instead of racing the first.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from paperscope.config import Settings
from paperscope.errors import PaperscopeError
from paperscope.harvest import Clock, HarvestResult, harvest
from paperscope.ingest import ingest_paths
from paperscope.store import Store

LOCK_NAME = "update.lock"
DATE_FIELDS = ("date_from", "date_until")


class UpdateRunningError(PaperscopeError):
    """Another `paperscope update` holds the lock."""

    exit_code = 75  # EX_TEMPFAIL: cron may simply try again next time


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UpdateRunningError(f"another update is running (lock: {path})") from None
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def query_options(spec: Mapping[str, Any], today: date) -> tuple[str, dict[str, Any]]:
    """The source and query fields of one configured harvest.

    `{"source": "arxiv", "category": "cs.CL", "days": 2}` is a rolling window ending today.
    """
    options = {k: v for k, v in spec.items() if k not in ("source", "days")}
    if "source" not in spec:
        raise PaperscopeError(f"harvest query {dict(spec)} names no source")
    for name in DATE_FIELDS:
        if isinstance(options.get(name), str):
            options[name] = date.fromisoformat(options[name])
    if "days" in spec:
        options["date_from"] = today - timedelta(days=int(spec["days"]))
        options["date_until"] = today
    return str(spec["source"]), options


def _harvest_line(results: list[HarvestResult]) -> str:
    pages = sum(len(r.files_written) for r in results)
    requests = sum(r.requests for r in results)
    if not pages:
        return f"harvest: nothing new ({len(results)} queries, {requests} requests)"
    return f"harvest: {pages} pages from {len(results)} queries ({requests} requests)"


def run_update(
    settings: Settings,
    store: Store,
    *,
    transport: httpx.BaseTransport | None = None,
    clock: Clock | None = None,
    today: date | None = None,
) -> list[str]:
    """Run every stage once; returns one summary line per stage."""
    today = today or date.today()
    with exclusive_lock(settings.data_dir / LOCK_NAME):
        results = []
        for spec in settings.harvest_queries:
            source, options = query_options(spec, today)
            results.append(harvest(source, options, settings, transport=transport, clock=clock))
        lines = [_harvest_line(results)]
        fresh = [r.directory for r in results if r.files_written]
        if not fresh:
            return [*lines, "ingest: nothing to do"]
        counts = ingest_paths(store, fresh, batch_size=settings.ingest_batch_size)
        lines.append(
            f"ingest: read {counts.read}, new {counts.new}, merged {counts.merged}, "
            f"updated {counts.updated}, quarantined {counts.quarantined}"
        )
        return [*lines, *downstream_stages(settings, store, today)]


def downstream_stages(settings: Settings, store: Store, today: date) -> list[str]:
    """resolve, enrich and score: each incremental, so a run after a small ingest is cheap."""
    from paperscope.embeddings.encoders import get_encoder
    from paperscope.embeddings.index import open_index
    from paperscope.embeddings.vectors import embed_works
    from paperscope.identity.resolve import resolve_people
    from paperscope.identity.topics import topic_source
    from paperscope.ingest.references import resolve_references
    from paperscope.metrics.scoring import run_score
    from paperscope.search.keyword import refresh_keyword_index

    with store.transaction() as connection:
        linked = resolve_references(connection)
        topics = topic_source(connection, settings.identity_topics, settings.data_dir)
        people = resolve_people(connection, topics=topics)
    lines = [
        f"resolve: {linked} references linked, {people.authorships} authorships clustered, "
        f"{people.people_created} people created"
    ]
    indexed = refresh_keyword_index(store)
    encoder = get_encoder(settings.embedding_model, settings.data_dir)
    embedded = embed_works(store, encoder)
    index = open_index(store, settings.data_dir, settings.embedding_model)
    lines.append(
        f"enrich: {indexed} works indexed, {embedded} embedded ({settings.embedding_model}), "
        f"vector index {index.size}"
    )
    with store.transaction() as connection:
        report = run_score(connection, today=today, embedding_model=settings.embedding_model)
    lines.append(f"score: {report.recomputed_works} works scored, {report.people} people")
    return lines

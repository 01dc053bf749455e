"""The named stages: harvest -> ingest -> resolve -> enrich -> score -> pages -> notify.

Each stage is a function of one `Run` (the store, the settings, the options and the progress
display) that returns a `StageResult`; each is idempotent, so a crash mid-way is repaired by
running it again, and each writes only its own tables:

    harvest  raw response files on disk (and their state files); no table
    ingest   works, ids, authorships, references (linked to stored works by id, then by
             title and year), code links, source records, quarantine; then the keyword
             index of the works it queued, and library items imported without a work
             that now have one (moved from library_unmatched into library_items)
    resolve  people, authorships.person_id, the identity tables (and title vectors in the
             embeddings cache); claims follow their works to renumbered people
             (person_claims.person_id)
    enrich   embeddings of new or changed works, the vector index
    score    work_metrics, person_metrics, scope_stats, metrics_state
    pages    author_page_snapshots, content_state (the stored pages of prolific people)
    notify   deliveries, work_first_seen

Every write to a table an author page reads also adds a row to `content_changes` (a
trigger, migration 0015): that is how a stored page knows it no longer holds.

`update`, `demo` and the CLI commands all run stages through `paperscope.pipeline.runner`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from paperscope.config import Settings
from paperscope.errors import PaperscopeError
from paperscope.harvest.http import Clock
from paperscope.progress import SILENT, Progress
from paperscope.store import Store

DATE_FIELDS = ("date_from", "date_until")


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What the stages of one run may be told; each reads only its own."""

    paths: tuple[Path, ...] = ()
    """ingest: files, folders or archives to read (update: what the harvest wrote)."""
    format_name: str | None = None
    strict: bool = False
    full: bool = False
    """resolve and score: redo everything, not only what is new."""
    model: str | None = None
    """enrich: the embedding model (default: the settings')."""
    batch_size: int = 32
    today: date | None = None
    period: str = "daily"
    """notify: which digests to send."""
    backoff: tuple[float, ...] | None = None
    transport: httpx.BaseTransport | None = None
    """harvest: the HTTP transport (tests replay recordings through it)."""
    clock: Clock | None = None
    """harvest: the clock its politeness delays use."""
    min_works: int | None = None
    """pages: store the pages of people and names with at least this many works (default
    `metrics.page_snapshots.MIN_WORKS`)."""


@dataclass(slots=True)
class Run:
    store: Store
    settings: Settings
    options: RunOptions = field(default_factory=RunOptions)
    progress: Progress = SILENT
    harvested: list[Path] | None = None
    """Folders the harvest stage wrote to in this run; None when it did not run."""

    @property
    def today(self) -> date:
        return self.options.today or date.today()


@dataclass(frozen=True, slots=True)
class StageResult:
    stage: str
    summary: str
    """One line for the terminal and cron mail."""
    details: Any = None
    """The stage's own report (IngestCounts, ResolveReport, ScoreReport, ...)."""
    nothing_new: bool = False
    """Nothing arrived: the stages after this one have nothing to do in this run."""


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


def harvest(run: Run) -> StageResult:
    """Fetch every configured query's new pages to disk (`PAPERSCOPE_HARVEST_QUERIES`)."""
    from paperscope.harvest import harvest as fetch

    results = []
    for spec in run.settings.harvest_queries:
        source, query = query_options(spec, run.today)
        run.progress.start(f"harvest {source}")
        results.append(
            fetch(
                source,
                query,
                run.settings,
                transport=run.options.transport,
                clock=run.options.clock,
            )
        )
    run.harvested = [r.directory for r in results if r.files_written]
    pages = sum(len(r.files_written) for r in results)
    requests = sum(r.requests for r in results)
    if not pages:
        line = f"harvest: nothing new ({len(results)} queries, {requests} requests)"
    else:
        line = f"harvest: {pages} pages from {len(results)} queries ({requests} requests)"
    return StageResult("harvest", line, results)


READER_PROCESS: dict[str, bool | None] = {"auto": None, "process": True, "inline": False}
"""`ingest_reader` as `ingest_paths`'s `background` (None: `spare_core` decides)."""


MAX_REINDEX_WORKERS = 4
"""Connections that re-index the search documents after an ingest (PostgreSQL only)."""


def ingest(run: Run) -> StageResult:
    """Read files into the store, link references, then index the queued works' text."""
    from paperscope.accounts.library_import import rematch
    from paperscope.ingest import ingest_paths
    from paperscope.processes import available_cores
    from paperscope.search.bm25 import bm25_index
    from paperscope.search.keyword import refresh_keyword_index
    from paperscope.sources.base import Limits

    paths = list(run.options.paths) if run.harvested is None else run.harvested
    if not paths:
        return StageResult("ingest", "ingest: nothing to do", nothing_new=True)
    counts = ingest_paths(
        run.store,
        paths,
        format_name=run.options.format_name,
        strict=run.options.strict,
        batch_size=run.settings.ingest_batch_size,
        progress=run.progress,
        background=READER_PROCESS[run.settings.ingest_reader],
        limits=Limits(run.settings.max_record_bytes, run.settings.max_document_bytes),
        # PostgreSQL: one connection computes search documents while the run's reference
        # edges are moved (a single statement on one core: 270 s at a million works).
        beside_move=lambda moved: refresh_keyword_index(run.store, until=moved),
    )
    # The reading process is done by now: every core may compute the documents left.
    refresh_keyword_index(run.store, workers=min(available_cores(), MAX_REINDEX_WORKERS))
    line = (
        f"ingest: read {counts.read}, new {counts.new}, merged {counts.merged}, "
        f"updated {counts.updated}, quarantined {counts.quarantined}"
    )
    bm25 = bm25_index(run.store, run.settings)
    if bm25 is not None:  # caught up only when the refresh moved the keyword generation on
        try:
            snapshot = bm25.rebuild()
        except (OSError, ValueError) as error:  # searches are ranked by the database's index
            line += f", BM25 keyword index not built ({error})"
        else:
            line += f", BM25 keyword index {snapshot.size if snapshot else 0} works"
    if counts.new or counts.merged or counts.updated:
        with run.store.transaction() as connection:
            matched = rematch(connection)
        if matched:
            line += f", library items matched {matched}"
    return StageResult("ingest", line, counts)


def resolve(run: Run) -> StageResult:
    """Cluster authorships into people (only new ones unless `full`); corrections hold."""
    from paperscope.accounts.claims import follow_people
    from paperscope.identity.resolve import resolve_people
    from paperscope.identity.topics import prepare_topics, topic_source
    from paperscope.processes import available_cores

    settings = run.settings
    workers = settings.resolve_workers or available_cores()
    prepare_topics(run.store, settings.identity_topics, settings.data_dir, run.progress)
    with run.store.transaction() as connection:
        topics = topic_source(connection, settings.identity_topics, settings.data_dir)
        report = resolve_people(
            connection,
            full=run.options.full,
            progress=run.progress,
            topics=topics,
            workers=workers,
            model_dir=settings.resolved_identity_model_dir(),
        )
        follow_people(connection)  # claims stay with their works when people are renumbered
    line = (
        f"resolve: {report.authorships} authorships clustered ({report.mode}, "
        f"{report.blocks} blocks), {report.people_created} people created, "
        f"{report.people_removed} removed"
    )
    return StageResult("resolve", line, report)


@dataclass(frozen=True, slots=True)
class EnrichReport:
    model: str
    embedded: int
    index_size: int
    index_kind: str


def enrich(run: Run) -> StageResult:
    """Embed new or changed works, then bring the vector index up to date."""
    from paperscope.embeddings.encoders import get_encoder
    from paperscope.embeddings.index import open_index
    from paperscope.embeddings.vectors import embed_works

    model = run.options.model or run.settings.embedding_model
    encoder = get_encoder(model, run.settings.data_dir)
    embedded = embed_works(
        run.store, encoder, progress=run.progress, batch_size=run.options.batch_size
    )
    index = open_index(run.store, run.settings.data_dir, model)
    report = EnrichReport(model, embedded, index.size, index.kind)
    line = f"enrich: {embedded} embedded ({model}), vector index {index.size}"
    return StageResult("enrich", line, report)


def score(run: Run) -> StageResult:
    """Citations, h-index and friends, novelty and AI score, stored with their version."""
    from paperscope.metrics.scoring import run_score

    with run.store.transaction() as connection:
        report = run_score(
            connection,
            full=run.options.full,
            today=run.today,
            embedding_model=run.settings.embedding_model,
            progress=run.progress,
        )
    line = f"score: {report.recomputed_works} works scored, {report.people} people"
    return StageResult("score", line, report)


def pages(run: Run) -> StageResult:
    """Store the author pages of prolific people and common names (a first visit then
    reads one row instead of thousands of works)."""
    from paperscope.metrics.page_snapshots import MIN_WORKS, refresh_pages
    from paperscope.processes import available_cores

    least = MIN_WORKS if run.options.min_works is None else run.options.min_works
    workers = run.settings.pages_workers or available_cores()
    report = refresh_pages(
        run.store, today=run.today, min_works=least, progress=run.progress, workers=workers
    )
    line = (
        f"pages: {report.name_pages} name pages, {report.person_pages} person pages stored"
        f" in {report.seconds:.1f} s ({report.workers} processes computing)"
        + ("" if report.current else "; data changed meanwhile: not used until the next run")
    )
    return StageResult("pages", line, report)


def notify(run: Run) -> StageResult:
    """Send the period's digests, each exactly once (what failed is kept for the next run)."""
    from paperscope.accounts.clock import utcnow
    from paperscope.embeddings.encoders import Encoder, get_encoder
    from paperscope.notify.digest import BACKOFF, send_digests

    settings = run.settings

    def encoder() -> Encoder:
        return get_encoder(settings.embedding_model, settings.data_dir)

    report = send_digests(
        run.store,
        settings,
        run.options.period,
        now=utcnow(),
        encoder_factory=encoder,
        backoff=BACKOFF if run.options.backoff is None else run.options.backoff,
        progress=run.progress,
    )
    counts = ", ".join(
        f"{state} {report.count(state)}"
        for state in (
            "sent",
            "nothing-new",
            "cancelled",
            "uncertain",
            "skipped",
            "failed",
            "refused",
        )
    )
    line = f"{run.options.period} digests: planned {report.planned}; {counts}"
    return StageResult("notify", line, report)


WRITES: dict[str, frozenset[str]] = {
    "harvest": frozenset(),
    "ingest": frozenset(
        {
            "works",
            "work_ids",
            "work_categories",
            "authorships",
            "references",
            "reported_citations",
            "code_links",
            "source_records",
            "source_authors",
            "source_author_works",
            "quarantine",
            "search_pending",
            "search_state",  # the keyword generation (search.bm25)
            "search_changes",  # what each keyword refresh re-indexed (search.bm25)
            "library_items",
            "library_tags",
            "library_unmatched",
            "library_unmatched_tags",
        }
    ),
    "resolve": frozenset({"people", "authorships", "embeddings", "person_claims"}),
    "enrich": frozenset({"embeddings", "search_state"}),
    "score": frozenset({"work_metrics", "person_metrics", "scope_stats", "metrics_state"}),
    "pages": frozenset({"author_page_snapshots", "content_state", "content_changes"}),
    "notify": frozenset({"deliveries", "work_first_seen"}),
}
"""The tables each stage writes (resolve: only `authorships.person_id`, and title vectors in
the embeddings cache), besides `content_changes`, which the triggers write for every stage
that changes what an author page reads; a test holds every stage to it."""

Stage = Callable[[Run], StageResult]
STAGES: dict[str, Stage] = {
    "harvest": harvest,
    "ingest": ingest,
    "resolve": resolve,
    "enrich": enrich,
    "score": score,
    "pages": pages,
    "notify": notify,
}
"""Every stage by name, in pipeline order."""

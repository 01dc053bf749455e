"""`paperscope demo`: build a database worth looking at, with every pipeline stage that exists.

Data, in order of preference: files named with `--from`; recent Hugging Face Daily Papers
when the network allows; otherwise a synthetic corpus (`demo_synthetic`), marked as such on
every page. Then: ingest, resolve (people), keyword index and embeddings (a fast encoder),
and scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Connection, func, select

from paperscope.config import Settings
from paperscope.errors import PaperscopeError
from paperscope.ingest import IngestCounts, ingest_paths, ingest_stream
from paperscope.ingest.references import link_references
from paperscope.store import Store
from paperscope.store.schema import authorships

PACKAGE_SAMPLES = Path(__file__).parent / "data"
DEMO_ENCODER = "hashing"
MIN_HARVESTED = 20
NETWORK_PROBE = "https://huggingface.co/api/daily_papers"

Say = Callable[[str], None]


@dataclass(slots=True)
class DemoReport:
    source: str
    counts: IngestCounts | None = None
    stages: list[str] = field(default_factory=list)


def demo_sources() -> list[Path]:
    """The small samples shipped in the package (used by tests and `--samples`)."""
    return [PACKAGE_SAMPLES]


def demo_author(connection: Connection) -> str | None:
    """The name printed on the most works: a profile with something to show."""
    query = (
        select(authorships.c.name, func.count().label("n"))
        .group_by(authorships.c.name)
        .order_by(func.count().desc(), authorships.c.name)
        .limit(1)
    )
    row = connection.execute(query).first()
    return row[0] if row else None


def network_available(timeout: float = 3.0) -> bool:
    import httpx

    try:
        response = httpx.get(NETWORK_PROBE, params={"limit": 1}, timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def harvest_recent(settings: Settings, days: int = 7) -> list[Path]:
    """Recent Hugging Face Daily Papers into the harvest dir (raw files, then ingested)."""
    from paperscope.harvest.runner import harvest

    today = date.today()
    query = {"date_from": today - timedelta(days=days - 1), "date_until": today}
    return [harvest("hf", query, settings).directory]


def ingest_synthetic(store: Store, settings: Settings, works: int = 1500) -> IngestCounts:
    from paperscope.demo.synthetic import generate
    from paperscope.sources.synthetic import SYNTHETIC_FORMAT

    corpus = generate(settings.data_dir / "synthetic-demo.jsonl", works=works)
    with corpus.path.open("rb") as stream:
        counts = ingest_stream(
            store, stream, SYNTHETIC_FORMAT, str(corpus.path), batch_size=settings.ingest_batch_size
        )
    with store.transaction() as connection:
        link_references(connection)
    return counts


def run_stages(store: Store, settings: Settings, say: Say) -> list[str]:
    """resolve -> keyword index -> embeddings -> score, each when its stage exists."""
    from paperscope.identity.resolve import resolve_people
    from paperscope.identity.topics import topic_source

    say("resolve: clustering authorships into people")
    with store.transaction() as connection:
        topics = topic_source(connection, settings.identity_topics, settings.data_dir)
        resolve_people(connection, topics=topics)
    done = ["resolve"]
    from paperscope.embeddings.encoders import get_encoder
    from paperscope.embeddings.vectors import embed_works
    from paperscope.search.service import ensure_keyword_index

    say("enrich: keyword index")
    ensure_keyword_index(store)
    say(f"enrich: embeddings ({settings.embedding_model})")
    embed_works(store, get_encoder(settings.embedding_model, settings.data_dir))
    done += ["keyword index", f"embeddings ({settings.embedding_model})"]
    from paperscope.metrics.scoring import run_score

    say("score: citations, h-index, novelty, AI score")
    with store.transaction() as connection:
        run_score(connection, full=True, embedding_model=settings.embedding_model)
    done.append("score")
    return done


def _harvested(store: Store, settings: Settings, say: Say) -> DemoReport | None:
    """Recent real papers, or None when the network (or the source) is not there."""
    if not network_available():
        say("no network: the demo uses synthetic data")
        return None
    import httpx

    say("network: harvesting recent Hugging Face Daily Papers")
    try:
        counts = ingest_paths(store, harvest_recent(settings))
    except (PaperscopeError, OSError, httpx.HTTPError) as error:
        say(f"harvest failed ({error}): the demo uses synthetic data")
        return None
    if counts.new < MIN_HARVESTED:
        say(f"harvest brought {counts.new} papers only: adding synthetic data")
        return None
    return DemoReport("Hugging Face Daily Papers (last 7 days)", counts)


def build_demo(
    store: Store,
    settings: Settings,
    *,
    sources: list[Path] | None = None,
    synthetic_works: int = 1500,
    try_network: bool = True,
    say: Say = print,
) -> DemoReport:
    if sources:
        report = DemoReport("files: " + ", ".join(str(p) for p in sources))
        report.counts = ingest_paths(store, sources, batch_size=settings.ingest_batch_size)
    else:
        report = (_harvested(store, settings, say) if try_network else None) or DemoReport(
            f"synthetic demo data ({synthetic_works} works)"
        )
        if report.counts is None:
            say("generating a synthetic corpus (marked as synthetic on every page)")
            report.counts = ingest_synthetic(store, settings, synthetic_works)
    report.stages = run_stages(store, settings, say)
    return report

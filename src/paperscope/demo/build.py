"""`paperscope demo`: build a database worth looking at, through the pipeline's stages.

Data, in order of preference: files named with `--from`; recent Hugging Face Daily Papers
when the network allows; otherwise a synthetic corpus (`demo.synthetic`), marked as such on
every page. Then the stages every install runs: ingest, resolve (people), enrich
(embeddings with a fast encoder) and score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Connection, func, select

from paperscope.config import Settings
from paperscope.demo.synthetic import generate
from paperscope.errors import PaperscopeError
from paperscope.ingest import IngestCounts
from paperscope.pipeline.runner import run_stages
from paperscope.pipeline.stages import Run, RunOptions
from paperscope.store import Store
from paperscope.store.schema import authorships

PACKAGE_SAMPLES = Path(__file__).parent / "data"
DEMO_ENCODER = "hashing"
MIN_HARVESTED = 20
HARVEST_DAYS = 7
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


def _ingest(run: Run, paths: list[Path]) -> IngestCounts:
    run.options = replace(run.options, paths=tuple(paths))
    counts: IngestCounts = run_stages(run, ["ingest"])[0].details
    return counts


def _harvested(run: Run, say: Say) -> DemoReport | None:
    """Recent real papers, or None when the network (or the source) is not there."""
    if not network_available():
        say("no network: the demo uses synthetic data")
        return None
    import httpx

    say("network: harvesting recent Hugging Face Daily Papers")
    queries = [{"source": "hf", "days": HARVEST_DAYS - 1}]
    run.settings = run.settings.model_copy(update={"harvest_queries": queries})
    try:
        results = run_stages(run, ["harvest", "ingest"])
    except (PaperscopeError, OSError, httpx.HTTPError) as error:
        say(f"harvest failed ({error}): the demo uses synthetic data")
        return None
    counts: IngestCounts | None = results[-1].details
    new = counts.new if counts is not None else 0
    if counts is None or new < MIN_HARVESTED:
        say(f"harvest brought {new} papers only: adding synthetic data")
        return None
    return DemoReport(f"Hugging Face Daily Papers (last {HARVEST_DAYS} days)", counts)


def build_demo(
    store: Store,
    settings: Settings,
    *,
    sources: list[Path] | None = None,
    synthetic_works: int = 1500,
    try_network: bool = True,
    say: Say = print,
) -> DemoReport:
    """Ingest the demo's data, then run resolve, enrich and score (full) on it."""
    run = Run(store, settings, RunOptions(full=True))
    if sources:
        report = DemoReport("files: " + ", ".join(str(p) for p in sources))
        report.counts = _ingest(run, sources)
    else:
        report = (_harvested(run, say) if try_network else None) or DemoReport(
            f"synthetic demo data ({synthetic_works} works)"
        )
        if report.counts is None:
            say("generating a synthetic corpus (marked as synthetic on every page)")
            corpus = generate(settings.data_dir / "synthetic-demo.jsonl", works=synthetic_works)
            report.counts = _ingest(run, [corpus.path])
    for result in run_stages(run, ["resolve", "enrich", "score", "pages"]):
        say(result.summary)
        enriched = result.stage == "enrich"
        report.stages.append(f"embeddings ({result.details.model})" if enriched else result.stage)
    return report

"""What an author page costs on a first visit (nothing cached), this tree beside a baseline
revision, and whether both show the same page.

    python bench/author_pages.py --database sqlite:////data/scale.db --baseline main --tag 100k \
        [--baseline-database sqlite:////data/scale-before.db]

The names are the ones `bench/web.py` visits first (the 20 most prolific printed names and
20 around the median of names with at least 5 works). Each revision runs in a child process
whose import path is its `src/` (`git archive` of `--baseline`), alternating `--rounds`
times; the child builds each page's data with `web.authors.author_page` (the read model the
page, its JSON and the CLI use) on one connection, after one warm-up page, and records the
milliseconds per page and a digest of every page as the HTML page shows it (profile
header, the first page of works, citations per year, co-authors, graph, topics, namesakes).
Where the revision has stored pages (`paperscope pages`), the child asks for the page as
the HTML page does (`complete=False`: a stored page is read when one holds); run
`paperscope pages` on the database first to measure them. `--baseline-database`: a copy of
the database at the baseline's schema, for a change that comes with a migration (an index).
Results: bench/results/author_pages-<tag>.json.

With `--people` the same is done for people searches (`search.people.find_people`, the
first page of what /people shows) of those names and of the last words of the 20 most
prolific (surnames: "wang" ends 254,688 authorships at a million works); results go to
bench/results/people_search-<tag>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from resolve_speed import export_tree, run_in_tree  # noqa: E402
from web import first_visit_names  # noqa: E402


def people_worker(url: str, queries: list[str], warmup: str) -> dict[str, Any]:
    """Each query's people search once (in this process): milliseconds and a digest."""
    from paperscope.search.people import find_people
    from paperscope.store import Store

    store = Store.open(url, migrate=False)
    times, digests = [], []
    with store.connect() as connection:
        find_people(connection, warmup)
        for query in queries:
            started = time.perf_counter()
            found = find_people(connection, query)
            times.append(round((time.perf_counter() - started) * 1000, 1))
            digests.append(hashlib.sha256(repr(found).encode()).hexdigest())
    store.close()
    return {"ms": times, "digests": digests, "load_average": os.getloadavg()[0]}


def people_queries(names: list[str]) -> list[str]:
    """The names, then the surnames of the 20 most prolific (`first_visit_names` order)."""
    surnames = [name.split()[-1].lower() for name in names[:20] if name.split()]
    return names + [word for word in dict.fromkeys(surnames) if word not in names]


def worker(url: str, names: list[str], warmup: str) -> dict[str, Any]:
    """Each name's page once (in this process): milliseconds and a digest of the page."""
    import importlib
    import inspect
    from datetime import date

    from paperscope.store import Store

    try:
        module = importlib.import_module("paperscope.metrics.author_pages")
    except ImportError:  # revisions before the stored pages
        module = importlib.import_module("paperscope.web.authors")
    author_page = module.author_page
    as_html = {"complete": False} if "complete" in inspect.signature(author_page).parameters else {}
    store = Store.open(url, migrate=False)
    times, digests, stored = [], [], 0
    with store.connect() as connection:
        author_page(connection, name=warmup, **as_html)
        for name in names:
            started = time.perf_counter()
            page = author_page(connection, name=name, **as_html)
            times.append(round((time.perf_counter() - started) * 1000, 1))
            # `today` is the day of the run; both revisions run on the same day.
            assert page.profile.today == date.today()
            stored += getattr(page, "stored_on", None) is not None
            profile = page.profile
            shown = (
                profile.person,
                profile.header,
                profile.citations_per_year,
                profile.coauthors,
                profile.positions,
                profile.coauthor_graph,
                profile.topics,
                page.shown,
                page.metrics,
                page.namesakes,
                page.more_namesakes,
                page.pages,
            )
            digests.append(hashlib.sha256(repr(shown).encode()).hexdigest())
    store.close()
    return {
        "ms": times,
        "digests": digests,
        "stored": stored,
        "load_average": os.getloadavg()[0],
    }


def run_once(source: Path, url: str, names: list[str], warmup: str, people: bool) -> dict[str, Any]:
    mode = ["--people"] if people else []
    return run_in_tree(__file__, source, [*mode, "--worker", url, "--warmup", warmup, *names])


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", help="a database URL with ingested works")
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--baseline-database", help="the database the baseline reads")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tag", default="run", help="results go to author_pages-<tag>.json")
    parser.add_argument("--people", action="store_true", help="time people searches instead")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--warmup", help=argparse.SUPPRESS)
    parser.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        work = people_worker if args.people else worker
        print(json.dumps(work(args.worker, args.names, args.warmup)))
        return 0
    if args.database is None:
        parser.error("--database is required")
    warmup, names = first_visit_names(args.database)
    if args.people:
        names = people_queries(names)
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "this tree": []}
    with tempfile.TemporaryDirectory(prefix="author-pages-") as folder:
        sources = {
            "baseline": export_tree(args.baseline, Path(folder) / "baseline"),
            "this tree": ROOT / "src",
        }
        databases = {
            "baseline": args.baseline_database or args.database,
            "this tree": args.database,
        }
        for round_ in range(args.rounds):
            for label, source in sources.items():
                result = run_once(source, databases[label], names, warmup, args.people)
                runs[label].append(result)
                print(
                    f"round {round_ + 1} {label:9}: p50 {percentile(result['ms'], 0.5):7.1f} ms"
                    f"  p95 {percentile(result['ms'], 0.95):7.1f} ms  max {max(result['ms']):7.1f}"
                    f" ms  ({result.get('stored', 0)} stored; load {result['load_average']:.1f})",
                    flush=True,
                )
    same = len({tuple(run["digests"]) for label in runs for run in runs[label]}) == 1
    best = {
        label: [min(run["ms"][i] for run in runs[label]) for i in range(len(names))]
        for label in runs
    }
    summary = {
        label: {
            "p50_ms": percentile(best[label], 0.5),
            "p95_ms": percentile(best[label], 0.95),
            "max_ms": max(best[label]),
        }
        for label in best
    }
    print(f"same pages in every run: {same}")
    for label, numbers in summary.items():
        print(f"{label:9} (best of {args.rounds} per name): {numbers}")
    kind = "people_search" if args.people else "author_pages"
    results = ROOT / "bench" / "results" / f"{kind}-{args.tag}.json"
    payload = {
        "database": args.database,
        "baseline": args.baseline,
        "baseline_database": args.baseline_database or args.database,
        "names": names,
        "runs": runs,
        "summary": summary,
        "same_pages": same,
    }
    results.write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

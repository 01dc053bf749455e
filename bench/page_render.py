"""What a repeated page costs the server in-process (its data cached, so mostly rendering),
this tree beside a baseline revision, and whether both send the same HTML.

    python bench/page_render.py --database sqlite:////data/scale.db --baseline main --tag 1m

The pages are the ones `bench/web.py` and `bench/scale.py` drive under `wrk` (the busiest
day's Daily Papers, trending, a keyword search page, the typical and the most prolific
author page), asked through the app (`create_app` and Starlette's test client, no network)
by an anonymous visitor. Each revision runs in a child process whose import path is its
`src/` (`git archive` of `--baseline`), alternating `--rounds` times; a child asks each page
`--warmup` times, then `--requests` times, timing each request. The HTML is compared with the
CSRF token (each child is a new browser) and the minute trending was computed blanked.
Settings other than the database come from the environment (`PAPERSCOPE_DATA_DIR` for the
search indexes). Results: bench/results/page_render-<tag>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from author_pages import percentile  # noqa: E402
from resolve_speed import export_tree, run_in_tree  # noqa: E402
from web import pick_targets  # noqa: E402

TOKEN = re.compile(rb'name="csrf_token" value="[^"]*"')
GENERATED = re.compile(rb"computed now \([^)]*\)")  # trending's minute: runs cross minutes


def worker(url: str, paths: dict[str, str], warmup: int, requests: int) -> dict[str, Any]:
    """Each page `warmup` times, then `requests` timed times, in this process."""
    from fastapi.testclient import TestClient

    from paperscope.config import Settings
    from paperscope.store import Store
    from paperscope.web.app import create_app

    settings = Settings(database_url=url)
    store = Store.open(url, migrate=False)
    pages: dict[str, Any] = {}
    with TestClient(create_app(settings, store)) as client:
        for label, path in paths.items():
            for _ in range(warmup):
                client.get(path)
            times, bodies = [], set()
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(path)
                times.append(round((time.perf_counter() - started) * 1000, 2))
                assert response.status_code == 200, (path, response.status_code)
                bodies.add(hashlib.sha256(comparable(response.content)).hexdigest())
            pages[label] = {"ms": times, "bytes": len(response.content), "digests": sorted(bodies)}
    store.close()
    return {"pages": pages, "load_average": os.getloadavg()[0]}


def comparable(html: bytes) -> bytes:
    """The HTML without what differs between two runs of the same code: the CSRF token (each
    child is a new browser) and the minute the trending list was computed."""
    return GENERATED.sub(b"", TOKEN.sub(b"", html))


def run_once(source: Path, url: str, options: list[str]) -> dict[str, Any]:
    return run_in_tree(__file__, source, ["--worker", url, *options])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", help="a database URL with ingested, scored works")
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--tag", default="run", help="results go to page_render-<tag>.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        paths = json.loads(args.paths)
        print(json.dumps(worker(args.worker, paths, args.warmup, args.requests)))
        return 0
    if args.database is None:
        parser.error("--database is required")
    targets = pick_targets(args.database)
    targets.pop("static file (baseline)")
    targets["trending"] = "/trending"
    options = [
        f"--paths={json.dumps(targets)}",
        f"--warmup={args.warmup}",
        f"--requests={args.requests}",
    ]
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "this tree": []}
    with tempfile.TemporaryDirectory(prefix="page-render-") as folder:
        sources = {
            "baseline": export_tree(args.baseline, Path(folder) / "baseline"),
            "this tree": ROOT / "src",
        }
        for round_ in range(args.rounds):
            for label, source in sources.items():
                result = run_once(source, args.database, options)
                runs[label].append(result)
                medians = ", ".join(
                    f"{page} {percentile(numbers['ms'], 0.5):.1f}"
                    for page, numbers in result["pages"].items()
                )
                print(f"round {round_ + 1} {label:9} (median ms): {medians}", flush=True)
    summary: dict[str, dict[str, Any]] = {}
    same = True
    for page in targets:
        digests = {
            d for label in runs for run in runs[label] for d in run["pages"][page]["digests"]
        }
        same = same and len(digests) == 1
        summary[page] = {
            label: {
                "p50_ms": min(percentile(run["pages"][page]["ms"], 0.5) for run in runs[label]),
                "p95_ms": min(percentile(run["pages"][page]["ms"], 0.95) for run in runs[label]),
                "bytes": runs[label][0]["pages"][page]["bytes"],
            }
            for label in runs
        }
        summary[page]["same_html"] = len(digests) == 1
        print(f"{page:28} {summary[page]}")
    print(f"same HTML in every run: {same}")
    results = ROOT / "bench" / "results" / f"page_render-{args.tag}.json"
    payload = {
        "database": args.database,
        "baseline": args.baseline,
        "paths": targets,
        "runs": runs,
        "summary": summary,
        "same_html": same,
    }
    results.write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

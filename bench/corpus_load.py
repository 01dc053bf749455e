"""What `score` spends reading the corpus (`metrics.corpus.load_corpus`), this tree beside a
baseline revision, and whether both read the same columns.

    python bench/corpus_load.py --database postgresql+psycopg://postgres@127.0.0.1:5432/scale \
        --baseline HEAD~1 --tag postgresql-1m [--rounds 2] [--timeout 600]

Each revision runs in a child process whose import path is its `src/` (`git archive` of
`--baseline`), alternating `--rounds` times; the child loads the corpus once and records the
seconds, its peak RSS and a digest of every column (the citation edges sorted, since the
order in which a database returns distinct rows is not defined). A child that runs past
`--timeout` is stopped and counted as that many seconds or more. Results:
bench/results/corpus_load-<tag>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from resolve_speed import export_tree  # noqa: E402


def worker(url: str) -> dict[str, Any]:
    """Load the corpus once (in this process): seconds, peak RSS and a digest of the columns."""
    import numpy as np
    from sqlalchemy import create_engine

    from paperscope.metrics.corpus import load_corpus

    engine = create_engine(url, connect_args=_named(url))
    started = time.perf_counter()
    with engine.connect() as connection:
        corpus = load_corpus(connection)
    seconds = time.perf_counter() - started
    engine.dispose()
    digest = hashlib.sha256()
    edges = np.stack([corpus.citing, corpus.cited], axis=1)
    edges = edges[np.lexsort((edges[:, 1], edges[:, 0]))]
    for column in (corpus.work_ids, edges, corpus.in_corpus, corpus.reported):
        digest.update(np.ascontiguousarray(column, dtype=np.int64).tobytes())
    digest.update(repr((corpus.person_keys, corpus.person_ids)).encode())
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "works": corpus.size,
        "edges": int(corpus.citing.size),
        "digest": digest.hexdigest(),
    }


APPLICATION = "paperscope-corpus-load"


def _named(url: str) -> dict[str, str]:
    """PostgreSQL connection options naming the load, so a stopped one can be ended."""
    return {"application_name": APPLICATION} if url.startswith("postgresql") else {}


def end_stopped_query(url: str) -> None:
    """A killed client's query runs on in PostgreSQL until it next writes to the client:
    end it, so that it does not slow the runs after it."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :a"
            ),
            {"a": APPLICATION},
        )
    engine.dispose()


def run_once(source: Path, url: str, timeout: float) -> dict[str, Any]:
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--worker", url],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "PYTHONPATH": str(source)},
        )
    except subprocess.TimeoutExpired:
        end_stopped_query(url)
        return {"seconds": timeout, "stopped_after_timeout": True}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", help="a database URL with ingested works")
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per load")
    parser.add_argument("--tag", default="run", help="results go to corpus_load-<tag>.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    if args.database is None:
        parser.error("--database is required")
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "this tree": []}
    with tempfile.TemporaryDirectory(prefix="corpus-load-") as folder:
        sources = {
            "baseline": export_tree(args.baseline, Path(folder) / "baseline"),
            "this tree": ROOT / "src",
        }
        for round_ in range(args.rounds):
            for label, source in sources.items():
                result = run_once(source, args.database, args.timeout)
                runs[label].append(result)
                stopped = " (stopped)" if result.get("stopped_after_timeout") else ""
                print(
                    f"round {round_ + 1} {label:9}: {result['seconds']:8.1f} s{stopped}  "
                    f"peak RSS {result.get('peak_rss_mb', '-')} MB  "
                    f"edges {result.get('edges', '-')}",
                    flush=True,
                )
    digests = {run["digest"] for label in runs for run in runs[label] if "digest" in run}
    same = len(digests) == 1
    best = {label: min(run["seconds"] for run in runs[label]) for label in runs}
    print(f"same columns in every finished run: {same}; best seconds: {best}")
    results = ROOT / "bench" / "results" / f"corpus_load-{args.tag}.json"
    payload = {
        "database": args.database,
        "baseline": args.baseline,
        "runs": runs,
        "best_seconds": best,
        "same_columns": same,
    }
    results.write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""How fast a full resolve clusters, this tree beside a baseline revision, and whether both
give the same people; and how fast MiniLM encodes titles.

    python bench/resolve_speed.py --database /tmp/rs/r.db --baseline main --titles 2000

`--database` is a SQLite file that holds ingested works and was resolved once (so the title
vectors are in its `embeddings` table and the runs measure the clustering, not MiniLM). Each
run resolves a fresh copy of it (`resolve_people(full=True)`, title vectors from the table)
in a child process whose import path is this tree's `src/` or the baseline's (`git archive`
of `--baseline`), alternating baseline and this tree `--rounds` times, and records the
wall and CPU seconds of the resolve (model training excluded) and the load average. Then it
compares the two results: every authorship's person and confidence, every person's name,
size, confidence and note. `--titles N` times MiniLM on N of the database's titles (not
cached) and projects the cost of a first resolve of a million works. Results go to
bench/results/resolve_speed.json.

`--workers N` runs this tree with N clustering processes (`identity.workers`; the baseline
runs as its code does by default, so pass one from before them or the same tree with
`--baseline-workers 1`): compare wall seconds then, since CPU seconds count only the
resolving process. `--topics none` resolves without title vectors (a database never
resolved with MiniLM would otherwise encode every title first).

    python bench/resolve_speed.py --database r100k.db --baseline HEAD --workers 2 --topics none
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "resolve_speed.json"
AUTHORSHIPS_PER_WORK_1M = 4.5
"""About 4-5M authorships at a million works (the generated corpus: 3.9 per work)."""


def worker(database: Path, workers: int | None, topics_model: str) -> dict[str, Any]:
    """Resolve `database` in full once (in this process) and time it; `workers`: clustering
    processes (None: what the tree's resolve does by default, for trees without them)."""
    from sqlalchemy import create_engine

    from paperscope.embeddings.encoders import get_encoder
    from paperscope.identity.model import default_model
    from paperscope.identity.resolve import resolve_people
    from paperscope.identity.topics import stored_topics

    model = default_model()
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        topics = (
            None
            if topics_model == "none"
            else stored_topics(connection, get_encoder(topics_model, database.parent))
        )
        options: dict[str, Any] = {} if workers is None else {"workers": workers}
        load = os.getloadavg()
        wall, cpu = time.perf_counter(), time.process_time()
        report = resolve_people(connection, full=True, model=model, topics=topics, **options)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    engine.dispose()
    return {
        "authorships": report.authorships,
        "blocks": report.blocks,
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "authorships_per_second": round(report.authorships / wall, 1),
        "authorships_per_cpu_second": round(report.authorships / cpu, 1),
        "load_average_before": [round(x, 2) for x in load],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def people_digest(database: Path) -> tuple[str, int]:
    """A digest of what resolve wrote (each authorship's person and confidence, each
    person's name, size, confidence and note) and the number of people."""
    with sqlite3.connect(database) as connection:
        digest = hashlib.sha256()
        for row in connection.execute(
            "SELECT id, person_id, person_confidence FROM authorships ORDER BY id"
        ):
            digest.update(repr(row).encode())
        count = 0
        for row in connection.execute(
            "SELECT id, canonical_name, block_key, size, confidence, note FROM people ORDER BY id"
        ):
            digest.update(repr(row).encode())
            count += 1
    return digest.hexdigest(), count


def run_in_tree(script: str, source: Path, arguments: list[str]) -> dict[str, Any]:
    """Run `script` in a child process whose import path is `source` (a revision's `src/`)
    and return the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, script, *arguments],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(source)},
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def export_tree(revision: str, target: Path) -> Path:
    """The `src/` of `revision` (git archive) under `target`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "src"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def run_once(
    source: Path, database: Path, scratch: Path, workers: int | None, topics: str
) -> dict[str, Any]:
    copy = scratch / "resolve.db"
    shutil.copyfile(database, copy)
    environment = {**os.environ, "PYTHONPATH": str(source)}
    options = ["--topics", topics] + ([] if workers is None else ["--workers", str(workers)])
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(copy), *options],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["people_digest"], result["people"] = people_digest(copy)
    copy.unlink()
    return result


def title_rate(database: Path, count: int) -> dict[str, Any]:
    """MiniLM's titles per second on `count` of the database's titles, not cached."""
    from paperscope.embeddings.encoders import get_encoder

    with sqlite3.connect(database) as connection:
        titles = [
            row[0]
            for row in connection.execute(
                "SELECT title FROM works WHERE title IS NOT NULL ORDER BY id LIMIT ?", (count,)
            )
        ]
    encoder = get_encoder("minilm", database.parent)
    encoder.encode(titles[:8])  # load the model outside the timing
    load = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    encoder.encode(titles, batch_size=64)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rate = len(titles) / wall
    return {
        "titles": len(titles),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "titles_per_second": round(rate, 1),
        "hours_for_1m_works": round(1_000_000 / rate / 3600, 2),
        "load_average_before": [round(x, 2) for x in load],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", type=Path, help="a resolved SQLite file")
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument(
        "--revision", help="git revision to measure (default: this working tree's src/)"
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--titles", type=int, default=0, help="time MiniLM on N titles")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--workers", type=int, help="this tree's clustering processes")
    parser.add_argument("--baseline-workers", type=int, help="the baseline's (if it has them)")
    parser.add_argument("--topics", default="minilm", help="title encoder, or none")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.workers, args.topics)))
        return 0
    if args.database is None:
        parser.error("--database is required")
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "this tree": []}
    with tempfile.TemporaryDirectory(prefix="resolve-speed-") as folder:
        scratch = Path(folder)
        sources = {
            "baseline": export_tree(args.baseline, scratch / "baseline"),
            "this tree": (
                ROOT / "src"
                if args.revision is None
                else export_tree(args.revision, scratch / "revision")
            ),
        }
        workers = {"baseline": args.baseline_workers, "this tree": args.workers}
        for round_ in range(args.rounds):
            for name, source in sources.items():
                result = run_once(source, args.database, scratch, workers[name], args.topics)
                runs[name].append(result)
                print(
                    f"round {round_ + 1} {name}: {result['authorships']:,} authorships in "
                    f"{result['wall_seconds']} s ({result['authorships_per_second']}/s; "
                    f"{result['authorships_per_cpu_second']}/CPU s), load average "
                    f"{result['load_average_before'][0]} -> {result['load_average_after'][0]}",
                    flush=True,
                )
    digests = {run["people_digest"] for name in runs for run in runs[name]}
    same = len(digests) == 1
    best = {name: min(r["cpu_seconds"] for r in runs[name]) for name in runs}
    speedup = best["baseline"] / best["this tree"]
    fastest = {name: min(r["wall_seconds"] for r in runs[name]) for name in runs}
    wall_speedup = fastest["baseline"] / fastest["this tree"]
    print(f"same people in every run: {same}")
    print(f"CPU seconds (best run): baseline {best['baseline']}, this tree {best['this tree']}")
    print(f"speed-up (CPU): {speedup:.2f}x, (wall): {wall_speedup:.2f}x")
    payload: dict[str, Any] = {
        "database": str(args.database),
        "baseline": args.baseline,
        "revision": args.revision or "working tree",
        "runs": runs,
        "same_people": same,
        "cpu_speedup": round(speedup, 2),
        "wall_speedup": round(wall_speedup, 2),
        "workers": workers,
        "topics": args.topics,
    }
    if args.titles:
        titles = title_rate(args.database, args.titles)
        print(
            f"MiniLM: {titles['titles']} titles in {titles['wall_seconds']} s "
            f"({titles['titles_per_second']}/s): {titles['hours_for_1m_works']} h for 1M works"
        )
        payload["title_encoding"] = titles
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

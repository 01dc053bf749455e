"""The whole pipeline at a lab's scale: every stage's time, records/s and peak memory, then the
pages under load, on SQLite and PostgreSQL.

Data: the corpus `bench/scale_corpus.py` writes (1M works; `--quick` takes the 100k slice). For each
database the script runs the stages as a user would, each `paperscope` command in a process
of its own so that its peak RSS is its own (read from `wait4`; with the processes it starts,
sampled from /proc):

1. `ingest` of the three source folders (arXiv Kaggle, OpenAlex, Semantic Scholar), then
   the rows it wrote loaded again into a fresh database by the raw bulk path (`executemany`
   on SQLite, COPY on PostgreSQL; bench/ingest.py's `bulk_load`) for the ingest/raw ratio
   (`--no-raw` skips it; with `--postgres-url`, only into `--postgres-raw-url`);
2. `resolve --full` (authorships into people; without title vectors unless
   `--identity-topics tokenlearn` (a static title encoder trained on the corpus's titles
   first) or `minilm` (about 9 more hours at a million works here));
3. `enrich` (abstract embeddings and the vector index; `--model` picks the encoder);
4. `score --full`;
5. `pages` (the author pages of people and names with 100+ works, stored);
6. `serve`, its warm-up waited for (`/healthz`; the seconds it took are reported), then
   first visits (distinct URLs, nothing cached) of author pages, the largest
   venues and categories, people searches of the most printed names and of their last words
   (surnames), and experts queries
   and keyword, semantic and hybrid searches of ten topics (`TOPICS`), and the same
   searches each under a filter (`FILTERS`: category, dates, venue, code, author); then
   repeated visits under `wrk` on loopback (the functions of bench/web.py), keyword,
   semantic and hybrid search among them.

Beside each stage it prints the baseline the targets are read against: records/s of ingest,
the 8 GB memory ceiling, the 1-hour resolve and 10-minute score budgets, the page targets.
Results go to bench/results/scale.json (bench/results/scale-quick.json with `--quick`).

Usage: python bench/scale.py [--corpus DIR] [--quick] [--skip-postgres] [--skip-sqlite]
                             [--stages ingest,resolve,enrich,score,pages,serve] [--model NAME]
                             [--identity-topics none|tokenlearn|minilm]
                             [--workdir DIR] [--merge] [--postgres-url URL]
                             [--postgres-raw-url URL] [--no-raw]

A 1M run takes hours; `--workdir DIR --stages ...` runs some stages on the databases an
earlier run left in DIR, and `--merge` adds their numbers to the results file instead of
replacing it (each run's stages, and the load average around it, stay recorded). Without
`--postgres-url` PostgreSQL runs on a temporary server that is removed at the end, so its
stages must all run in one sitting; with it, on a database that stays.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import bulk_load  # noqa: E402
from paperscope.names import name_key  # noqa: E402
from pgserver import start_server  # noqa: E402
from web import (  # noqa: E402
    LUA,
    cold_latency,
    drive,
    first_visit_names,
    first_visits,
    free_port,
    pick_targets,
    scope_paths,
    wait_up,
    wait_warm,
)

PAPERSCOPE = str(Path(sys.executable).with_name("paperscope"))
TOPICS = (
    "speech recognition",
    "graph neural networks",
    "protein structure prediction",
    "reinforcement learning for robotics",
    "neural machine translation",
    "medical image segmentation",
    "federated learning with privacy",
    "causal inference from observational data",
    "quantum error correction",
    "recommender systems",
    "question answering over knowledge graphs",
)
"""Experts and search queries timed on a first visit (the first warms the server up)."""
FILTERS = (
    {"category": "cs.CL"},
    {"category": "cs.LG"},
    {"since": "2020-01-01"},
    {"venue": "NeurIPS"},
    {"has_code": "1"},
    {"category": "CV"},
    {"until": "2015-12-31"},
    {"author": "wang"},
    {"since": "2010-01-01", "until": "2019-12-31", "has_code": "1"},
    {"category": "Artificial Intelligence"},
    {"venue": "acl", "since": "2018-01-01"},
)
"""A filter for each topic of the filtered keyword searches (with `TOPICS`)."""
STAGES = ("ingest", "resolve", "enrich", "score", "pages", "serve")
SOURCE_FOLDERS = ("arxiv", "openalex", "s2")
MEMORY_CEILING_MB = 8 * 1024
TARGETS = {
    "ingest records/s": 10_000,
    "resolve seconds (1M works)": 3600,
    "score seconds (1M works)": 600,
    "page p95 ms, first visit": 100,
    "page p95 ms, repeated": 50,
    "keyword search p95 ms": 50,
    "semantic/hybrid search p95 ms": 80,
}


def stage_env(data_dir: Path, model: str) -> dict[str, str]:
    """What every stage and the server share: one data dir (the encoder's trained model and,
    on PostgreSQL, the vector index live there) and the encoder the search pages use."""
    return os.environ | {"PAPERSCOPE_DATA_DIR": str(data_dir), "PAPERSCOPE_EMBEDDING_MODEL": model}


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MB."""
    total_kb, todo = 0, [pid]
    while todo:
        process = Path(f"/proc/{todo.pop()}")
        try:
            status = (process / "status").read_text()
            for task in (process / "task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended meanwhile
        total_kb += next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
    return total_kb / 1024


def run_stage(command: list[str], log: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run one `paperscope` command to its end; its wall time, its own peak RSS (wait4) and
    the peak of its whole process tree's (sampled twice a second: `resolve`'s workers)."""
    started = time.perf_counter()
    tree_peak = [0.0]
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(command)}\n".encode())
        out.flush()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)

        def sample() -> None:
            while process.returncode is None:
                tree_peak[0] = max(tree_peak[0], tree_rss_mb(process.pid))
                time.sleep(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:3])} failed (see {log})")
    # wait4's peak can hold the parent's memory (a child's RSS counts from its fork, before
    # exec), the sampled one the tree at once: the ceiling is read against the larger.
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "peak_tree_rss_mb": round(tree_peak[0])}  # fmt: skip


def corpus_records(corpus: Path) -> tuple[int, int]:
    """(works the generator made, records in its files)."""
    summary = json.loads((corpus / "corpus.json").read_text())
    return int(summary["works"]), sum(int(n) for n in summary["records"].values())


def raw_bulk_load(url: str, target: str, ingest_seconds: float) -> dict[str, Any]:
    """The rows `ingest` wrote into `url`, loaded again into the fresh database `target` by
    the driver's plainest bulk path (bench/ingest.py's `bulk_load`: `executemany` on SQLite,
    COPY on PostgreSQL) right after the ingest, and ingest's speed as a share of it. A SQLite
    `target` is removed before and after (9 GB at 1M)."""
    _remove_sqlite(target)
    try:
        seconds, rows = bulk_load(url, target)
    finally:
        _remove_sqlite(target)
    return {
        "bulk_method": "COPY" if url.startswith("postgresql") else "executemany",
        "bulk_seconds": round(seconds, 1),
        "bulk_rows": rows,
        "ratio_to_bulk": round(seconds / ingest_seconds, 3),
    }


def pipeline(
    url: str,
    corpus: Path,
    stages: list[str],
    model: str,
    data_dir: Path,
    raw_url: str | None = None,
) -> dict[str, Any]:
    works, records = corpus_records(corpus)
    commands = {
        "ingest": ["ingest", *(str(corpus / folder) for folder in SOURCE_FOLDERS)],
        "resolve": ["resolve", "--full"],
        "enrich": ["enrich", "--model", model],
        "score": ["score", "--full"],
        "pages": ["pages"],
    }
    results: dict[str, Any] = {}
    for stage in stages:
        if stage not in commands:
            continue
        command = [PAPERSCOPE, *commands[stage], "--database", url]
        result = run_stage(command, data_dir / "stages.log", stage_env(data_dir, model))
        if stage == "ingest":
            result["records_per_s"] = round(records / result["seconds"])
        else:
            result["works_per_s"] = round(works / result["seconds"])
        peak = max(result["peak_rss_mb"], result["peak_tree_rss_mb"])
        result["under_memory_ceiling"] = peak <= MEMORY_CEILING_MB
        results[stage] = result
        rate = result.get("records_per_s") or result.get("works_per_s")
        print(
            f"  {stage:8} {result['seconds']:9.1f} s  {rate:>9,}/s  "
            f"peak RSS {result['peak_rss_mb']:>6,} MB, with its workers "
            f"{result['peak_tree_rss_mb']:>6,} MB (ceiling {MEMORY_CEILING_MB:,})",
            flush=True,
        )
        if stage == "ingest" and raw_url is not None:
            result |= raw_bulk_load(url, raw_url, result["seconds"])
            print(
                f"  {'raw':8} {result['bulk_seconds']:9.1f} s  "
                f"{round(records / result['bulk_seconds']):>9,}/s  {result['bulk_method']} of "
                f"the {result['bulk_rows']:,} rows ingest wrote: ingest/raw "
                f"{result['ratio_to_bulk']:.2f} (target 0.5)",
                flush=True,
            )
    return results


def more_targets(url: str) -> dict[str, str]:
    """The most cited work's page and neighbourhood, trending, and the three search modes."""
    from sqlalchemy import func, select

    from paperscope.store import Store
    from paperscope.store.schema import references

    store = Store.open(url, migrate=False)
    with store.connect() as connection:
        cited = connection.execute(
            select(references.c.cited_work_id)
            .where(references.c.cited_work_id.is_not(None))
            .group_by(references.c.cited_work_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar()
    store.close()
    query = "graph neural networks for molecule property prediction"
    targets = {"trending": "/trending"}
    if cited is not None:
        targets |= {
            "paper page (most cited)": f"/paper/{cited}",
            "neighbourhood (most cited)": f"/paper/{cited}/neighbourhood",
        }
    return targets | {
        f"{mode} search": "/search?" + urlencode({"q": query, "mode": mode})
        for mode in ("keyword", "semantic", "hybrid")
    }


@contextmanager
def serving(url: str, data_dir: Path, model: str) -> Iterator[tuple[str, float]]:
    """The server on a free port, answering and done warming up: its address, and how long
    after it answered its warm-up ran (first visits are timed from then: pages during the
    warm-up share the disk with 7 GB of reading ahead at a million works)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = stage_env(data_dir, model)
    command = [PAPERSCOPE, "serve", "--port", str(port), "--database", url, "--no-access-log"]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_up(base, timeout=300)
        yield base, wait_warm(base, timeout=900)
    finally:
        server.terminate()
        server.wait(timeout=60)


def pages(url: str, data_dir: Path, model: str, duration: int, connections: int) -> dict[str, Any]:
    targets = pick_targets(url) | more_targets(url)
    results: dict[str, Any] = {}
    with serving(url, data_dir, model) as (base, warming), tempfile.TemporaryDirectory() as tmp:
        results["warm-up after start s"] = round(warming, 1)
        print(f"  warm-up after the server answered: {warming:.1f} s")
        warmup, names = first_visit_names(url)
        # The most printed names' last words: "wang" ends 254,688 authorships at 1M.
        surnames = list(dict.fromkeys(name_key(name).split()[-1] for name in names))
        results["author page, first visit"] = cold_latency(base, warmup, names)
        print(f"  author page, first visit  p95 {results['author page, first visit']['p95_ms']} ms")
        searches = {
            "venue and category pages, first visit": scope_paths(url),
            "people search, first visit": (
                "/people?" + urlencode({"q": warmup}),
                ["/people?" + urlencode({"q": name}) for name in names[:10]],
            ),
            "people search by surname, first visit": (
                "/people?" + urlencode({"q": surnames[0]}),
                ["/people?" + urlencode({"q": surname}) for surname in surnames[1:11]],
            ),
            "experts, first visit": (
                "/experts?" + urlencode({"q": TOPICS[0]}),
                ["/experts?" + urlencode({"q": topic}) for topic in TOPICS[1:]],
            ),
        } | {
            f"{mode} search, first visit": (
                "/search?" + urlencode({"q": TOPICS[0], "mode": mode}),
                ["/search?" + urlencode({"q": topic, "mode": mode}) for topic in TOPICS[1:]],
            )
            for mode in ("keyword", "semantic", "hybrid")
        }
        for mode in ("keyword", "semantic", "hybrid"):
            filtered = [
                "/search?" + urlencode({"q": topic, "mode": mode} | where)
                for topic, where in zip(TOPICS, FILTERS, strict=True)
            ]
            searches[f"filtered {mode} search, first visit"] = (filtered[0], filtered[1:])
        for label, (first, paths) in searches.items():
            results[label] = first_visits(base, first, paths)
            print(f"  {label}  p95 {results[label]['p95_ms']} ms")
        script = Path(tmp) / "p95.lua"
        script.write_text(LUA)
        for label, path in targets.items():
            result = drive(base + path, duration, connections, script)
            results[label] = {"path": path, **result}
            print(
                f"  {label:28} {result['requests_per_s']:8.1f} req/s  "
                f"p95 {result['p95_ms']:7.2f} ms  errors {result['errors']}",
                flush=True,
            )
    return results


def database_run(
    name: str, url: str, args: argparse.Namespace, workdir: Path, raw_url: str | None
) -> dict[str, Any]:
    print(f"{name}: {url}", flush=True)
    data_dir = workdir / name  # each database its own trained encoder and vector index
    data_dir.mkdir(exist_ok=True)
    raw = None if args.no_raw else raw_url
    stages = pipeline(url, args.corpus, args.stages, args.model, data_dir, raw)
    report: dict[str, Any] = {"stages": stages}
    if "serve" in args.stages:
        report["pages"] = pages(url, data_dir, args.model, args.duration, args.connections)
    report["disk_mb"] = disk_mb(url, workdir)
    return report


def _remove_sqlite(url: str) -> None:
    """Delete a SQLite database file with its WAL and shared-memory files (a no-op for a
    PostgreSQL URL: that database goes with its temporary server)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)


def disk_mb(url: str, workdir: Path) -> float | None:
    if url.startswith("sqlite:///"):
        return round(Path(url.removeprefix("sqlite:///")).stat().st_size / 2**20, 1)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        size = connection.execute(text("select pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return round(int(size) / 2**20, 1)


def merged(earlier: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """`earlier` results with this run's stages and pages added (a stage measured again
    replaces its earlier number); every run's load averages and disk are kept in `runs`.
    The database's disk is the largest measured: a sitting may run a stage on a freshly
    ingested copy that lacks the other stages' tables, and the sizing guide wants the
    database after the whole pipeline."""
    if earlier.get("corpus") != run["corpus"]:
        sys.exit(f"--merge: the results file is of {earlier.get('corpus')}, not {run['corpus']}")
    runs = earlier.pop("runs", [_run_summary(earlier)])
    result = {**earlier, "runs": [*runs, _run_summary(run)]}
    for name, report in run["databases"].items():
        before = result["databases"].setdefault(name, {"stages": {}})
        before["stages"] = {**before.get("stages", {}), **report["stages"]}
        if report.get("pages") is not None:
            before["pages"] = report["pages"]
        if report.get("disk_mb") is not None:
            before["disk_mb"] = max(before.get("disk_mb") or 0.0, report["disk_mb"])
    return result


def _run_summary(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "stages": {name: sorted(db.get("stages", {})) for name, db in report["databases"].items()},
        "disk_mb": {name: db.get("disk_mb") for name, db in report["databases"].items()},
        "load_average_at_start": report.get("load_average_at_start"),
        "load_average_at_end": report.get("load_average_at_end"),
        "model": report.get("model"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "var" / "bench" / "corpus-1m")
    parser.add_argument("--quick", action="store_true", help="the 100k slice (corpus-100k)")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--model", default="model2vec")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--postgres-url",
        help="run the PostgreSQL stages on this database instead of a temporary server's",
    )
    parser.add_argument(
        "--postgres-raw-url",
        help="with --postgres-url: an empty database for the raw COPY of ingest's rows (its ratio)",
    )
    parser.add_argument(
        "--identity-topics",
        choices=("none", "tokenlearn", "minilm"),
        default="none",
        help="title vectors in resolve (PAPERSCOPE_IDENTITY_TOPICS); tokenlearn trains a static "
        "title encoder on the corpus first; minilm adds ~9 h at 1M here",
    )
    parser.add_argument(
        "--no-raw",
        action="store_true",
        help="skip the raw bulk load of ingest's rows (its ratio; ~7 min more at 1M on SQLite)",
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workdir", type=Path, help="keep the databases and logs here")
    parser.add_argument("--results", type=Path, help="default: bench/results/scale[-quick].json")
    parser.add_argument(
        "--merge", action="store_true", help="add these stages to the results file's earlier ones"
    )
    args = parser.parse_args()
    args.stages = [stage for stage in args.stages.split(",") if stage]
    if args.quick and args.corpus.name == "corpus-1m":
        args.corpus = args.corpus.with_name("corpus-100k")
    if not (args.corpus / "corpus.json").exists():
        sys.exit(f"{args.corpus}: no corpus; write it: python bench/scale_corpus.py {args.corpus}")
    if "serve" in args.stages and shutil.which("wrk") is None:
        sys.exit("wrk is missing: bash scripts/install-system-deps.sh --bench (make bench)")
    # Every stage and the server inherit it (stage_env): without title vectors unless asked,
    # as the documented 1M runs were (MiniLM on a million titles is hours on 2 cores).
    os.environ["PAPERSCOPE_IDENTITY_TOPICS"] = args.identity_topics
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="paperscope-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    works, records = corpus_records(args.corpus)
    report: dict[str, Any] = {
        "corpus": str(args.corpus),
        "works": works,
        "records": records,
        "model": args.model,
        "identity_topics": args.identity_topics,
        "targets": TARGETS,
        "load_average_at_start": os.getloadavg(),
        "databases": {},
    }
    print(
        f"corpus {args.corpus}: {works:,} works in {records:,} records; work dir {workdir}; "
        f"resolve's title vectors: {args.identity_topics}"
    )
    if not args.skip_sqlite:
        url = f"sqlite:///{workdir / 'scale.db'}"
        raw = f"sqlite:///{workdir / 'raw.db'}"
        report["databases"]["sqlite"] = database_run("sqlite", url, args, workdir, raw)
    if args.postgres_url:
        # a server that outlives this run: its stages can be spread over several sittings
        # (no second database is made on it: the raw bulk load runs only if given one)
        report["databases"]["postgresql"] = database_run(
            "postgresql", args.postgres_url, args, workdir, args.postgres_raw_url
        )
    elif not args.skip_postgres:
        server = start_server()
        try:
            url, raw = server.new_database("scale"), server.new_database("scale_raw")
            report["databases"]["postgresql"] = database_run("postgresql", url, args, workdir, raw)
        finally:
            server.stop()
    report["load_average_at_end"] = os.getloadavg()
    report["peak_rss_mb_of_this_script"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    name = "scale-quick.json" if args.quick else "scale.json"
    results = args.results or ROOT / "bench" / "results" / name
    if args.merge and results.exists():
        report = merged(json.loads(results.read_text()), report)
    results.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {results}")


if __name__ == "__main__":
    main()

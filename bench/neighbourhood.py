"""Citation neighbourhoods: can "prior works" rebuild a paper's hidden reference list, and how
fast is a neighbourhood page?

Quality (AAN, ../shared/data/aan: 18k ACL papers, titles only, 95k citation edges):
1. Ingests AAN with the pipeline's ingest stage into WORKDIR/aan.db and embeds the titles
   with the `model2vec` encoder (the enrich stage), once; later runs reuse both.
2. Draws a seeded sample of papers with at least 5 references to stored papers, leaving out
   the 100 papers the weights were tuned on (`--dev` runs on those).
3. For each, computes its neighbourhood as if its own reference edges were absent
   (`neighbourhood(..., hidden=True)`: no coupling, no direct links to its references, its
   edges left out of every count) and takes the first 20 "prior works"; recall@20 is the
   share of its true in-corpus references among them (macro mean over papers).
4. Baselines in the same run, each also limited to works not newer than the paper (as prior
   works are): the 20 works most similar by the same stored model2vec title embeddings
   (`search.similar_works`), and the 20 most similar by TF-IDF over titles (scikit-learn,
   word unigrams and bigrams, sublinear tf).

Speed at 131k works: AAN and the 113k ACM-CR BibTeX records (../shared/data/acm-cr; ACM-CR
has no citation edges of its own, so the AAN papers carry the graph while the text index
covers all 131k), ingested and embedded (model2vec) once into WORKDIR/big.db.
(a) In-process, one request at a time: the neighbourhood computation, and the whole page
    (`GET /paper/N/neighbourhood` through the app: computation, work summaries, layout, SVG,
    HTML), for the sampled papers and for the 20 most cited AAN papers (hubs); wall-clock and
    CPU time (CPU is what the page costs whatever else the machine runs).
(b) Served: `paperscope serve` on loopback, `--clients` concurrent clients asking for the
    page of 300 other papers once each (first visits, nothing cached).
Each after one warm-up request on a paper not measured. Target: page p95 <= 200 ms.

Usage: python bench/neighbourhood.py [--shared ../shared] [--workdir DIR] [--sample 300]
       [--seed 18] [--dev] [--skip-speed] [--clients 4]
       [--results bench/results/neighbourhood.json]
WORKDIR defaults to $TMPDIR/paperscope-bench-neighbourhood (outside the repository); the
first run ingests and embeds for ~10 minutes of CPU, later runs take ~3 minutes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sqlalchemy import func, select  # noqa: E402

from paperscope.config import Settings  # noqa: E402
from paperscope.pipeline.runner import run_stage  # noqa: E402
from paperscope.pipeline.stages import RunOptions  # noqa: E402
from paperscope.read import citation_graph  # noqa: E402
from paperscope.search.neighbourhood import WEIGHTS, Weights, neighbourhood  # noqa: E402
from paperscope.search.service import similar_works  # noqa: E402
from paperscope.store import Store  # noqa: E402
from paperscope.store.schema import references, work_ids, works  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "neighbourhood.json"
PAPERSCOPE = str(Path(sys.executable).with_name("paperscope"))
MODEL = "model2vec"
K = 20
MIN_REFERENCES = 5
DEV_SEED = 1
DEV_SIZE = 100
"""The weights were chosen on these papers (`--dev`); reported samples leave them out."""
TARGET_P95_MS = 200.0


def build(store: Store, settings: Settings, paths: Sequence[Path]) -> None:
    """Ingest `paths` and embed every work, unless a previous run did."""
    with store.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(works)).scalar_one()
    if not stored:
        started = time.perf_counter()
        run_stage(store, settings, "ingest", RunOptions(paths=tuple(paths)))
        print(f"ingest: {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    run_stage(store, settings, "enrich", RunOptions(model=MODEL, batch_size=256))
    print(f"enrich ({MODEL}): {time.perf_counter() - started:.0f} s", flush=True)


def open_store(workdir: Path, name: str) -> tuple[Store, Settings]:
    url = f"sqlite:///{workdir / name}"
    settings = Settings(data_dir=workdir / "data", embedding_model=MODEL, database_url=url)
    return Store.open(url), settings


def eligible_papers(store: Store) -> list[int]:
    """Papers citing at least MIN_REFERENCES stored papers, by id."""
    count = func.count(func.distinct(references.c.cited_work_id))
    query = (
        select(references.c.citing_work_id)
        .where(
            references.c.citing_work_id.is_not(None),
            references.c.cited_work_id.is_not(None),
            references.c.citing_work_id != references.c.cited_work_id,
        )
        .group_by(references.c.citing_work_id)
        .having(count >= MIN_REFERENCES)
        .order_by(references.c.citing_work_id)
    )
    with store.connect() as connection:
        return list(connection.execute(query).scalars())


def sample_papers(eligible: list[int], size: int, seed: int, dev: bool) -> list[int]:
    """The tuning sample (`dev`: DEV_SIZE papers drawn with DEV_SEED), or `size` papers
    drawn with `seed` from the others, so reported numbers are never on tuned papers."""
    tuned = random.Random(DEV_SEED).sample(eligible, min(DEV_SIZE, len(eligible)))
    if dev:
        return sorted(tuned)
    rest = sorted(set(eligible) - set(tuned))
    return sorted(random.Random(seed).sample(rest, min(size, len(rest))))


class TitleTfidf:
    """TF-IDF over every stored title, and the nearest titles to one work's."""

    def __init__(self, store: Store) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        with store.connect() as connection:
            rows = connection.execute(
                select(works.c.id, works.c.title, works.c.year).order_by(works.c.id)
            ).all()
        self.ids = np.array([r.id for r in rows], dtype=np.int64)
        self.years = np.array([r.year or 0 for r in rows], dtype=np.int64)
        self.row_of = {int(w): i for i, w in enumerate(self.ids)}
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
        self.matrix = vectorizer.fit_transform([r.title for r in rows])

    def nearest(self, work_id: int, year: int | None, k: int) -> list[int]:
        row = self.row_of[work_id]
        scores = (self.matrix @ self.matrix[row].T).toarray().ravel()
        scores[row] = -1.0
        if year:
            scores[(self.years > year) & (self.years > 0)] = -1.0
        top = np.argsort(-scores, kind="stable")[:k]
        return [int(self.ids[i]) for i in top if scores[i] > 0]


def recall(found: Sequence[int], truth: set[int]) -> float:
    return len(set(found[:K]) & truth) / len(truth)


def _embedding_baseline(
    store: Store, settings: Settings, work_id: int, year: int | None, years: dict[int, int | None]
) -> list[int]:
    hits = similar_works(store, work_id, settings, 100)
    kept = [h.work_id for h in hits if not year or (years.get(h.work_id) or 0) <= year]
    return kept[:K]


def quality(
    store: Store, settings: Settings, sample: list[int], weights: Weights
) -> dict[str, Any]:
    tfidf = TitleTfidf(store)
    with store.connect() as connection:
        years = {w: y for w, y in connection.execute(select(works.c.id, works.c.year))}
    rows: dict[str, list[float]] = {"prior works": [], "embedding": [], "tfidf": []}
    seconds: list[float] = []
    truths: list[int] = []
    for number, work_id in enumerate(sample, 1):
        with store.connect() as connection:
            truth = set(citation_graph.cited_by_work(connection, work_id, 10_000))
        truths.append(len(truth))
        year = years.get(work_id)
        started = time.perf_counter()
        found = neighbourhood(store, settings, work_id, hidden=True, weights=weights)
        seconds.append(time.perf_counter() - started)
        rows["prior works"].append(recall([r.work_id for r in found.prior], truth))
        rows["embedding"].append(
            recall(_embedding_baseline(store, settings, work_id, year, years), truth)
        )
        rows["tfidf"].append(recall(tfidf.nearest(work_id, year, K), truth))
        if number % 50 == 0:
            means = ", ".join(f"{k} {statistics.fmean(v):.3f}" for k, v in rows.items())
            print(f"  {number}/{len(sample)}: recall@{K} {means}", flush=True)
    return {
        "papers": len(sample),
        "references_per_paper": {
            "mean": round(statistics.fmean(truths), 1),
            "median": statistics.median(truths),
        },
        "recall_at_20": {name: round(statistics.fmean(v), 4) for name, v in rows.items()},
        "papers_with_any_hit": {name: sum(1 for x in v if x > 0) for name, v in rows.items()},
        "hidden_neighbourhood_ms": percentiles(seconds),
    }


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "p50": round(float(np.percentile(ms, 50)), 1),
        "p95": round(float(np.percentile(ms, 95)), 1),
        "max": round(ms[-1], 1),
    }


def aan_ids(store: Store, work_ids_: Sequence[int]) -> list[str]:
    with store.connect() as connection:
        rows = dict(
            connection.execute(
                select(work_ids.c.work_id, work_ids.c.value).where(
                    work_ids.c.scheme == "aan", work_ids.c.work_id.in_(list(work_ids_))
                )
            ).all()
        )
    return [rows[w] for w in work_ids_ if w in rows]


def by_aan_id(store: Store, values: Sequence[str]) -> list[int]:
    with store.connect() as connection:
        rows = dict(
            connection.execute(
                select(work_ids.c.value, work_ids.c.work_id).where(
                    work_ids.c.scheme == "aan", work_ids.c.value.in_(list(values))
                )
            ).all()
        )
    return [rows[v] for v in values if v in rows]


def most_cited(store: Store, limit: int) -> list[int]:
    count = func.count(func.distinct(references.c.citing_work_id))
    query = (
        select(references.c.cited_work_id)
        .where(references.c.cited_work_id.is_not(None), references.c.citing_work_id.is_not(None))
        .group_by(references.c.cited_work_id)
        .order_by(count.desc(), references.c.cited_work_id)
        .limit(limit)
    )
    with store.connect() as connection:
        return list(connection.execute(query).scalars())


def timed(call: Callable[[int], object], ids: Sequence[int], warm: int) -> dict[str, Any]:
    """Wall-clock and CPU (this process, all threads) milliseconds per call, after a warm-up
    call on `warm` (not among `ids`: pages are cached for 30 s, each id is asked once)."""
    call(warm)  # models, indexes and caches load once per process
    wall, cpu = [], []
    for work_id in ids:
        started, used = time.perf_counter(), time.process_time()
        call(work_id)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return {"wall": percentiles(wall), "cpu": percentiles(cpu)}


def speed(
    store: Store, settings: Settings, sample: list[int], hubs: list[int], warm: int
) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from paperscope.web.app import create_app

    client = TestClient(create_app(settings, store))

    def page(work_id: int) -> None:
        response = client.get(f"/paper/{work_id}/neighbourhood")
        assert response.status_code == 200, (work_id, response.status_code)

    def compute(work_id: int) -> None:
        neighbourhood(store, settings, work_id)

    with store.connect() as connection:
        size = connection.execute(select(func.count()).select_from(works)).scalar_one()
        edges = connection.execute(select(func.count()).select_from(references)).scalar_one()
    result: dict[str, Any] = {
        "works": size,
        "reference_edges": edges,
        "load_average_before": [round(x, 1) for x in os.getloadavg()],
    }
    for label, ids in (("sample", sample), ("hubs", hubs)):
        result[f"{label}_computation_ms"] = timed(compute, ids, warm)
        result[f"{label}_page_ms"] = timed(page, ids, warm)
        print(f"  {label}: page {result[f'{label}_page_ms']}", flush=True)
    result["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    worst = max(result["sample_page_ms"]["wall"]["p95"], result["hubs_page_ms"]["wall"]["p95"])
    result["target_p95_ms"] = TARGET_P95_MS
    result["meets_target"] = worst <= TARGET_P95_MS
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def served(workdir: Path, ids: Sequence[int], warm: int, clients: int) -> dict[str, Any]:
    """`paperscope serve` on WORKDIR/big.db, `clients` concurrent clients asking for the
    neighbourhood page of each of `ids` once (first visits: nothing cached)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"sqlite:///{workdir / 'big.db'}"
    env = os.environ | {
        "PAPERSCOPE_DATA_DIR": str(workdir / "data"),
        "PAPERSCOPE_EMBEDDING_MODEL": MODEL,
    }
    command = [PAPERSCOPE, "serve", "--port", str(port), "--database", url, "--no-access-log"]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def fetch(work_id: int) -> float:
        started = time.perf_counter()
        with urlopen(f"{base}/paper/{work_id}/neighbourhood", timeout=120) as response:
            response.read()
            assert response.status == 200
        return time.perf_counter() - started

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                fetch(warm)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            seconds = list(pool.map(fetch, ids))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "clients": clients,
        "pages_per_s": round(len(ids) / elapsed, 1),
        "wall": percentiles(seconds),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "paperscope-bench-neighbourhood",
    )
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--weights", help="co_citation,coupling,text,direct (tuning only)")
    parser.add_argument("--dev", action="store_true", help="the tuning sample (see DEV_SEED)")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (served)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    aan = args.shared / "data" / "aan"
    acm = args.shared / "data" / "acm-cr" / "acm-dl-bibtex.tar.gz"
    if not aan.is_dir():
        print(f"AAN is not at {aan}: nothing to measure", file=sys.stderr)
        return 2
    weights = WEIGHTS
    if args.weights:
        weights = Weights(*(float(x) for x in args.weights.split(",")))
    args.workdir.mkdir(parents=True, exist_ok=True)
    store, settings = open_store(args.workdir, "aan.db")
    build(store, settings, [aan])
    eligible = eligible_papers(store)
    print(f"{len(eligible)} papers cite >= {MIN_REFERENCES} stored papers", flush=True)
    sample = sample_papers(eligible, args.sample, args.seed, args.dev)
    label = "the tuning sample" if args.dev else f"seed {args.seed}, tuning sample left out"
    print(f"quality on {len(sample)} papers ({label}), weights {weights}", flush=True)
    report: dict[str, Any] = {
        "data": "AAN (../shared/data/aan): 18,041 papers, titles only",
        "encoder": MODEL,
        "sample": label,
        "weights": dataclasses.asdict(weights),
        "quality": quality(store, settings, sample, weights),
    }
    print(json.dumps(report["quality"], indent=2), flush=True)
    sample_aan = aan_ids(store, sample)
    hubs_aan = aan_ids(store, most_cited(store, 20))
    warm_aan = aan_ids(store, [min(set(eligible) - set(sample))])
    if not args.skip_speed and acm.is_file():
        big, big_settings = open_store(args.workdir, "big.db")
        build(big, big_settings, [aan, acm])
        print("speed at AAN + ACM-CR", flush=True)
        report["speed"] = {
            "data": "AAN + ACM-CR (113k BibTeX records): one SQLite file, model2vec index",
            **speed(
                big,
                big_settings,
                by_aan_id(big, sample_aan),
                by_aan_id(big, hubs_aan),
                by_aan_id(big, warm_aan)[0],
            ),
        }
        print(f"served, {args.clients} concurrent clients", flush=True)
        others = sorted(set(eligible) - set(sample))
        second = random.Random(args.seed + 1).sample(others, min(args.sample, len(others)))
        report["speed"]["served_first_visits"] = served(
            args.workdir,
            by_aan_id(big, aan_ids(store, second)),
            by_aan_id(big, warm_aan)[0],
            args.clients,
        )
        big.close()
        print(json.dumps(report["speed"], indent=2), flush=True)
    store.close()
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

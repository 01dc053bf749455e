"""Citation neighbourhoods: can "prior works" rebuild a paper's hidden reference list, and how
fast is a neighbourhood page?

Quality (AAN, ../shared/data/aan: 18k ACL papers, titles only, 95k citation edges):
1. Ingests AAN with the pipeline's ingest stage into WORKDIR/aan.db and embeds the titles
   with the `model2vec` encoder (the enrich stage), once; later runs reuse both.
2. Draws a seeded sample of papers with at least 5 references to stored papers.
3. For each, computes its neighbourhood as if its own reference edges were absent
   (`neighbourhood(..., hidden=True)`: no coupling, no direct links to its references, its
   edges left out of every count) and takes the first 20 "prior works"; recall@20 is the
   share of its true in-corpus references among them (macro mean over papers).
4. Baselines in the same run, each also limited to works not newer than the paper (as prior
   works are): the 20 works most similar by the same stored model2vec title embeddings
   (`search.similar_works`), and the 20 most similar by TF-IDF over titles (scikit-learn,
   word unigrams and bigrams, sublinear tf).

Speed: the neighbourhood of papers at 131k works: AAN and the 113k ACM-CR BibTeX records
(../shared/data/acm-cr; ACM-CR has no citation edges of its own, so the AAN papers carry the
graph while the text index covers all 131k), ingested and embedded (model2vec) once into
WORKDIR/big.db. Times (a) the neighbourhood computation and (b) the whole page
(`GET /paper/N/neighbourhood` in-process: computation, work summaries, layout, SVG, HTML) for
the sampled papers and for the 20 most cited AAN papers (hubs), after one warm-up request.
Target: page p95 <= 200 ms.

Usage: python bench/neighbourhood.py [--shared ../shared] [--workdir DIR] [--sample 300]
       [--seed 18] [--skip-speed] [--results bench/results/neighbourhood.json]
WORKDIR defaults to $TMPDIR/paperscope-bench-neighbourhood (outside the repository).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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
MODEL = "model2vec"
K = 20
MIN_REFERENCES = 5
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


def sample_papers(store: Store, size: int, seed: int) -> list[int]:
    """`size` papers (seeded) citing at least MIN_REFERENCES stored papers."""
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
        eligible = list(connection.execute(query).scalars())
    print(f"{len(eligible)} papers cite >= {MIN_REFERENCES} stored papers", flush=True)
    return sorted(random.Random(seed).sample(eligible, min(size, len(eligible))))


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


def timed(call: Callable[[int], object], ids: Sequence[int]) -> dict[str, float]:
    call(ids[0])  # warm-up: models, indexes and caches load once per process
    seconds = []
    for work_id in ids:
        started = time.perf_counter()
        call(work_id)
        seconds.append(time.perf_counter() - started)
    return percentiles(seconds)


def speed(store: Store, settings: Settings, sample: list[int], hubs: list[int]) -> dict[str, Any]:
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
    result: dict[str, Any] = {"works": size, "reference_edges": edges}
    for label, ids in (("sample", sample), ("hubs", hubs)):
        result[f"{label}_computation_ms"] = timed(compute, ids)
        result[f"{label}_page_ms"] = timed(page, ids)
        print(f"  {label}: {result[f'{label}_page_ms']}", flush=True)
    every = result["sample_page_ms"]["p95"], result["hubs_page_ms"]["p95"]
    result["target_p95_ms"] = TARGET_P95_MS
    result["meets_target"] = max(every) <= TARGET_P95_MS
    return result


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
    parser.add_argument("--skip-speed", action="store_true")
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
    sample = sample_papers(store, args.sample, args.seed)
    print(f"quality on {len(sample)} papers (seed {args.seed}), weights {weights}", flush=True)
    report: dict[str, Any] = {
        "data": "AAN (../shared/data/aan): 18,041 papers, titles only",
        "encoder": MODEL,
        "seed": args.seed,
        "weights": dataclasses.asdict(weights),
        "quality": quality(store, settings, sample, weights),
    }
    print(json.dumps(report["quality"], indent=2), flush=True)
    sample_aan = aan_ids(store, sample)
    hubs_aan = aan_ids(store, most_cited(store, 20))
    store.close()
    if not args.skip_speed and acm.is_file():
        big, big_settings = open_store(args.workdir, "big.db")
        build(big, big_settings, [aan, acm])
        print("speed at AAN + ACM-CR", flush=True)
        report["speed"] = {
            "data": "AAN + ACM-CR (113k BibTeX records): one SQLite file, model2vec index",
            **speed(big, big_settings, by_aan_id(big, sample_aan), by_aan_id(big, hubs_aan)),
        }
        big.close()
        print(json.dumps(report["speed"], indent=2), flush=True)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

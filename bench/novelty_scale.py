"""Novelty's cost at scale: `metrics.novelty.novelty` beside its previous formulation (the
baseline, kept below: every block's similarities copied once more and masked whole), in one
process on the same vectors, with a check that both give the same values.

Novelty compares every work with every earlier one, so its time grows with the square of the
works; each line also projects the time to a million works from the measured one.

Vectors:
- `clustered`: `--size` unit vectors around topics, `--dim` wide, days over 30 years;
- `ACM-CR` (`--acm-cr`): its 113k works embedded by `--model` (model2vec by default), each
  dated by its publication day or the middle of its year;
- `TF-IDF` (`--database`): the TF-IDF vectors `score` makes when there are no embeddings, of
  the first `--tfidf-size` works of a database (title and abstract), dated by publication.

Usage: python bench/novelty_scale.py [--size 100000] [--dim 256] [--acm-cr ../shared/data/acm-cr]
         [--database sqlite:///scale.db --tfidf-size 50000] [--workdir var/search-bench]
         [--results bench/results/novelty_scale.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.metrics.novelty import novelty

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
RESULTS = ROOT / "bench" / "results" / "novelty_scale.json"
MILLION = 1_000_000


def previous_novelty(vectors: Any, day: np.ndarray) -> np.ndarray:
    """The baseline: novelty as computed before (same definition, same blocks)."""
    count = vectors.shape[0]
    result = np.full(count, np.nan)
    known = ~np.isnan(day)
    pool = np.flatnonzero(known)
    pool = pool[np.argsort(day[pool], kind="stable")]
    pool_days = day[pool]
    pool_vectors = vectors[pool]
    wanted = pool  # every known row, in day order
    for start in range(0, wanted.size, 1024):
        block = wanted[start : start + 1024]
        limits = np.searchsorted(pool_days, day[block], side="left")
        span = int(limits.max())
        if span == 0:
            continue
        similarity = vectors[block] @ pool_vectors[:span].T
        similarity = np.array(
            similarity.toarray() if hasattr(similarity, "toarray") else similarity,
            dtype=np.float32,
        )
        similarity[np.arange(span)[None, :] >= limits[:, None]] = -np.inf
        best = similarity.max(axis=1).astype(np.float64)
        best[limits == 0] = np.nan
        result[block] = 1.0 - np.clip(best, -1.0, 1.0)
    return result


def clustered(size: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(max(64, size // 500), dim)).astype(np.float32)
    vectors = topics[rng.integers(0, len(topics), size)]
    vectors += 0.8 * rng.normal(size=(size, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    day = rng.integers(0, 30 * 365, size).astype(np.float64)
    day[rng.random(size) < 0.01] = np.nan
    return vectors, day


def day_number(published: date | None, year: int | None) -> float:
    if published:
        return float(published.toordinal())
    return float(date(year, 7, 1).toordinal()) if year else np.nan


def acm_vectors(folder: Path, workdir: Path, model: str) -> tuple[np.ndarray, np.ndarray]:
    """ACM-CR's works embedded by `model`, and their days."""
    from sqlalchemy import select

    from paperscope.embeddings.encoders import get_encoder
    from paperscope.embeddings.vectors import embed_works, load_embeddings
    from paperscope.store.schema import works
    from search_quality import acm_store

    workdir.mkdir(parents=True, exist_ok=True)
    store = acm_store(folder, workdir)
    embed_works(store, get_encoder(model, workdir), batch_size=256)
    with store.connect() as connection:
        ids, matrix = load_embeddings(connection, model)
        dated = connection.execute(select(works.c.id, works.c.published, works.c.year)).all()
    store.close()
    days = {work_id: day_number(published, year) for work_id, published, year in dated}
    return np.asarray(matrix, dtype=np.float32), np.array([days[int(i)] for i in ids])


def tfidf_of(url: str, size: int) -> tuple[Any, np.ndarray]:
    """TF-IDF vectors of the first `size` works of a database, and their days."""
    from sqlalchemy import select

    from paperscope.metrics.text import tfidf_vectors
    from paperscope.store import Store
    from paperscope.store.schema import works

    store = Store.open(url, migrate=False)
    query = select(works.c.title, works.c.abstract, works.c.published, works.c.year)
    with store.connect() as connection:
        rows = connection.execute(query.order_by(works.c.id).limit(size)).all()
    store.close()
    texts = [f"{title or ''} {abstract or ''}" for title, abstract, _, _ in rows]
    day = np.array([day_number(published, year) for _, _, published, year in rows])
    return tfidf_vectors(texts).vectors, day


def side_by_side(vectors: Any, day: np.ndarray, label: str) -> dict[str, Any]:
    started = time.perf_counter()
    baseline = previous_novelty(vectors, day)
    baseline_s = time.perf_counter() - started
    started = time.perf_counter()
    current = novelty(vectors, day)
    current_s = time.perf_counter() - started
    works = vectors.shape[0]
    result = {
        "works": works,
        "dim": int(vectors.shape[1]),
        "sparse": hasattr(vectors, "toarray"),
        "seconds": round(current_s, 1),
        "baseline_seconds": round(baseline_s, 1),
        "same_values": bool(np.allclose(current, baseline, atol=1e-6, equal_nan=True)),
        "seconds_at_1m_projected": round(current_s * (MILLION / works) ** 2),
    }
    print(
        f"{label:9} {works:>9,} works x {result['dim']:>7,}: {result['seconds']:7.1f} s "
        f"(baseline {result['baseline_seconds']:7.1f} s, {baseline_s / current_s:.2f}x); same "
        f"values: {result['same_values']}; at 1M works ~{result['seconds_at_1m_projected']:,} s",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--acm-cr", type=Path, help="also ACM-CR's real vectors")
    parser.add_argument("--model", default="model2vec")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "search-bench")
    parser.add_argument("--database", help="also TF-IDF vectors of this database's works")
    parser.add_argument("--tfidf-size", type=int, default=50_000)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    report: dict[str, Any] = {"load_average_at_start": os.getloadavg(), "runs": {}}
    vectors, day = clustered(args.size, args.dim, seed=1)
    report["runs"]["clustered"] = side_by_side(vectors, day, "clustered")
    if args.acm_cr:
        vectors, day = acm_vectors(args.acm_cr, args.workdir, args.model)
        report["runs"]["ACM-CR"] = {"model": args.model, **side_by_side(vectors, day, "ACM-CR")}
    if args.database:
        matrix, day = tfidf_of(args.database, args.tfidf_size)
        report["runs"]["TF-IDF"] = side_by_side(matrix, day, "TF-IDF")
    report["load_average_at_end"] = os.getloadavg()
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()

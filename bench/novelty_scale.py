"""Novelty's cost at scale: `metrics.novelty.novelty` as `score` runs it (on a CPU with native
bfloat16, screened in bfloat16 and proven exact) beside the float32 comparison of every pair
(the baseline, `screen=False`), and where the projected screen applies (a few principal
directions hold most of the energy) beside the same screen of the whole vectors
(`project=False`, which must give identical values), in one process on the same vectors,
with a check that the screen and the baseline give the same values: the same works without
novelty, and a largest error against float64 brute force on 1,000 sampled works within 1e-6
(the baseline's own error is printed beside: its float32 sums carry about that much
rounding).

Novelty compares every work with every earlier one, so its time grows with the square of the
works; each line also projects the time to a million works from the measured one.

Vectors:
- `clustered`: `--size` unit vectors around topics, `--dim` wide, days over 30 years;
- `ACM-CR` (`--acm-cr`): its 113k works embedded by `--model` (model2vec by default), each
  dated by its publication day or the middle of its year;
- `TF-IDF` (`--database`): the TF-IDF vectors `score` makes when there are no embeddings, of
  the first `--tfidf-size` works of a database (title and abstract), dated by publication;
- `stored` (`--stored-database`, `--stored-model`, `--stored-size`): the first works' vectors
  as `enrich` stored them (e.g. the 1M run's tokenlearn vectors), dated by publication.

Usage: python bench/novelty_scale.py [--size 100000] [--dim 256] [--acm-cr ../shared/data/acm-cr]
         [--database sqlite:///scale.db --tfidf-size 50000] [--workdir var/search-bench]
         [--stored-database sqlite:///scale.db --stored-model tokenlearn --stored-size 200000]
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

from paperscope.metrics.novelty import bfloat16_is_native, novelty
from paperscope.metrics.novelty_screen import _Projection

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
RESULTS = ROOT / "bench" / "results" / "novelty_scale.json"
MILLION = 1_000_000


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


def stored_vectors(url: str, model: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `size` works' stored vectors of `model`, and their days."""
    from sqlalchemy import select

    from paperscope.embeddings.vectors import load_embeddings
    from paperscope.store import Store
    from paperscope.store.schema import works

    store = Store.open(url, migrate=False)
    with store.connect() as connection:
        first = connection.execute(select(works.c.id).order_by(works.c.id).limit(size))
        ids, matrix = load_embeddings(connection, model, [row[0] for row in first])
        query = select(works.c.id, works.c.published, works.c.year)
        days = {
            i: day_number(p, y)
            for i, p, y in connection.execute(query.where(works.c.id <= int(ids.max())))
        }
    store.close()
    return matrix, np.array([days[int(i)] for i in ids])


def largest_error(vectors: Any, day: np.ndarray, values: np.ndarray, sample: np.ndarray) -> float:
    """Largest |value - float64 brute force| over the sampled rows."""
    matrix = vectors.astype(np.float64)
    errors = []
    for rows in np.array_split(sample, max(1, sample.size // 50)):
        similarity = matrix[rows] @ matrix.T
        if hasattr(similarity, "toarray"):
            similarity = similarity.toarray()
        similarity[~(day[None, :] < day[rows][:, None])] = -np.inf
        best = similarity.max(axis=1)
        exact = np.where(np.isfinite(best), 1 - np.clip(best, -1, 1), np.nan)
        errors.append(np.nanmax(np.abs(np.nan_to_num(values[rows] - exact, nan=0.0))))
    return float(max(errors))


def side_by_side(vectors: Any, day: np.ndarray, label: str) -> dict[str, Any]:
    started = time.perf_counter()
    baseline = novelty(vectors, day, screen=False)
    baseline_s = time.perf_counter() - started
    started = time.perf_counter()
    current = novelty(vectors, day)
    current_s = time.perf_counter() - started
    dense = not hasattr(vectors, "toarray")
    projection = _Projection.of(np.asarray(vectors, np.float32)) if dense else None
    whole_s = None
    if projection is not None:  # the same screen on the whole vectors
        started = time.perf_counter()
        whole = novelty(vectors, day, project=False)
        whole_s = time.perf_counter() - started
        assert np.array_equal(whole, current, equal_nan=True), "the projection changed values"
    works = vectors.shape[0]
    sample = np.random.default_rng(0).choice(works, size=min(1_000, works), replace=False)
    errors = [largest_error(vectors, day, values, sample) for values in (current, baseline)]
    same_nan = bool(np.array_equal(np.isnan(current), np.isnan(baseline)))
    result = {
        "works": works,
        "dim": int(vectors.shape[1]),
        "sparse": hasattr(vectors, "toarray"),
        "seconds": round(current_s, 1),
        "baseline_seconds": round(baseline_s, 1),
        "projected_head": None if projection is None else projection.head,
        "whole_vector_screen_seconds": None if whole_s is None else round(whole_s, 1),
        "largest_difference": float(np.nanmax(np.abs(current - baseline))),
        "largest_error_vs_float64": errors[0],
        "baseline_largest_error_vs_float64": errors[1],
        "same_values": same_nan and errors[0] <= 1e-6,
        "seconds_at_1m_projected": round(current_s * (MILLION / works) ** 2),
    }
    print(
        f"{label:9} {works:>9,} works x {result['dim']:>7,}: {result['seconds']:7.1f} s "
        f"(baseline {result['baseline_seconds']:7.1f} s, {baseline_s / current_s:.2f}x"
        + (f"; whole vectors screened {whole_s:.1f} s" if whole_s is not None else "")
        + f"); same "
        f"values: {result['same_values']} (largest error {errors[0]:.1e}, baseline's "
        f"{errors[1]:.1e}); at 1M works ~{result['seconds_at_1m_projected']:,} s",
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
    parser.add_argument("--stored-database", help="also the stored vectors of this database")
    parser.add_argument("--stored-model", default="tokenlearn")
    parser.add_argument("--stored-size", type=int, default=200_000)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    report: dict[str, Any] = {
        "load_average_at_start": os.getloadavg(),
        "bfloat16_screen": bfloat16_is_native(),
        "runs": {},
    }
    vectors, day = clustered(args.size, args.dim, seed=1)
    report["runs"]["clustered"] = side_by_side(vectors, day, "clustered")
    if args.acm_cr:
        vectors, day = acm_vectors(args.acm_cr, args.workdir, args.model)
        report["runs"]["ACM-CR"] = {"model": args.model, **side_by_side(vectors, day, "ACM-CR")}
    if args.database:
        matrix, day = tfidf_of(args.database, args.tfidf_size)
        report["runs"]["TF-IDF"] = side_by_side(matrix, day, "TF-IDF")
    if args.stored_database:
        matrix, day = stored_vectors(args.stored_database, args.stored_model, args.stored_size)
        run = side_by_side(matrix, day, "stored")
        report["runs"]["stored"] = {"model": args.stored_model, **run}
    report["load_average_at_end"] = os.getloadavg()
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()

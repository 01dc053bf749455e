"""Semantic search under filters on a large database: the route through the BM25 index's
filter fields (search.filtered_vectors) beside the baseline, the exact search among the
works the database lists (what every filtered semantic search ran before), in one process.

The ten topics of bench/scale.py each run under each of its eleven filters (categories,
dates, venue, code, author), for a page of 20 (`k` 20) and for hybrid's 200 candidates (`k`
200). Printed and written: recall of the route against the exact results (the share of the
exact `k` it returns), and p50 / p95 milliseconds of both, the encoding of the query left
out. The route is timed on the filter's first use (its ids read from the BM25 index) and
again with the filter used before (its ids remembered: search.kept_ids). Needs an embedded
database with its vector index and BM25 index in step.

Usage: python bench/filtered_semantic.py --database URL --data-dir DIR [--model tokenlearn]
         [--results bench/results/filtered_semantic.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import and_, select

from paperscope.config import Settings
from paperscope.embeddings.encoders import get_encoder
from paperscope.embeddings.index import open_index
from paperscope.search.bm25 import bm25_index
from paperscope.search.filtered_vectors import filtered_nearest
from paperscope.search.filters import SearchFilters, filter_conditions, filter_terms
from paperscope.store import Store
from paperscope.store.schema import works

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import FILTERS, TOPICS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "filtered_semantic.json"
WINDOW = 1000
BASELINE = "exact among the database's ids (baseline)"
SEEN_BEFORE = "through the BM25 index, the filter used before"


def as_filters(where: dict[str, str]) -> SearchFilters:
    """bench/scale.py's URL parameters as the filters the page makes of them."""
    return SearchFilters(
        category=where.get("category"),
        since=date.fromisoformat(where["since"]) if "since" in where else None,
        until=date.fromisoformat(where["until"]) if "until" in where else None,
        has_code="has_code" in where,
        author=where.get("author"),
        venue=where.get("venue"),
    )


def summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--model", default="tokenlearn")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    store = Store.open(args.database, migrate=False)
    settings = Settings(_env_file=None, data_dir=args.data_dir, embedding_model=args.model)  # type: ignore[call-arg]
    index = open_index(store, args.data_dir, args.model)
    encoder = get_encoder(args.model, args.data_dir)
    bm25 = bm25_index(store, settings)
    assert bm25 is not None
    bm25.rebuild()
    with store.connect() as connection:
        snapshot = bm25.in_step(connection)
    if snapshot is None:
        sys.exit("the BM25 index is behind the works: run `paperscope reindex` first")
    vectors = {topic: encoder.encode([topic])[0] for topic in TOPICS}
    report: dict[str, Any] = {"works": snapshot.size, "vectors": index.size, "k": {}}
    print(f"{store.dialect}: {snapshot.size:,} works, {index.size:,} vectors")
    for k in (20, 200):
        recalls, routed, again, exact_times = [], [], [], []
        for where in FILTERS:
            filters = as_filters(where)
            terms = filter_terms(filters)
            for topic in TOPICS:
                snapshot.kept.clear()  # the filter's first use: its ids read from the index
                started = time.perf_counter()
                found = filtered_nearest(index, vectors[topic], k, snapshot, terms, WINDOW)
                routed.append((time.perf_counter() - started) * 1000)
                assert found is not None
                # The filter used before (another topic, the next page): its ids remembered.
                # Nothing else is kept between searches, so the same topic times the same.
                started = time.perf_counter()
                assert filtered_nearest(index, vectors[topic], k, snapshot, terms, WINDOW)
                again.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                with store.connect() as connection:
                    query = select(works.c.id).where(and_(*filter_conditions(filters)))
                    ids = connection.execute(query).scalars()
                    allowed = np.fromiter(ids, dtype=np.int64)
                exact = index.search(vectors[topic], k, allowed)
                exact_times.append((time.perf_counter() - started) * 1000)
                if exact:
                    same = {w for w, _ in found[0]} & {w for w, _ in exact}
                    recalls.append(len(same) / len(exact))
        recalls.sort()
        report["k"][str(k)] = {
            "searches": len(routed),
            "recall_mean": round(statistics.fmean(recalls), 3),
            "recall_p10": round(recalls[len(recalls) // 10], 3),
            "recall_min": round(recalls[0], 3),
            "through the BM25 index": summary(routed),
            SEEN_BEFORE: summary(again),
            BASELINE: summary(exact_times),
        }
        row = report["k"][str(k)]
        ours, theirs = row["through the BM25 index"], row[BASELINE]
        print(
            f"  k={k}: recall mean {row['recall_mean']} (p10 {row['recall_p10']}, min "
            f"{row['recall_min']}); p50 {ours['p50_ms']} p95 {ours['p95_ms']} ms (filter "
            f"used before: p50 {row[SEEN_BEFORE]['p50_ms']} p95 {row[SEEN_BEFORE]['p95_ms']} "
            f"ms) vs exact p50 {theirs['p50_ms']} p95 {theirs['p95_ms']} ms",
            flush=True,
        )
    store.close()
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()

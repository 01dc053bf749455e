"""Vector search at 1M: faiss HNSW, IVF-Flat (paperscope's index), IVF-PQ and SQ8, vs exact.

Data: real vectors (a .npy of unit rows, or ACM-CR's 113k works embedded by an encoder),
grown to ``--size`` rows by small perturbations: row i is base row (i mod n) plus Gaussian
noise scaled so that its cosine to the base is about the median cosine between a real
vector and its nearest real neighbour, then normalised. The 1M set thus keeps the real
vectors' clusters (and adds tight ones around each of them). Queries are real base rows
with a fresh perturbation, so no query is itself in the index.

For every configuration: build time (wall and CPU seconds, beside the load average), p50
and p95 latency of one query at a time (k=10, one thread, as the web app runs them), recall@10
against exact search (faiss IndexFlatIP, measured in the same run), the index's memory
(its serialised size), and incremental add: the index built on the first 90% of the rows,
the last 10% added without a rebuild, then recall measured again over all rows.

Usage: python bench/vector_index.py --vectors var/acm-vectors.npy [--size 1000000]
         [--configs paperscope-ivf-nprobe32,hnsw-m16-efc40-efs128]
         [--results bench/results/vector_index.json]
       python bench/vector_index.py --acm-cr ../shared/data/acm-cr --model tokenlearn ...
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = ROOT / "bench" / "results" / "vector_index.json"
K = 10


@dataclass(frozen=True)
class Config:
    name: str
    build: Callable[[np.ndarray], Any]
    tune: Callable[[Any], None]


def faiss_configs(size: int, dim: int) -> dict[str, Config]:
    import faiss

    from paperscope.embeddings import faiss_index

    def hnsw(m: int, ef_construction: int, ef_search: int) -> Config:
        def build(matrix: np.ndarray) -> Any:
            index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            index.add(matrix)
            return index

        def tune(index: Any) -> None:
            index.hnsw.efSearch = ef_search

        return Config(f"hnsw-m{m}-efc{ef_construction}-efs{ef_search}", build, tune)

    def paperscope(nprobe: int) -> Config:
        def build(matrix: np.ndarray) -> Any:
            return faiss_index.build_ivf(matrix)

        def tune(index: Any) -> None:
            faiss.extract_index_ivf(index).nprobe = nprobe

        return Config(f"paperscope-ivf-nprobe{nprobe}", build, tune)

    def ivf(kind: str, nlist: int, nprobe: int) -> Config:
        def build(matrix: np.ndarray) -> Any:
            index = faiss.index_factory(dim, f"IVF{nlist},{kind}", faiss.METRIC_INNER_PRODUCT)
            train = matrix[np.random.default_rng(1).choice(len(matrix), 40 * nlist, False)]
            index.train(train)
            index.add(matrix)
            return index

        def tune(index: Any) -> None:
            faiss.extract_index_ivf(index).nprobe = nprobe
            if hasattr(index, "k_factor"):
                index.k_factor = 8

        return Config(f"ivf{nlist}-{kind}-nprobe{nprobe}".lower(), build, tune)

    nlist = faiss_index.ivf_lists(size)
    configs = [
        paperscope(faiss_index.IVF_NPROBE),
        ivf("Flat", nlist, 16),
        ivf("Flat", nlist, 32),
        ivf("Flat", nlist, 64),
        ivf(f"PQ{dim // 8}x8,RFlat", nlist, 32),
        ivf("SQ8", nlist, 32),
        hnsw(16, 40, 128),
        hnsw(32, 80, 1024),
    ]
    return {config.name: config for config in configs}


def grow(base: np.ndarray, size: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """``size`` unit rows: base rows plus noise at the real nearest-neighbour distance."""
    import faiss

    sample = base[rng.choice(len(base), min(2000, len(base)), False)]
    flat = faiss.IndexFlatIP(base.shape[1])
    flat.add(base)
    scores, _ = flat.search(sample, 2)
    nn_cosine = float(np.median(scores[:, 1]))
    # |b + s g|^2 = 1 + s^2 d for unit b and g ~ N(0, I_d): cos = 1 / sqrt(1 + s^2 d)
    scale = float(np.sqrt((1 / nn_cosine**2 - 1) / base.shape[1]))
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    for start in range(0, size, 100_000):
        stop = min(size, start + 100_000)
        positions = np.arange(start, stop)
        rows = base[positions % len(base)]
        copies = positions >= len(base)  # the real rows stay as they are
        rows[copies] += scale * rng.standard_normal(
            (int(copies.sum()), rows.shape[1]), dtype=np.float32
        )
        out[start:stop] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out, nn_cosine


def exact_neighbours(matrix: np.ndarray, queries: np.ndarray) -> np.ndarray:
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    flat = faiss.IndexFlatIP(matrix.shape[1])
    flat.add(matrix)
    _, rows = flat.search(queries, K)
    return rows


def latency(index: Any, queries: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
    import faiss

    faiss.omp_set_num_threads(1)
    found = np.zeros((len(queries), K), dtype=np.int64)
    times, cpu_times = [], []
    for i, query in enumerate(queries):
        started, cpu = time.perf_counter(), time.thread_time()
        _, rows = index.search(query.reshape(1, -1), K)
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.thread_time() - cpu) * 1000)
        found[i] = rows[0]
    # The CPU time of the query's thread is what a query costs on an idle core; the wall
    # time adds the wait for a core, which on this shared machine is most of it.
    return {
        "p50_ms": float(np.percentile(times, 50)),
        "p95_ms": float(np.percentile(times, 95)),
        "p50_cpu_ms": float(np.percentile(cpu_times, 50)),
        "p95_cpu_ms": float(np.percentile(cpu_times, 95)),
    }, found


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(
    config: Config, matrix: np.ndarray, queries: np.ndarray, truth: np.ndarray, split: int
) -> dict[str, Any]:
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), cpu_seconds()
    index = config.build(matrix)
    build_s, build_cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    config.tune(index)
    timing, found = latency(index, queries)
    memory = len(faiss.serialize_index(index))
    del index
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    partial = config.build(matrix[:split])
    started = time.perf_counter()
    partial.add(matrix[split:])
    add_s = time.perf_counter() - started
    config.tune(partial)
    _, found_after = latency(partial, queries)
    result = {
        "build_s": build_s,
        "build_cpu_s": build_cpu,
        "load_average_at_build": load,
        **timing,
        "recall@10": recall(found, truth),
        "memory_mb": memory / 2**20,
        "incremental_add_s": add_s,
        "incremental_rows": len(matrix) - split,
        "recall@10_after_incremental_add": recall(found_after, truth),
    }
    print(
        f"  {config.name:34s} build {build_s:7.1f} s (cpu {build_cpu:7.1f} s, load {load:4.1f})  "
        f"p50 {timing['p50_ms']:6.2f} ms  p95 {timing['p95_ms']:6.2f} ms "
        f"(cpu {timing['p50_cpu_ms']:5.2f} / {timing['p95_cpu_ms']:5.2f} ms)  "
        f"recall@10 {result['recall@10']:.3f}  after +{len(matrix) - split:,} added: "
        f"{result['recall@10_after_incremental_add']:.3f} ({add_s:.1f} s)  "
        f"{result['memory_mb']:,.0f} MB",
        flush=True,
    )
    return result


def base_vectors(args: argparse.Namespace) -> np.ndarray:
    if args.vectors:
        loaded: np.ndarray = np.load(args.vectors).astype(np.float32)
        return loaded
    from paperscope.embeddings.encoders import get_encoder
    from paperscope.embeddings.vectors import embed_works, load_embeddings
    from search_quality import acm_store

    store = acm_store(args.acm_cr, args.workdir)
    embed_works(store, get_encoder(args.model, args.workdir), batch_size=256)
    with store.connect() as connection:
        _, matrix = load_embeddings(connection, args.model)
    store.close()
    return matrix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=Path, help=".npy of unit rows (else ACM-CR embedded)")
    parser.add_argument("--acm-cr", type=Path, default=ROOT.parent / "shared" / "data" / "acm-cr")
    parser.add_argument("--model", default="tokenlearn")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "search-bench")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--configs", help="comma-separated names (default: all)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    base = base_vectors(args)
    matrix, nn_cosine = grow(base, args.size, rng)
    picks = base[rng.choice(len(base), args.queries, False)]
    noise = 0.5 * np.sqrt((1 / nn_cosine**2 - 1) / base.shape[1])
    queries = picks + noise * rng.standard_normal(picks.shape, dtype=np.float32)
    queries = np.ascontiguousarray(queries / np.linalg.norm(queries, axis=1, keepdims=True))
    print(
        f"{args.size:,} x {matrix.shape[1]} vectors from {len(base):,} real ones "
        f"(median nearest-neighbour cosine {nn_cosine:.3f}); {args.queries} queries; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )
    started = time.perf_counter()
    truth = exact_neighbours(matrix, queries)
    truth_s = time.perf_counter() - started
    import faiss

    flat = faiss.IndexFlatIP(matrix.shape[1])
    flat.add(matrix)
    exact_timing, _ = latency(flat, queries[:50])
    print(
        f"  exact (IndexFlatIP, one thread): p50 {exact_timing['p50_ms']:.1f} ms  "
        f"p95 {exact_timing['p95_ms']:.1f} ms (cpu {exact_timing['p50_cpu_ms']:.1f} / "
        f"{exact_timing['p95_cpu_ms']:.1f} ms); ground truth in {truth_s:.0f} s",
        flush=True,
    )
    del flat
    configs = faiss_configs(args.size, matrix.shape[1])
    chosen = args.configs.split(",") if args.configs else list(configs)
    report: dict[str, Any] = {
        "rows": args.size,
        "dim": int(matrix.shape[1]),
        "base_rows": len(base),
        "base": str(args.vectors or f"ACM-CR embedded by {args.model}"),
        "median_nn_cosine": nn_cosine,
        "queries": args.queries,
        "cpu_count": os.cpu_count(),
        "exact": exact_timing,
        "configs": {},
    }
    if args.results.exists():  # keep configurations measured by earlier partial runs
        previous = json.loads(args.results.read_text(encoding="utf-8"))
        if previous.get("rows") == args.size and previous.get("dim") == report["dim"]:
            report["configs"] = previous.get("configs", {})
    split = int(0.9 * args.size)
    for name in chosen:
        report["configs"][name] = measure(configs[name], matrix, queries, truth, split)
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()

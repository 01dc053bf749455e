"""Search speed on the 113k ACM-CR works, and a synthetic 1M-vector index.

For each measurement a baseline runs in the same process on the same data:
- keyword: paperscope's keyword search (FTS5 BM25 through the public `search` API, one page
  of 10 with its total) beside a full-scan TF-IDF scoring of every document (the way
  arxiv-sanity-lite ranks: a tf-idf matrix times the query, over all documents);
- semantic (excluding the query's embedding): the vector index (faiss HNSW above 50k
  vectors) beside exact numpy cosine over all vectors; plus recall@10 of the index against
  that exact search on real embeddings;
- hybrid (including the query's embedding): the public `search` API in hybrid mode;
- embedding throughput in abstracts/s for model2vec and MiniLM beside TF-IDF vectorisation.

Queries: the citing-paper titles of the ACM-CR topics, topped up to 200 with titles of
random works (keyword: their first four content words; semantic and hybrid: the title).
Uses (or builds) the ACM-CR database of bench/search_quality.py (WORKDIR/acm-*.db); embeds it
with model2vec if needed.

Usage: python bench/search_speed.py [--acm-cr ../shared/data/acm-cr] [--workdir var/search-bench]
         [--synthetic 1000000] [--minilm-texts 200] [--results bench/results/search_speed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sqlalchemy import select  # noqa: E402

from paperscope.config import Settings  # noqa: E402
from paperscope.embeddings import faiss_index  # noqa: E402
from paperscope.embeddings import index as index_module  # noqa: E402
from paperscope.embeddings.encoders import get_encoder, work_text  # noqa: E402
from paperscope.embeddings.vectors import embed_works  # noqa: E402
from paperscope.search.query import STOP_WORDS  # noqa: E402
from paperscope.search.service import SearchRequest, search  # noqa: E402
from paperscope.store.schema import works  # noqa: E402
from search_quality import acm_store, load_topics  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "search_speed.json"
MODEL = "model2vec"


def timed(function: Callable[[Any], Any], items: list[Any], warmup: int = 3) -> dict[str, float]:
    for item in items[:warmup]:
        function(item)
    times = []
    for item in items:
        started = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": float(np.percentile(times, 50)),
        "p95_ms": float(np.percentile(times, 95)),
        "n": len(times),
    }


def line(label: str, ours: dict[str, float], base: dict[str, float], base_label: str) -> str:
    ratio = base["p95_ms"] / ours["p95_ms"] if ours["p95_ms"] else float("inf")
    return (
        f"{label:<34} p50 {ours['p50_ms']:7.2f} ms  p95 {ours['p95_ms']:7.2f} ms   "
        f"| {base_label}: p50 {base['p50_ms']:7.2f} ms  p95 {base['p95_ms']:7.2f} ms   "
        f"({ratio:.1f}x faster at p95)"
    )


def exact_top(matrix: np.ndarray, query: np.ndarray, k: int = 10) -> np.ndarray:
    scores = matrix @ query
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


def short_query(title: str) -> str:
    words = [w for w in title.replace(":", " ").split() if w.lower() not in STOP_WORDS]
    return " ".join(words[:4])


def acm_benchmarks(args: argparse.Namespace, report: dict[str, Any]) -> None:
    store = acm_store(args.acm_cr, args.workdir)
    encoder = get_encoder(MODEL, args.workdir)
    embed_works(store, encoder, batch_size=256)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=args.workdir,
        embedding_model=MODEL,
    )
    with store.connect() as connection:
        rows = connection.execute(select(works.c.id, works.c.title, works.c.abstract)).all()
    titles = sorted({t["title"] for t in load_topics(args.acm_cr) if t["title"]})
    rng = np.random.default_rng(0)  # topped up with titles of random works, same every run
    titles += [rows[i][1] for i in rng.choice(len(rows), args.queries - len(titles), False)]
    keyword_queries = [q for q in (short_query(t) for t in titles) if q]
    print(f"ACM-CR: {len(titles)} query titles")
    index = index_module.open_index(store, args.workdir, MODEL)
    print(f"  index: {index.size} vectors, {index.kind}")

    texts = [work_text(r[1], r[2]) for r in rows]
    from sklearn.feature_extraction.text import TfidfVectorizer

    started = time.perf_counter()
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32)
    tfidf = vectorizer.fit_transform(texts).tocsr()
    tfidf_rate = len(texts) / (time.perf_counter() - started)

    def keyword(q: str) -> Any:
        return search(store, SearchRequest(q, "keyword", per_page=10), settings)

    def full_scan(q: str) -> Any:
        scores = (tfidf @ vectorizer.transform([q]).T).toarray().ravel()
        return np.argpartition(-scores, 10)[:10]

    ours, base = timed(keyword, keyword_queries), timed(full_scan, keyword_queries)
    report["keyword"] = {"paperscope": ours, "tfidf_full_scan": base}
    print(line("keyword (FTS5 BM25, page + total)", ours, base, "tf-idf full scan"))

    vectors = encoder.encode(titles)
    alive = index.matrix[index.alive]

    def semantic(v: np.ndarray) -> Any:
        return index.search(v, 10)

    def numpy_exact(v: np.ndarray) -> Any:
        return exact_top(alive, v)

    items = list(vectors)
    ours, base = timed(semantic, items), timed(numpy_exact, items)
    report["semantic"] = {"paperscope": ours, "numpy_exact": base}
    print(line("semantic (index, no embedding)", ours, base, "numpy exact cosine"))
    report["semantic"]["recall@10"] = recall(index, alive, index.ids[index.alive], items)
    print(
        f"  recall@10 of the index vs exact on real {MODEL} vectors: "
        f"{report['semantic']['recall@10']:.3f}"
    )

    def hybrid(q: str) -> Any:
        return search(store, SearchRequest(q, "hybrid", per_page=10), settings)

    def hybrid_baseline(q: str) -> Any:
        full_scan(q)
        return numpy_exact(encoder.encode([q])[0])

    ours, base = timed(hybrid, titles), timed(hybrid_baseline, titles)
    report["hybrid"] = {"paperscope": ours, "tfidf_plus_numpy": base}
    print(line(f"hybrid (with {MODEL} embedding)", ours, base, "tf-idf scan + numpy"))
    throughput(args, report, texts, tfidf_rate)
    store.close()


def recall(index: Any, matrix: np.ndarray, ids: np.ndarray, queries: list[np.ndarray]) -> float:
    overlaps = []
    for q in queries:
        exact = {int(ids[i]) for i in exact_top(matrix, q)}
        found = {w for w, _ in index.search(q, 10)}
        overlaps.append(len(exact & found) / 10)
    return float(np.mean(overlaps))


def throughput(
    args: argparse.Namespace, report: dict[str, Any], texts: list[str], tfidf_rate: float
) -> None:
    with_abstract = [t for t in texts if len(t) > 400]
    rates = {"tfidf_fit_transform": tfidf_rate}
    sample = with_abstract[:20000]
    encoder = get_encoder(MODEL, args.workdir)
    started = time.perf_counter()
    encoder.encode(sample, batch_size=256)
    rates[MODEL] = len(sample) / (time.perf_counter() - started)
    if args.minilm_texts:
        minilm = get_encoder("minilm", args.workdir)
        minilm.encode(with_abstract[:8])  # load the model first
        sample = with_abstract[1000 : 1000 + args.minilm_texts]
        started = time.perf_counter()
        minilm.encode(sample, batch_size=32)
        rates["minilm"] = len(sample) / (time.perf_counter() - started)
        report["minilm_query_embedding"] = timed(
            lambda q: minilm.encode([q]), [t[:120] for t in with_abstract[:50]]
        )
        print(
            f"  minilm query embedding (title-length text): "
            f"p50 {report['minilm_query_embedding']['p50_ms']:.1f} ms  "
            f"p95 {report['minilm_query_embedding']['p95_ms']:.1f} ms"
        )
    report["embedding_abstracts_per_s"] = rates
    print(
        "embedding throughput (abstracts/s): "
        + ", ".join(f"{name} {rate:,.0f}" for name, rate in rates.items())
    )


def synthetic(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """A clustered synthetic set of unit vectors (real embeddings are clustered too)."""
    import faiss

    n, dim = args.synthetic, 256
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2000, dim)).astype(np.float32)
    matrix = centres[rng.integers(0, 2000, n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    ids = np.arange(n, dtype=np.int64)
    index = faiss_index.VectorIndex("synthetic", ids, [], matrix, np.ones(n, dtype=bool))
    faiss.omp_set_num_threads(2)
    started = time.perf_counter()
    index.build_ann()
    build = time.perf_counter() - started
    queries = list(matrix[rng.integers(0, n, 200)] + 0.1 * rng.normal(size=(200, dim)))
    queries = [np.ascontiguousarray(q / np.linalg.norm(q), dtype=np.float32) for q in queries]
    ours = timed(lambda v: index.search(v, 10), queries)
    base = timed(lambda v: exact_top(matrix, v), queries[:50])
    rec = recall(index, matrix, ids, queries[:100])
    report["synthetic"] = {
        "n": n,
        "dim": dim,
        "hnsw_build_s": build,
        "paperscope": ours,
        "numpy_exact": base,
        "recall@10": rec,
    }
    print(f"synthetic {n:,} x {dim}: HNSW built in {build:.0f} s, recall@10 {rec:.3f}")
    print(line("semantic (1M synthetic)", ours, base, "numpy exact cosine"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acm-cr", type=Path, default=ROOT.parent / "shared" / "data" / "acm-cr")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "search-bench")
    parser.add_argument("--synthetic", type=int, default=1_000_000, help="0 to skip")
    parser.add_argument("--minilm-texts", type=int, default=200, help="0 to skip MiniLM")
    parser.add_argument("--skip-acm", action="store_true")
    parser.add_argument("--queries", type=int, default=200, help="queries per measurement")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"cpu_count": os.cpu_count()}
    if not args.skip_acm:
        acm_benchmarks(args, report)
    if args.synthetic:
        synthetic(args, report)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    if args.results.exists():  # a partial run (--skip-acm, --synthetic 0) keeps other parts
        report = {**json.loads(args.results.read_text(encoding="utf-8")), **report}
    args.results.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()

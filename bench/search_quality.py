"""Search quality on CSFCube (similar papers) and ACM-CR (citation recommendation).

CSFCube (dataset protocol): for every query (paper, facet) of the split, re-rank that
query's candidate pool; gains are the adjudicated 0-3 grades; NDCG%20 is NDCG at 20% of the
pool size, MAP counts grade >= 2 as relevant (the definitions of CSFCube's
eval_scripts/ranking_eval.py). ACM-CR: every citation context is a query over the whole
collection (113k BibTeX records, ingested with `paperscope ingest`); the citing paper's own
record (blacklist.txt) is never counted; recall@10 and nDCG@10 against the judged DOIs.

Configurations (all run through paperscope's own keyword index, encoders and fusion):
  keyword (BM25)        FTS5 BM25 of the query's words, OR semantics: the baseline
  keyword-bm25          the BM25 index beside the database (search.bm25), which ranks
                        unfiltered keyword searches (CSFCube: the whole ranking, cut to
                        the query's candidates)
  semantic-<model>      cosine between embeddings
  hybrid-<model>        reciprocal rank fusion of the two lists (paperscope's hybrid mode)
  rerank-<model>        ACM-CR: BM25 top-K re-ranked by RRF of BM25 and the cosine
                        (paperscope's rerank mode, service.rerank; model2vec: the stored
                        vectors, as `paperscope search --mode rerank` reads them; MiniLM:
                        vectors of the candidates only, from the embedding cache)
The configuration printed on the `NDCG%20:` and `R@10:` lines was chosen on the dev
queries (see docs/search.md) and is fixed here, so held-out runs are not tuned on.

Usage: python bench/search_quality.py --csfcube ../shared/data/csfcube
         --acm-cr ../shared/data/acm-cr
         [--workdir var/search-bench] [--skip-minilm] [--results bench/results/search_quality.json]
         [--models tokenlearn [--train-texts 4096] [--teacher-tokens 128]
                              [--train-on own|acm-cr]]
`tokenlearn` learns from the collection it embeds, as `paperscope enrich --model tokenlearn`
does: by default each dataset trains its own model on its own works (CSFCube's in
WORKDIR/csfcube-own, ACM-CR's in WORKDIR); no query or judgment is read for it.
`--train-on acm-cr` uses ACM-CR's model for CSFCube too (a collection it never saw).
Embeddings are cached in WORKDIR/cache (by model version and text hash): MiniLM over the
4,205 CSFCube papers takes ~5 min once on 2 cores, then seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sqlalchemy import insert, select  # noqa: E402

from paperscope.config import Settings  # noqa: E402
from paperscope.embeddings import static  # noqa: E402
from paperscope.embeddings.cache import CachedEncoder  # noqa: E402
from paperscope.embeddings.encoders import Encoder, get_encoder, work_text  # noqa: E402
from paperscope.embeddings.static import TRAIN_TEXTS  # noqa: E402
from paperscope.search.bm25 import Bm25Index, bm25_index  # noqa: E402
from paperscope.search.filters import SearchFilters  # noqa: E402
from paperscope.search.keyword import (  # noqa: E402
    FTS5_WEIGHTS,
    keyword_page,
    refresh_keyword_index,
)
from paperscope.search.query import ParsedQuery, parse_query  # noqa: E402
from paperscope.search.service import RERANK_CANDIDATES, rrf  # noqa: E402
from paperscope.search.service import rerank as rerank_hits  # noqa: E402
from paperscope.store import Store  # noqa: E402
from paperscope.store.schema import work_ids, works  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "search_quality.json"
MAX_BENCH_TERMS = 400

# Chosen on the dev queries, fixed for held-out runs.
BEST_CSFCUBE = "hybrid-minilm-facet"
BEST_CSFCUBE_FALLBACK = "hybrid-model2vec-facet"
BEST_ACM = "rerank-minilm"
BEST_ACM_FALLBACK = "hybrid-model2vec"


def best_of(configs: dict[str, Any], best: str, fallback: str) -> str:
    """The chosen configuration with MiniLM, else the same with tokenlearn (the encoder
    trained from MiniLM), else the fallback chosen for model2vec."""
    for name in (best, best.replace("minilm", "tokenlearn")):
        if name in configs:
            return name
    return fallback


# --- metrics ------------------------------------------------------------------------------


def dcg(gains: Sequence[float], k: int) -> float:
    """DCG as rank_metrics.dcg_at_k(method=0), which CSFCube's evaluation uses."""
    gains = list(gains)[:k]
    if not gains:
        return 0.0
    return gains[0] + sum(g / math.log2(i + 1) for i, g in enumerate(gains[1:], start=2))


def ndcg(ranked_gains: Sequence[float], k: int) -> float:
    ideal = dcg(sorted(ranked_gains, reverse=True), k)
    return dcg(ranked_gains, k) / ideal if ideal > 0 else 0.0


def average_precision(relevant: Sequence[int]) -> float:
    hits, total = 0, 0.0
    for rank, rel in enumerate(relevant, start=1):
        if rel:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def binary_ndcg(ranked: Sequence[int], relevant: set[int], k: int = 10) -> float:
    gains = [1.0 if w in relevant else 0.0 for w in ranked[:k]]
    ideal = [1.0] * min(len(relevant), k)
    best = dcg(ideal, k)
    return dcg(gains, k) / best if best else 0.0


# --- helpers ------------------------------------------------------------------------------


def encoder_for(name: str, workdir: Path, model_dir: Path | None = None) -> Encoder:
    """The encoder `name` (a trained one from `model_dir`'s models, default the workdir's),
    its vectors cached in the workdir by model version and text hash."""
    encoder = get_encoder(name, model_dir or workdir)
    return CachedEncoder(encoder, workdir / "cache" / f"{name}.sqlite")


def query_terms(text: str) -> ParsedQuery:
    """Every distinct word of a long text, as a BM25 "any word" query."""
    cleaned = re.sub(r'["*]', " ", text)
    return parse_query(cleaned[:20000], limit=20000, max_terms=MAX_BENCH_TERMS)


def bm25_rank(
    store: Store,
    text: str,
    limit: int,
    within: list[int] | None = None,
    bm25: Bm25Index | None = None,
) -> list[int]:
    """The best `limit` works for the words of `text` (any word), by the database's index, or
    by `bm25`; only works `within` the list given, when one is (the others are excluded,
    which leaves the scores as they are)."""
    with store.connect() as connection:
        excluded: frozenset[int] = frozenset()
        if within is not None:
            every = connection.execute(select(works.c.id)).scalars()
            excluded = frozenset(every) - frozenset(within)
        query = query_terms(text)
        page = keyword_page(
            connection, query, SearchFilters(), limit, 0, "OR", False, bm25, excluded
        )
    return list(page.ids)


def bm25_beside(store: Store, workdir: Path) -> Bm25Index:
    """The store's BM25 index, in step (built if behind)."""
    settings = Settings(_env_file=None, data_dir=workdir)  # type: ignore[call-arg]
    index = bm25_index(store, settings)
    assert index is not None and index.rebuild() is not None
    return index


def cosine_rank(query: np.ndarray, ids: np.ndarray, matrix: np.ndarray) -> list[int]:
    scores = matrix @ query
    return [int(ids[i]) for i in np.argsort(-scores, kind="stable")]


def fused(keyword: list[int], semantic: list[int]) -> list[int]:
    return [hit.work_id for hit in rrf(keyword, semantic)]


# --- CSFCube ------------------------------------------------------------------------------


def load_csfcube(folder: Path) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    papers = {}
    with (folder / "csfcube-papers.derived.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            paper = json.loads(line)
            papers[paper["paper_id"]] = paper
    split = sorted(folder.glob("*pid2anns-csfcube-background.json"))[0].name.split("-")[0]
    listed = folder / f"{split}_queries.json"
    if listed.exists():
        names = json.loads(listed.read_text())[f"{split}_queries"]
    else:  # no query list: every (paper, facet) with judgments in the split
        names = [
            f"{pid}_{facet}"
            for facet in ("background", "method", "result")
            for pid in json.loads((folder / f"{split}-pid2anns-csfcube-{facet}.json").read_text())
        ]
    queries = []
    for name in names:
        pid, facet = name.rsplit("_", 1)
        pools = json.loads((folder / f"{split}-pid2anns-csfcube-{facet}.json").read_text())
        pool = pools[pid]
        queries.append(
            {"pid": pid, "facet": facet, "cands": pool["cands"], "grades": pool["relevance_adju"]}
        )
    return papers, queries


def paper_text(paper: dict[str, Any], facet: str | None = None) -> str:
    sentences = paper["abstract_sentences"]
    chosen = [s["text"] for s in sentences if facet is None or s["label"] == facet]
    if facet is not None and not chosen:
        chosen = [s["text"] for s in sentences]
    return work_text(paper["title"], " ".join(chosen))


def csfcube_store(papers: dict[str, dict[str, Any]], workdir: Path) -> tuple[Store, dict[str, int]]:
    key = hashlib.blake2b(" ".join(sorted(papers)).encode(), digest_size=6).hexdigest()
    path = workdir / f"csfcube-{key}.db"  # one database per paper set
    fresh = not path.exists()
    store = Store.open(f"sqlite:///{path}")
    if fresh:
        rows = [
            {
                "title": p["title"],
                "title_key": p["title"].lower(),
                "abstract": " ".join(s["text"] for s in p["abstract_sentences"]),
                "year": int(p["year"]) if str(p.get("year", "")).isdigit() else None,
            }
            for p in papers.values()
        ]
        with store.transaction() as connection:
            ids = []
            for row in rows:
                inserted = connection.execute(insert(works).values(row)).inserted_primary_key
                assert inserted is not None
                ids.append(inserted[0])
            connection.execute(
                insert(work_ids),
                [
                    {"scheme": "s2", "value": pid, "work_id": wid}
                    for pid, wid in zip(papers, ids, strict=True)
                ],
            )
        refresh_keyword_index(store)
    with store.connect() as connection:
        query = select(work_ids.c.value, work_ids.c.work_id).where(work_ids.c.scheme == "s2")
        mapping = {row[0]: row[1] for row in connection.execute(query)}
    return store, mapping


Query = dict[str, Any]
FacetRanker = Callable[[Query, bool], list[int]]


def _semantic_ranker(semantic: FacetRanker, facet: bool) -> Callable[[Query], list[int]]:
    return lambda q: semantic(q, facet)


def _hybrid_ranker(
    keyword: FacetRanker, semantic: FacetRanker, facet: bool
) -> Callable[[Query], list[int]]:
    return lambda q: fused(keyword(q, facet), semantic(q, facet))


def evaluate_csfcube(
    folder: Path, workdir: Path, models: list[str], model_dir: Path
) -> dict[str, dict[str, float]]:
    papers, queries = load_csfcube(folder)
    store, pid_to_id = csfcube_store(papers, workdir)
    rankers: dict[str, Callable[[dict[str, Any]], list[int]]] = {}

    bm25 = bm25_beside(store, workdir)

    def keyword(
        q: dict[str, Any], facet: bool = False, index: Bm25Index | None = None
    ) -> list[int]:
        paper = papers[q["pid"]]
        cands = [pid_to_id[c] for c in q["cands"]]
        text = paper_text(paper, q["facet"] if facet else None)
        ranked = bm25_rank(store, text, len(cands), cands, index)
        return ranked + [c for c in cands if c not in set(ranked)]

    rankers["keyword"] = keyword
    rankers["keyword-facet"] = lambda q: keyword(q, facet=True)
    rankers["keyword-bm25"] = lambda q: keyword(q, index=bm25)
    rankers["keyword-bm25-facet"] = lambda q: keyword(q, facet=True, index=bm25)
    for model in models:
        encoder = encoder_for(model, workdir, model_dir)
        ids = list(pid_to_id.values())
        texts = {pid: paper_text(p) for pid, p in papers.items()}
        started = time.perf_counter()
        vectors = encoder.encode([texts[pid] for pid in pid_to_id], batch_size=32)
        print(f"  {model}: {len(ids)} papers embedded in {time.perf_counter() - started:.1f}s")
        by_id = dict(zip(ids, vectors, strict=True))

        def semantic(
            q: dict[str, Any],
            facet: bool,
            enc: Encoder = encoder,
            vecs: dict[int, np.ndarray] = by_id,
        ) -> list[int]:
            paper = papers[q["pid"]]
            query = enc.encode([paper_text(paper, q["facet"] if facet else None)])[0]
            cands = [pid_to_id[c] for c in q["cands"]]
            return cosine_rank(query, np.array(cands), np.stack([vecs[c] for c in cands]))

        for facet in (False, True):
            suffix = "-facet" if facet else ""
            rankers[f"semantic-{model}{suffix}"] = _semantic_ranker(semantic, facet)
            rankers[f"hybrid-{model}{suffix}"] = _hybrid_ranker(keyword, semantic, facet)
    results = {}
    for name, ranker in rankers.items():
        ndcgs, maps = [], []
        for q in queries:
            grade = dict(zip((pid_to_id[c] for c in q["cands"]), q["grades"], strict=True))
            ranked = ranker(q)
            gains = [grade[w] for w in ranked]
            ndcgs.append(ndcg(gains, int(0.2 * len(gains))))
            maps.append(average_precision([1 if g >= 2 else 0 for g in gains]))
        results[name] = {"ndcg%20": 100 * float(np.mean(ndcgs)), "map": 100 * float(np.mean(maps))}
        print(
            f"  csfcube {name:28s} NDCG%20 {results[name]['ndcg%20']:5.1f}  "
            f"MAP {results[name]['map']:5.1f}"
        )
    store.close()
    return results


# --- ACM-CR -------------------------------------------------------------------------------


def load_topics(folder: Path) -> list[dict[str, str]]:
    path = sorted(folder.glob("*contexts.topics"))[0]
    text = path.read_text(encoding="utf-8")
    topics = []
    for block in re.findall(r"<top>(.*?)</top>", text, re.S):
        number = re.search(r"<num>\s*Number:\s*(\S+)", block)
        title = re.search(r"<title>(.*?)<desc>", block, re.S)
        desc = re.search(r"<desc>\s*Description:(.*?)(<narr>|$)", block, re.S)
        if number and desc:
            topics.append(
                {
                    "id": number.group(1),
                    "title": " ".join(title.group(1).split()) if title else "",
                    "context": " ".join(desc.group(1).split()),
                }
            )
    return topics


def load_qrels(folder: Path) -> dict[str, set[str]]:
    path = sorted(folder.glob("*contexts.qrels"))[0]
    qrels: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[3] != "0":
            qrels.setdefault(parts[0], set()).add(parts[2].lower())
    return qrels


def clean_context(context: str) -> str:
    """The context without its citation markers ([10], [11, 12], [3-5])."""
    return re.sub(r"\[[\d,\s\-–]+\]", " ", context)


def acm_store(folder: Path, workdir: Path) -> Store:
    collection = folder / "acm-dl-bibtex.tar.gz"
    path = workdir / f"acm-{collection.stat().st_size}.db"  # one database per collection
    url = f"sqlite:///{path}"
    if not path.exists():
        from paperscope.ingest import ingest_paths

        print("  ingesting ACM-CR (about a minute or more) ...", flush=True)
        store = Store.open(url)
        ingest_paths(store, [collection])
    else:
        store = Store.open(url)
    refresh_keyword_index(store)
    return store


def doi_map(store: Store) -> dict[str, int]:
    with store.connect() as connection:
        query = select(work_ids.c.value, work_ids.c.work_id).where(work_ids.c.scheme == "doi")
        return {row[0].lower(): row[1] for row in connection.execute(query)}


def evaluate_acm(folder: Path, workdir: Path, models: list[str], rerank_k: int) -> dict[str, Any]:
    from paperscope.embeddings.index import open_index
    from paperscope.embeddings.vectors import embed_works

    store = acm_store(folder, workdir)
    dois = doi_map(store)
    topics = load_topics(folder)
    qrels = load_qrels(folder)
    topics = [t for t in topics if t["id"] in qrels]
    blacklist = {
        dois[d.strip().lower()]
        for d in (folder / "blacklist.txt").read_text().split()
        if d.strip().lower() in dois
    }
    relevant = {t["id"]: {dois[d] for d in qrels[t["id"]] if d in dois} for t in topics}
    judged = {t["id"]: len(qrels[t["id"]]) for t in topics}
    print(
        f"  acm-cr: {len(topics)} topics, {sum(judged.values())} judged citations, "
        f"{sum(len(r) for r in relevant.values())} in the collection"
    )
    keyword_lists = {}
    started = time.perf_counter()
    cache_path = workdir / "cache" / "acm-bm25.json"
    cached = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    for topic in topics:
        text = clean_context(topic["context"])
        key = f"{FTS5_WEIGHTS}|{text}"  # the ranking of a query is cached, not its judgment
        if key not in cached:
            cached[key] = bm25_rank(store, text, 200)
        keyword_lists[topic["id"]] = [w for w in cached[key] if w not in blacklist]
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    cache_path.write_text(json.dumps(cached))
    print(f"  bm25: {len(topics)} queries in {time.perf_counter() - started:.1f}s")
    runs: dict[str, dict[str, list[int]]] = {"keyword": keyword_lists}
    bm25 = bm25_beside(store, workdir)
    started = time.perf_counter()
    runs["keyword-bm25"] = {
        topic["id"]: [
            w
            for w in bm25_rank(store, clean_context(topic["context"]), 200, bm25=bm25)
            if w not in blacklist
        ]
        for topic in topics
    }
    print(f"  bm25 index beside: {len(topics)} queries in {time.perf_counter() - started:.1f}s")
    for model in models:
        if model == "minilm":
            continue  # 113k abstracts with MiniLM take hours here: re-ranking only (below)
        encoder = encoder_for(model, workdir)
        done = embed_works(store, encoder, batch_size=256)
        print(f"  {model}: {done} works embedded")
        index = open_index(store, workdir, model)
        semantic = {}
        for topic in topics:
            query = encoder.encode([clean_context(topic["context"])])[0]
            hits = index.search(query, 200)
            semantic[topic["id"]] = [w for w, _ in hits if w not in blacklist]
        runs[f"semantic-{model}"] = semantic
        runs[f"hybrid-{model}"] = {
            t: fused(keyword_lists[t][:200], semantic[t][:200]) for t in semantic
        }
        runs[f"rerank-{model}"] = rerank_stored(store, encoder, topics, keyword_lists, rerank_k)
    if "minilm" in models:
        runs["rerank-minilm"] = rerank(store, workdir, topics, keyword_lists, rerank_k)
    results = {}
    for name, run in runs.items():
        recalls, ndcgs = [], []
        for topic in topics:
            ranked = run[topic["id"]][:10]
            rel = relevant[topic["id"]]
            recalls.append(len(rel & set(ranked)) / judged[topic["id"]])
            ndcgs.append(binary_ndcg(ranked, rel, 10))
        results[name] = {
            "recall@10": 100 * float(np.mean(recalls)),
            "ndcg@10": 100 * float(np.mean(ndcgs)),
        }
        print(
            f"  acm-cr {name:28s} R@10 {results[name]['recall@10']:5.1f}  "
            f"nDCG@10 {results[name]['ndcg@10']:5.1f}"
        )
    store.close()
    return results


def rerank_topics(
    encoder: Encoder,
    topics: list[dict[str, str]],
    keyword_lists: dict[str, list[int]],
    vectors: dict[int, Any],
    k: int,
) -> dict[str, list[int]]:
    """Each topic's BM25 list re-ranked by the product's `rerank_hits` with these vectors."""
    out = {}
    for topic in topics:
        query = encoder.encode([clean_context(topic["context"])])[0]
        hits = rerank_hits(keyword_lists[topic["id"]], query, vectors, k)
        out[topic["id"]] = [hit.work_id for hit in hits]
    return out


def rerank_stored(
    store: Store,
    encoder: Encoder,
    topics: list[dict[str, str]],
    keyword_lists: dict[str, list[int]],
    k: int,
) -> dict[str, list[int]]:
    """`paperscope search --mode rerank` as the product runs it: the candidates' vectors
    read from the embeddings table (here model2vec, the encoder that fits 113k works)."""
    from paperscope.embeddings.vectors import load_embeddings

    wanted = sorted({w for t in topics for w in keyword_lists[t["id"]][:k]})
    with store.connect() as connection:
        ids, matrix = load_embeddings(connection, encoder.name, wanted)
    vectors = dict(zip(ids.tolist(), matrix, strict=True))
    return rerank_topics(encoder, topics, keyword_lists, vectors, k)


def rerank(
    store: Store,
    workdir: Path,
    topics: list[dict[str, str]],
    keyword_lists: dict[str, list[int]],
    k: int,
) -> dict[str, list[int]]:
    """BM25 top-k re-ranked by paperscope's rerank mode (RRF of the BM25 rank and the MiniLM
    cosine rank), the candidates' vectors coming from the benchmark's embedding cache."""
    encoder = encoder_for("minilm", workdir)
    wanted = sorted({w for t in topics for w in keyword_lists[t["id"]][:k]})
    with store.connect() as connection:
        rows = connection.execute(
            select(works.c.id, works.c.title, works.c.abstract).where(works.c.id.in_(wanted))
        ).all()
    texts = {row[0]: work_text(row[1], row[2]) for row in rows}
    started = time.perf_counter()
    vectors = dict(zip(texts, encoder.encode(list(texts.values())), strict=True))
    print(f"  minilm: {len(texts)} candidates embedded in {time.perf_counter() - started:.1f}s")
    return rerank_topics(encoder, topics, keyword_lists, vectors, k)


def own_model_dir(workdir: Path) -> Path:
    """Where CSFCube's own tokenlearn model is trained and kept (ACM-CR's: the workdir)."""
    return workdir / "csfcube-own"


def train_tokenlearn(store: Store, model_dir: Path, train_texts: int, teacher_tokens: int) -> None:
    """Train `model_dir`'s tokenlearn model on the store's works, as `enrich` trains it on
    the collection it embeds (once: a trained model is kept)."""
    from paperscope.cli.progress import progress_bar
    from paperscope.embeddings.vectors import prepare_encoder

    static.TEACHER_TOKENS = teacher_tokens  # read when the teacher is built
    with progress_bar() as progress:
        encoder = get_encoder("tokenlearn", model_dir)
        prepare_encoder(store, encoder, progress, train_texts)
    meta = json.loads((static.tokenlearn_dir(model_dir) / "paperscope-tokenlearn.json").read_text())
    # a model trained before the teacher's tokens were recorded read the first 128
    if meta.get("teacher_tokens", 128) != teacher_tokens:
        sys.exit(
            f"the tokenlearn model in {model_dir} was trained with a teacher reading "
            f"{meta.get('teacher_tokens', 128)} tokens: give another --workdir"
        )


def train_models(args: argparse.Namespace) -> dict[str, str]:
    """Train the tokenlearn models the run needs; which collection each dataset's learnt."""
    trained_on = {}
    if args.acm_cr:
        store = acm_store(args.acm_cr, args.workdir)
        train_tokenlearn(store, args.workdir, args.train_texts, args.teacher_tokens)
        store.close()
        trained_on["acm_cr"] = "acm-cr"
    if args.csfcube and args.train_on == "own":
        papers, _ = load_csfcube(args.csfcube)
        store, _ = csfcube_store(papers, args.workdir)
        model_dir = own_model_dir(args.workdir)
        train_tokenlearn(store, model_dir, args.train_texts, args.teacher_tokens)
        store.close()
        trained_on["csfcube"] = "csfcube"
    elif args.csfcube:
        if not args.acm_cr:
            sys.exit("--train-on acm-cr trains tokenlearn on ACM-CR's works: give --acm-cr DIR")
        trained_on["csfcube"] = "acm-cr"
    return trained_on


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csfcube", type=Path)
    parser.add_argument("--acm-cr", type=Path)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "search-bench")
    parser.add_argument("--skip-minilm", action="store_true", help="model2vec and BM25 only")
    parser.add_argument(
        "--models",
        help="comma-separated encoders (default: model2vec,minilm); tokenlearn is trained "
        "before anything is measured (see --train-on)",
    )
    parser.add_argument(
        "--train-on",
        choices=("own", "acm-cr"),
        default="own",
        help="tokenlearn learns from each dataset's own works (own: what enrich does), or "
        "from ACM-CR's for both (CSFCube then a collection it never saw)",
    )
    parser.add_argument(
        "--train-texts", type=int, default=TRAIN_TEXTS, help="tokenlearn's training sample"
    )
    parser.add_argument(
        "--teacher-tokens",
        type=int,
        default=static.TEACHER_TOKENS,
        help="tokens of each training text MiniLM reads when tokenlearn is trained",
    )
    parser.add_argument("--rerank-k", type=int, default=RERANK_CANDIDATES)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not args.csfcube and not args.acm_cr:
        parser.error("give --csfcube DIR and/or --acm-cr DIR")
    args.workdir.mkdir(parents=True, exist_ok=True)
    models = ["model2vec"] if args.skip_minilm else ["model2vec", "minilm"]
    if args.models:
        models = args.models.split(",")
    report: dict[str, Any] = {"models": models}
    if "tokenlearn" in models:
        report["tokenlearn_trained_on"] = train_models(args)
        report["tokenlearn_train_texts"] = args.train_texts
        report["tokenlearn_teacher_tokens"] = args.teacher_tokens
    csfcube_models = own_model_dir(args.workdir) if args.train_on == "own" else args.workdir
    if args.csfcube:
        print(f"CSFCube ({args.csfcube})")
        cs = evaluate_csfcube(args.csfcube, args.workdir, models, csfcube_models)
        best = best_of(cs, BEST_CSFCUBE, BEST_CSFCUBE_FALLBACK)
        report["csfcube"] = {"configs": cs, "best": best}
        print(
            f"BM25 baseline (CSFCube): NDCG%20 {cs['keyword']['ndcg%20']:.1f}  "
            f"MAP {cs['keyword']['map']:.1f}"
        )
        print(f"NDCG%20: {cs[best]['ndcg%20']:.1f}  MAP: {cs[best]['map']:.1f}  ({best})")
    if args.acm_cr:
        print(f"ACM-CR ({args.acm_cr})")
        acm = evaluate_acm(args.acm_cr, args.workdir, models, args.rerank_k)
        best = best_of(acm, BEST_ACM, BEST_ACM_FALLBACK)
        report["acm_cr"] = {"configs": acm, "best": best}
        print(
            f"BM25 baseline (ACM-CR): R@10 {acm['keyword']['recall@10']:.1f}  "
            f"nDCG@10 {acm['keyword']['ndcg@10']:.1f}"
        )
        print(f"R@10: {acm[best]['recall@10']:.1f}  nDCG@10: {acm[best]['ndcg@10']:.1f}  ({best})")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()

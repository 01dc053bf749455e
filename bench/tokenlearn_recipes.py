"""Training recipes of the ``tokenlearn`` encoder, scored on the dev queries.

One recipe per run: a saved teacher state (``teacher.npz`` of ``embeddings/static.py``'s
teacher pass over ACM-CR's training sample, copied aside after each size so the pass is run
once) is turned into a model with the product's own steps (``contextual_vectors``,
``fine_tune``) under the given shrinkage, learning rate and epochs; optionally the
fine-tuned vectors are averaged with the contextual start (``--keep-start``, WiSE-FT).
It prints and appends one line to the results file: CSFCube NDCG%20 (semantic, hybrid,
with and without facets) and ACM-CR rerank R@10 / nDCG@10, computed by
bench/search_quality.py's functions on the candidates' vectors (what `--mode rerank` reads).

Usage: python bench/tokenlearn_recipes.py --teacher WORKDIR/teacher-8192.npz
         --csfcube ../shared/data/csfcube --acm-cr ../shared/data/acm-cr
         [--workdir var/search-bench] [--shrink 2] [--lr 1e-3] [--epochs 20]
         [--keep-start 0.25] [--label NAME]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sqlalchemy import select

import search_quality as sq
from paperscope.embeddings import static
from paperscope.embeddings.base import minilm_path, normalise
from paperscope.embeddings.encoders import work_text
from paperscope.embeddings.vectors import training_sample
from paperscope.search.keyword import FTS5_WEIGHTS
from paperscope.search.service import RERANK_CANDIDATES
from paperscope.store.schema import works

RESULTS = sq.ROOT / "bench" / "results" / "tokenlearn_recipes.jsonl"


class Recipe:
    """A built model as a bench encoder."""

    name = "recipe"
    dim = 384

    def __init__(self, model: Any, label: str) -> None:
        self.model, self.version = model, label

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        vectors = self.model.encode(list(texts), batch_size=1024, show_progress_bar=False)
        return normalise(vectors)


def build(args: argparse.Namespace) -> tuple[Any, int]:
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    saved = np.load(args.teacher)
    n = int(saved["done"])
    store = sq.acm_store(args.acm_cr, args.workdir)
    texts = training_sample(store, n)
    store.close()
    work = args.workdir / "models" / "tokenlearn.work"
    work.mkdir(parents=True, exist_ok=True)
    seen = static.teacher_encoder(work).seen_texts(texts)
    isolated = static.isolated_model(work)
    vocabulary = Tokenizer.from_file(str(minilm_path() / "tokenizer.json")).get_vocab()
    start = static.contextual_vectors(
        isolated.tokens, isolated.embedding, vocabulary, saved["sums"], saved["counts"], args.shrink
    )
    if args.epochs == 0:
        return StaticModel(vectors=start, tokenizer=isolated.tokenizer, config=isolated.config), n
    static.LEARNING_RATE = args.lr
    started = time.perf_counter()
    tuned = static.fine_tune(isolated, start, seen, saved["vectors"][:n], epochs=args.epochs)
    print(f"fine-tuned on {n:,} texts in {time.perf_counter() - started:.0f}s", flush=True)
    vectors = (1 - args.keep_start) * np.asarray(tuned.embedding) + args.keep_start * start
    vectors[isolated.tokenizer.token_to_id("[PAD]")] = 0.0
    model = StaticModel(
        vectors=vectors.astype(np.float32), tokenizer=isolated.tokenizer, config=isolated.config
    )
    return model, n


def acm_rerank(encoder: Recipe, folder: Path, workdir: Path, k: int) -> tuple[float, float]:
    """ACM-CR's rerank configuration (BM25 top ``k`` re-ranked by RRF with the cosine)."""
    store = sq.acm_store(folder, workdir)
    dois = sq.doi_map(store)
    qrels = sq.load_qrels(folder)
    topics = [t for t in sq.load_topics(folder) if t["id"] in qrels]
    listed = (folder / "blacklist.txt").read_text().split()
    blacklist = {dois[d.strip().lower()] for d in listed if d.strip().lower() in dois}
    cache_path = workdir / "cache" / "acm-bm25.json"
    cached = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    keyword_lists = {}
    for topic in topics:
        text = sq.clean_context(topic["context"])
        key = f"{FTS5_WEIGHTS}|{text}"
        if key not in cached:
            cached[key] = sq.bm25_rank(store, text, 200)
        keyword_lists[topic["id"]] = [w for w in cached[key] if w not in blacklist]
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    cache_path.write_text(json.dumps(cached))
    wanted = sorted({w for t in topics for w in keyword_lists[t["id"]][:k]})
    with store.connect() as connection:
        query = select(works.c.id, works.c.title, works.c.abstract).where(works.c.id.in_(wanted))
        rows = connection.execute(query).all()
    store.close()
    texts = {row[0]: work_text(row[1], row[2]) for row in rows}
    vectors = dict(zip(texts, encoder.encode(list(texts.values())), strict=True))
    run = sq.rerank_topics(encoder, topics, keyword_lists, vectors, k)
    recalls, ndcgs = [], []
    for topic in topics:
        ranked = run[topic["id"]][:10]
        relevant = {dois[d] for d in qrels[topic["id"]] if d in dois}
        recalls.append(len(relevant & set(ranked)) / len(qrels[topic["id"]]))
        ndcgs.append(sq.binary_ndcg(ranked, relevant, 10))
    return 100 * float(np.mean(recalls)), 100 * float(np.mean(ndcgs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", type=Path, required=True)
    parser.add_argument("--csfcube", type=Path, required=True)
    parser.add_argument("--acm-cr", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, default=sq.ROOT / "var" / "search-bench")
    parser.add_argument("--shrink", type=float, default=static.SHRINK)
    parser.add_argument("--lr", type=float, default=static.LEARNING_RATE)
    parser.add_argument("--epochs", type=int, default=static.EPOCHS, help="0: the start only")
    parser.add_argument("--keep-start", type=float, default=0.0)
    parser.add_argument("--rerank-k", type=int, default=RERANK_CANDIDATES)
    parser.add_argument("--label", default="")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    model, n = build(args)
    encoder = Recipe(model, args.label or str(time.time()))
    sq.encoder_for = lambda name, workdir, model_dir=None: encoder  # the CSFCube loop's model
    with contextlib.redirect_stdout(io.StringIO()):
        cs = sq.evaluate_csfcube(args.csfcube, args.workdir, [encoder.name], args.workdir)
    recall, ndcg = acm_rerank(encoder, args.acm_cr, args.workdir, args.rerank_k)
    row = {
        "label": args.label,
        "texts": n,
        "shrink": args.shrink,
        "lr": args.lr,
        "epochs": args.epochs,
        "keep_start": args.keep_start,
        **{f"csfcube {name}": round(cs[name]["ndcg%20"], 2) for name in cs if "recipe" in name},
        "acm-cr rerank R@10": round(recall, 2),
        "acm-cr rerank nDCG@10": round(ndcg, 2),
    }
    print(json.dumps(row), flush=True)
    with args.results.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

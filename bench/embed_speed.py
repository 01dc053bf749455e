"""Embedding throughput on ACM-CR abstracts, each encoder beside MiniLM in the same process.

The machine is shared: absolute rates swing with the load, so every encoder is timed on the
same texts as the baseline (MiniLM through sentence-transformers, batch 32, as `enrich`
ran it), interleaved in rounds, and reported as abstracts/s and as a ratio to the baseline
of its round; the load average is printed with each round. The fast encoders embed a
larger sample (``--fast-texts``); their ratio uses MiniLM's rate of the same round. For the
MiniLM variants the mean and minimum cosine to MiniLM's own vectors are reported too.

Usage: python bench/embed_speed.py [--acm-cr ../shared/data/acm-cr] [--workdir var/search-bench]
         [--texts 128] [--fast-texts 5000] [--rounds 2]
         [--encoders minilm-onnx,minilm-int8,tokenlearn,model2vec]
         [--results bench/results/embed_speed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sqlalchemy import select  # noqa: E402

from paperscope.embeddings.encoders import Encoder, get_encoder, work_text  # noqa: E402
from paperscope.embeddings.static import TokenlearnEncoder  # noqa: E402
from paperscope.store.schema import works  # noqa: E402
from search_quality import acm_store  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "embed_speed.json"
FAST = ("tokenlearn", "model2vec", "hashing")


def abstracts(acm_cr: Path, workdir: Path, count: int) -> list[str]:
    """``count`` ACM-CR works with an abstract, a fixed random sample."""
    store = acm_store(acm_cr, workdir)
    with store.connect() as connection:
        rows = connection.execute(
            select(works.c.title, works.c.abstract)
            .where(works.c.abstract.is_not(None))
            .order_by(works.c.id)
        ).all()
    store.close()
    picks = np.random.default_rng(7).choice(len(rows), min(count, len(rows)), replace=False)
    return [work_text(rows[i][0], rows[i][1]) for i in picks]


def rate(encoder: Encoder, texts: list[str], batch_size: int) -> tuple[float, np.ndarray]:
    started = time.perf_counter()
    vectors = encoder.encode(texts, batch_size=batch_size)
    return len(texts) / (time.perf_counter() - started), vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acm-cr", type=Path, default=ROOT.parent / "shared" / "data" / "acm-cr")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "search-bench")
    parser.add_argument("--texts", type=int, default=128, help="abstracts per MiniLM timing")
    parser.add_argument("--fast-texts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--encoders", default="minilm-onnx,minilm-int8,tokenlearn,model2vec")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    sample = abstracts(args.acm_cr, args.workdir, max(args.texts, args.fast_texts))
    texts = sample[: args.texts]
    baseline = get_encoder("minilm", args.workdir)
    names = args.encoders.split(",")
    encoders = {name: get_encoder(name, args.workdir) for name in names}
    for name, encoder in encoders.items():
        if isinstance(encoder, TokenlearnEncoder) and not encoder.trained:
            sys.exit(f"{name} is not trained: run bench/search_quality.py or enrich first")
        encoder.encode(texts[:4])  # load (or build) the model outside the timings
    baseline.encode(texts[:4])
    rounds: list[dict[str, Any]] = []
    for number in range(args.rounds):
        load = os.getloadavg()[0]
        base_rate, reference = rate(baseline, texts, 32)
        result: dict[str, Any] = {"load_average": load, "minilm": {"abstracts_per_s": base_rate}}
        print(f"round {number + 1} (load average {load:.1f}): minilm {base_rate:.1f}/s", flush=True)
        for name, encoder in encoders.items():
            chosen = sample[: args.fast_texts] if name in FAST else texts
            speed, vectors = rate(encoder, chosen, 32)
            entry: dict[str, Any] = {"abstracts_per_s": speed, "ratio": speed / base_rate}
            if name not in FAST:
                cosines = (vectors * reference).sum(axis=1)
                entry["cosine_to_minilm_mean"] = float(cosines.mean())
                entry["cosine_to_minilm_min"] = float(cosines.min())
            result[name] = entry
            print(f"  {name:12s} {speed:9.1f}/s  {speed / base_rate:7.1f}x minilm", flush=True)
        rounds.append(result)
    summary = {
        name: {
            "abstracts_per_s": float(np.median([r[name]["abstracts_per_s"] for r in rounds])),
            "ratio": float(np.median([r[name].get("ratio", 1.0) for r in rounds])),
        }
        for name in ["minilm", *names]
    }
    report = {
        "texts": len(texts),
        "fast_texts": min(args.fast_texts, len(sample)),
        "cpu_count": os.cpu_count(),
        "rounds": rounds,
        "median": summary,
        "nominal_minilm_abstracts_per_s": 15.4,
        "note": "MiniLM runs 15.4 abstracts/s on an idle machine of this kind "
        "(DEPENDENCIES.md): ratio x 15.4 estimates an encoder's idle rate",
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()

"""Author disambiguation quality on labelled names (AMiner name-disambiguation XML layout).

    python bench/disambiguation.py --train ../shared/data/aminer-na/dev
    python bench/disambiguation.py --train DIR --test OTHER_DIR
    python bench/disambiguation.py --train ../shared/data/aminer-na/dev \
        --export-training src/paperscope/identity/data/pairs.csv.gz

With `--train` only, names are cross-validated: each fold's names are clustered by a model
trained (and its threshold tuned) on the other folds' names only. With `--test`, the model is
trained on every `--train` name and each `--test` name is scored. The clustering is never told
the number of people. Each file is read and scored on its own.

Printed: paperscope's pairwise and B-cubed precision / recall / F1, macro (mean over names)
and micro (pairs pooled over names; B-cubed weighted by signatures), then the same for two
baselines measured in the same run: "one name = one person" and "each paper its own person".
Results go to bench/results/disambiguation.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from paperscope.embeddings.encoders import Encoder, get_encoder
from paperscope.identity.evaluation import PairCounts, Scores, pair_counts, pairwise_prf, score
from paperscope.identity.features import FEATURE_NAMES, Evidence
from paperscope.identity.labelled import LabelledName, read_labelled_dir
from paperscope.identity.merge import GROUP_FEATURES
from paperscope.identity.model import BoostedModel, save_training_rows, train_groups
from paperscope.identity.parts import parts
from paperscope.identity.topics import (
    TITLE_TRAIN_TEXTS,
    FileTopicCache,
    title_encoder,
    topic_vectors,
)
from paperscope.identity.training import (
    GUIDE_THRESHOLD,
    PAIRS_PER_NAME,
    Block,
    clustering,
    fit,
    group_rows,
    held_out,
    probabilities,
    training_rows,
    tune,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "disambiguation.json"
TOPIC_CACHE = ROOT / "var" / "identity-bench"

EXPORT_ROWS = 60_000


def load(directory: Path, topics: str = "minilm", cache_dir: Path = TOPIC_CACHE) -> list[Block]:
    """Every labelled name of `directory` with its features; `topics` names the encoder of
    the title embeddings ("none": without), whose vectors are cached in `cache_dir`.
    "tokenlearn" is resolve's corpus-trained title encoder, trained here (once, kept in
    `cache_dir`) on the titles of every name in `directory`, as `resolve` trains it on the
    titles of the database it clusters."""
    names = [name for name in read_labelled_dir(directory) if name.signatures]
    cache: dict[str, NDArray[np.float32]] = {}
    encoder: Encoder | None = None
    if topics == "tokenlearn":
        encoder = title_encoder(cache_dir / f"tokenlearn-{directory.name}")
        titles = [" ".join(s.title.split()) for name in names for s in name.signatures]
        encoder.train(list(dict.fromkeys(titles))[:TITLE_TRAIN_TEXTS])
    elif topics != "none":
        encoder = get_encoder(topics, ROOT / "var" / "search-bench")
        cache = FileTopicCache(cache_dir / f"{topics}-titles.npz")
    blocks = []
    for name in names:
        vectors = None
        if encoder is not None:
            vectors = topic_vectors([s.title for s in name.signatures], encoder, cache)
        blocks.append(Block.of(name, vectors))
    if isinstance(cache, FileTopicCache):
        cache.save()
    return blocks


@dataclass(frozen=True)
class NameResult:
    name: str
    signatures: int
    people: int
    predicted_people: int
    scores: dict[str, Scores]
    pairs: dict[str, PairCounts]


def in_parts(model: BoostedModel, block: Block, limit: int) -> list[int]:
    """What `resolve` does with a name block: its parts (`identity.parts`: name components,
    bisected to at most `limit` signatures) clustered one by one, each with evidence of its
    own; labels numbered across parts."""
    signatures = block.name.signatures
    topics = block.evidence.topics
    out = [0] * len(signatures)
    offset = 0
    for part in parts(signatures, topics, (), limit):
        name = LabelledName(
            block.name.name,
            tuple(signatures[k] for k in part),
            tuple(block.labels[k] for k in part),
        )
        sub = Block.of(name, None if topics is None else topics[part])
        labels = clustering(
            sub, probabilities(model, sub), (model.linkage, model.threshold), model.groups
        )
        for k, label in zip(part, labels, strict=True):
            out[k] = offset + label
        offset += max(labels) + 1
    return out


def evaluate(model: BoostedModel, block: Block, part_limits: Sequence[int] = ()) -> NameResult:
    n = len(block.labels)
    predictions = {
        "paperscope": clustering(
            block, probabilities(model, block), (model.linkage, model.threshold), model.groups
        ),
        "one name = one person": [0] * n,
        "each paper its own person": list(range(n)),
    }
    for limit in part_limits:
        predictions[parts_method(limit)] = in_parts(model, block, limit)
    return NameResult(
        name=block.name.name,
        signatures=n,
        people=len(set(block.labels)),
        predicted_people=len(set(predictions["paperscope"])),
        scores={k: score(block.labels, v) for k, v in predictions.items()},
        pairs={k: pair_counts(block.labels, v) for k, v in predictions.items()},
    )


def parts_method(limit: int) -> str:
    return f"in parts of at most {limit}"


def summarise(results: Sequence[NameResult], method: str) -> dict[str, float]:
    macro = {
        field: float(np.mean([getattr(r.scores[method], field) for r in results]))
        for field in Scores.__dataclass_fields__
    }
    pooled = PairCounts(
        sum(r.pairs[method].true_positive for r in results),
        sum(r.pairs[method].predicted for r in results),
        sum(r.pairs[method].actual for r in results),
    )
    pp, pr, pf = pairwise_prf(pooled)
    total = sum(r.signatures for r in results)
    bp = sum(r.scores[method].bcubed_precision * r.signatures for r in results) / total
    br = sum(r.scores[method].bcubed_recall * r.signatures for r in results) / total
    bf = 0.0 if bp + br == 0 else 2 * bp * br / (bp + br)
    return {
        **{f"macro_{k}": v for k, v in macro.items()},
        "micro_pairwise_precision": pp,
        "micro_pairwise_recall": pr,
        "micro_pairwise_f1": pf,
        "micro_bcubed_precision": bp,
        "micro_bcubed_recall": br,
        "micro_bcubed_f1": bf,
    }


def print_summary(summary: dict[str, float], prefix: str = "") -> None:
    s = summary
    print(f"{prefix}B-cubed F1 (macro): {s['macro_bcubed_f1']:.3f}")
    print(f"{prefix}pairwise F1 (macro): {s['macro_pairwise_f1']:.3f}")
    print(
        f"{prefix}pairwise precision / recall (macro): "
        f"{s['macro_pairwise_precision']:.3f} / {s['macro_pairwise_recall']:.3f}"
    )
    print(
        f"{prefix}B-cubed precision / recall (macro): "
        f"{s['macro_bcubed_precision']:.3f} / {s['macro_bcubed_recall']:.3f}"
    )
    print(
        f"{prefix}pairwise F1 (micro): {s['micro_pairwise_f1']:.3f} "
        f"(precision {s['micro_pairwise_precision']:.3f}, "
        f"recall {s['micro_pairwise_recall']:.3f})"
    )
    print(
        f"{prefix}B-cubed F1 (micro): {s['micro_bcubed_f1']:.3f} "
        f"(precision {s['micro_bcubed_precision']:.3f}, recall {s['micro_bcubed_recall']:.3f})"
    )


def topic_auc(blocks: Sequence[Block]) -> float | None:
    """ROC AUC of the title-vector cosine for "same person" over every pair of signatures of
    one name, pooled over the names (None without title vectors)."""
    from sklearn.metrics import roc_auc_score

    same, cosines = [], []
    for block in blocks:
        vectors = block.evidence.topics
        if vectors is None:
            return None
        labels = np.asarray(block.labels)
        i, j = np.triu_indices(len(labels), k=1)
        same.append(labels[i] == labels[j])
        cosines.append(np.einsum("ij,ij->i", vectors[i], vectors[j]))
    return float(roc_auc_score(np.concatenate(same), np.concatenate(cosines)))


def block_speed(
    blocks: Sequence[Block], model: BoostedModel, size: int = 1_000
) -> dict[str, float]:
    """Seconds to score and cluster one block of `size` signatures (real ones, one name)."""
    signatures = [
        replace(s, key=k, work=k, name="Wei Wang")
        for k, s in enumerate(sig for b in blocks for sig in b.name.signatures)
    ][:size]
    topics = [b.evidence.topics for b in blocks]
    present = [t for t in topics if t is not None]
    vectors = np.concatenate(present)[:size] if len(present) == len(topics) else None
    n = len(signatures)
    started = time.perf_counter()
    evidence = Evidence(signatures, vectors)
    features = evidence.pairs(range(n), range(n))
    featured = time.perf_counter()
    i, j = np.triu_indices(n, k=1)
    p = np.eye(n)
    p[i, j] = p[j, i] = model.probabilities(features[i, j])
    scored = time.perf_counter()
    block = Block(LabelledName("speed", tuple(signatures), ("0",) * n), evidence, features)
    clustering(block, p, (model.linkage, model.threshold), model.groups)
    done = time.perf_counter()
    return {
        "signatures": n,
        "features_seconds": round(featured - started, 2),
        "model_seconds": round(scored - featured, 2),
        "clustering_seconds": round(done - scored, 2),
        "total_seconds": round(done - started, 2),
    }


def export(blocks: Sequence[Block], path: Path) -> None:
    """Write the packaged training rows (pairs and groups) and their metadata."""
    held = held_out(blocks)
    first, threshold = tune(held)
    guide = train_groups(*group_rows(held, first), threshold=GUIDE_THRESHOLD)
    rows, same, weights = group_rows(held, first, guide)
    save_training_rows(path.with_name("groups.csv.gz"), GROUP_FEATURES, rows, same, weights)
    features, labels = training_rows(blocks)
    if len(labels) > EXPORT_ROWS:  # a uniform sample keeps first-use training quick
        keep = np.sort(np.random.default_rng(0).choice(len(labels), EXPORT_ROWS, replace=False))
        features, labels = features[keep], labels[keep]
    save_training_rows(path, FEATURE_NAMES, features, labels)
    meta = {
        "source": f"AMiner name-disambiguation dev split, {len(blocks)} names",
        "threshold": first[1],
        "linkage": first[0],
        "group_threshold": threshold,
        "pairs_per_name": PAIRS_PER_NAME,
        "rows": f"uniform sample (seed 0) of at most {EXPORT_ROWS} pairs",
        "groups": (
            f"{len(same)} group pairs (groups.csv.gz) from first-pass groups, person halves "
            f"and a first-round model's merges at {GUIDE_THRESHOLD}, weighted per name"
        ),
    }
    path.with_suffix("").with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    print(
        f"wrote {len(labels)} pairs to {path} and {len(same)} group pairs beside it; "
        f"{first[0]} linkage, threshold {first[1]:.2f}, second pass at {threshold:.2f}"
    )


def chosen(model: BoostedModel) -> str:
    second = "off" if model.groups is None else f"{model.groups.threshold:.2f}"
    return f"{model.linkage} {model.threshold:.2f} / {second}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--test", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--topics",
        choices=("minilm", "tokenlearn", "model2vec", "hashing", "none"),
        default="minilm",
        help="encoder of the title embeddings behind topic_cosine (none: without; "
        "tokenlearn: resolve's title encoder, trained on the names' own titles)",
    )
    parser.add_argument(
        "--model-topics",
        choices=("minilm", "tokenlearn", "model2vec", "hashing", "none"),
        help="encoder of the title embeddings the models learn from (default: --topics); "
        "`--topics tokenlearn --model-topics minilm` is what resolve does with "
        "identity_topics = tokenlearn: the shipped rows hold MiniLM's cosines",
    )
    parser.add_argument("--cache", type=Path, default=TOPIC_CACHE, help="title vector cache")
    parser.add_argument("--export-training", type=Path, metavar="CSV_GZ")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--part-limit",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="(repeatable) also score each name clustered as resolve splits a large block: "
        "in parts of at most N signatures (identity.parts), beside the whole-name clustering",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    model_topics = args.model_topics or args.topics
    train_blocks = load(args.train, model_topics, args.cache)
    if not train_blocks:
        parser.error(f"no labelled names (*.xml) in {args.train}")
    if args.export_training:
        export(train_blocks, args.export_training)
        return 0
    scored_blocks = train_blocks
    if model_topics != args.topics:
        scored_blocks = load(args.train, args.topics, args.cache)

    results: list[NameResult] = []
    thresholds: list[str] = []
    if args.test:
        model = fit(train_blocks)
        thresholds.append(chosen(model))
        scored_blocks = load(args.test, args.topics, args.cache)
        results = [evaluate(model, block, args.part_limit) for block in scored_blocks]
        protocol = f"trained on {args.train}, scored on {args.test}"
    else:
        for k in range(args.folds):
            rest = [b for m in range(args.folds) if m != k for b in train_blocks[m :: args.folds]]
            model = fit(rest)
            thresholds.append(chosen(model))
            fold = scored_blocks[k :: args.folds]
            results += [evaluate(model, block, args.part_limit) for block in fold]
        protocol = f"{args.folds}-fold cross-validation over the names of {args.train}"
    if model_topics != args.topics:
        protocol += f"; models learn from {model_topics} title vectors, scored with {args.topics}"
    elapsed = time.perf_counter() - started
    speed = block_speed(train_blocks, model)
    auc = topic_auc(scored_blocks)

    print(f"{len(results)} names, {sum(r.signatures for r in results)} signatures; {protocol}")
    print(f"linkage, threshold / second-pass threshold chosen: {', '.join(thresholds)}")
    methods: tuple[str, ...] = ("paperscope", "one name = one person", "each paper its own person")
    for limit in args.part_limit:
        methods += (parts_method(limit),)
        split = sum(len(parts(b.name.signatures, None, (), limit)) > 1 for b in train_blocks)
        print(f"names split in more than one part at {limit}: {split}")
    summaries = {method: summarise(results, method) for method in methods}
    print_summary(summaries["paperscope"])
    for method in methods[1:]:
        print_summary(summaries[method], prefix=f"{method}: ")
    print(
        f"one block of {speed['signatures']} authorships: {speed['total_seconds']:.1f} s "
        f"(features {speed['features_seconds']:.1f}, model {speed['model_seconds']:.1f}, "
        f"clustering {speed['clustering_seconds']:.1f})"
    )
    if auc is not None:
        print(f"title-vector cosine, same person or not ({args.topics}): ROC AUC {auc:.3f}")
    print(f"elapsed {elapsed:.1f} s")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "protocol": protocol,
        "thresholds": thresholds,
        "summaries": summaries,
        "names": [
            {
                "name": r.name,
                "signatures": r.signatures,
                "people": r.people,
                "predicted_people": r.predicted_people,
                "scores": {k: asdict(v) for k, v in r.scores.items()},
            }
            for r in results
        ],
        "elapsed_seconds": round(elapsed, 1),
        "block_speed": speed,
        "topic_cosine_auc": None if auc is None else round(auc, 4),
    }
    args.results.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

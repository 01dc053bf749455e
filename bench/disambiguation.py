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
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "disambiguation.json"

from paperscope.identity.cluster import LINKAGES, cluster  # noqa: E402
from paperscope.identity.evaluation import (  # noqa: E402
    PairCounts,
    Scores,
    pair_counts,
    pairwise_prf,
    score,
)
from paperscope.identity.features import Evidence  # noqa: E402
from paperscope.identity.labelled import LabelledName, read_labelled_dir  # noqa: E402
from paperscope.identity.model import BoostedModel, save_training_pairs, train  # noqa: E402
from paperscope.identity.regroup import regroup_labels  # noqa: E402

THRESHOLDS = np.round(np.concatenate([np.arange(0.15, 0.9, 0.05), [0.9, 0.93, 0.95, 0.97]]), 2)
PAIRS_PER_NAME = 20_000
INNER_FOLDS = 2
EXPORT_ROWS = 60_000
REGROUP_THRESHOLDS: tuple[float | None, ...] = (None, 0.15, 0.2, 0.25, 0.3)


@dataclass
class Block:
    """One labelled name with its full feature tensor."""

    name: LabelledName
    features: NDArray[np.float64]
    titles: Any
    """Title TF-IDF rows, for the cluster-level second pass."""

    @property
    def labels(self) -> tuple[str, ...]:
        return self.name.labels


def load(directory: Path) -> list[Block]:
    blocks = []
    for name in read_labelled_dir(directory):
        n = len(name.signatures)
        if n == 0:
            continue
        evidence = Evidence(name.signatures)
        blocks.append(Block(name, evidence.pairs(range(n), range(n)), evidence.titles))
    return blocks


def training_rows(
    blocks: Sequence[Block], seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for block in blocks:
        n = len(block.labels)
        i, j = np.triu_indices(n, k=1)
        if len(i) > PAIRS_PER_NAME:
            keep = rng.choice(len(i), PAIRS_PER_NAME, replace=False)
            i, j = i[keep], j[keep]
        labels = np.array(block.labels)
        xs.append(block.features[i, j])
        ys.append((labels[i] == labels[j]).astype(int))
    if not xs:
        return np.zeros((0, 0)), np.zeros(0, dtype=int)
    return np.concatenate(xs), np.concatenate(ys)


def probabilities(model: BoostedModel, block: Block) -> NDArray[np.float64]:
    n = len(block.labels)
    i, j = np.triu_indices(n, k=1)
    p = np.eye(n)
    p[i, j] = p[j, i] = model.probabilities(block.features[i, j])
    return p


def clustering(
    block: Block, p: NDArray[np.float64], method: str, threshold: float, second: float | None
) -> list[int]:
    """First pass (linkage over probabilities), then the optional cluster-level second pass."""
    labels = cluster(p, threshold, method=method)
    if second is None:
        return labels
    return regroup_labels(labels, block.titles, p == 0, second)


def tune_threshold(blocks: Sequence[Block]) -> tuple[str, float, float | None]:
    """The linkage, threshold and second-pass threshold that maximise macro pairwise F1 on
    out-of-fold probabilities (the second pass tuned after the first)."""
    folds = [list(blocks[k::INNER_FOLDS]) for k in range(INNER_FOLDS)]
    held: list[tuple[Block, NDArray[np.float64]]] = []
    for k, fold in enumerate(folds):
        rest = [b for m, other in enumerate(folds) if m != k for b in other]
        model = train(*training_rows(rest))
        held += [(block, probabilities(model, block)) for block in fold]
    best, best_f1 = ("average", 0.5), -1.0
    for method in LINKAGES:
        for threshold in THRESHOLDS:
            f1s = [
                pairwise_prf(pair_counts(b.labels, cluster(p, float(threshold), method=method)))[2]
                for b, p in held
            ]
            if np.mean(f1s) > best_f1:
                best, best_f1 = (method, float(threshold)), float(np.mean(f1s))
    second, second_f1 = None, -1.0
    for candidate in REGROUP_THRESHOLDS:
        f1 = float(np.mean([
            pairwise_prf(pair_counts(b.labels, clustering(b, p, *best, candidate)))[2]
            for b, p in held
        ]))  # fmt: skip
        if f1 > second_f1:
            second, second_f1 = candidate, f1
    return (*best, second)


def fit(blocks: Sequence[Block]) -> BoostedModel:
    linkage, threshold, second = tune_threshold(blocks)
    features, labels = training_rows(blocks)
    return train(features, labels, threshold, linkage=linkage, regroup=second)


@dataclass(frozen=True)
class NameResult:
    name: str
    signatures: int
    people: int
    predicted_people: int
    scores: dict[str, Scores]
    pairs: dict[str, PairCounts]


def evaluate(model: BoostedModel, block: Block) -> NameResult:
    n = len(block.labels)
    predictions = {
        "paperscope": clustering(
            block, probabilities(model, block), model.linkage, model.threshold, model.regroup
        ),
        "one name = one person": [0] * n,
        "each paper its own person": list(range(n)),
    }
    return NameResult(
        name=block.name.name,
        signatures=n,
        people=len(set(block.labels)),
        predicted_people=len(set(predictions["paperscope"])),
        scores={k: score(block.labels, v) for k, v in predictions.items()},
        pairs={k: pair_counts(block.labels, v) for k, v in predictions.items()},
    )


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


def block_speed(
    blocks: Sequence[Block], model: BoostedModel, size: int = 1_000
) -> dict[str, float]:
    """Seconds to score and cluster one block of `size` signatures (real ones, one name)."""
    signatures = [
        replace(s, key=k, work=k, name="Wei Wang")
        for k, s in enumerate(sig for b in blocks for sig in b.name.signatures)
    ][:size]
    n = len(signatures)
    started = time.perf_counter()
    evidence = Evidence(signatures)
    features = evidence.pairs(range(n), range(n))
    featured = time.perf_counter()
    i, j = np.triu_indices(n, k=1)
    p = np.eye(n)
    p[i, j] = p[j, i] = model.probabilities(features[i, j])
    scored = time.perf_counter()
    labels = cluster(p, model.threshold, method=model.linkage)
    if model.regroup is not None:
        regroup_labels(labels, evidence.titles, p == 0, model.regroup)
    done = time.perf_counter()
    return {
        "signatures": n,
        "features_seconds": round(featured - started, 2),
        "model_seconds": round(scored - featured, 2),
        "clustering_seconds": round(done - scored, 2),
        "total_seconds": round(done - started, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--test", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--export-training", type=Path, metavar="CSV_GZ")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    train_blocks = load(args.train)
    if not train_blocks:
        parser.error(f"no labelled names (*.xml) in {args.train}")
    if args.export_training:
        linkage, threshold, second = tune_threshold(train_blocks)
        features, labels = training_rows(train_blocks)
        if len(labels) > EXPORT_ROWS:  # a uniform sample keeps first-use training quick
            keep = np.sort(np.random.default_rng(0).choice(len(labels), EXPORT_ROWS, replace=False))
            features, labels = features[keep], labels[keep]
        meta = {
            "source": f"AMiner name-disambiguation dev split, {len(train_blocks)} names",
            "threshold": threshold,
            "linkage": linkage,
            "regroup_threshold": second,
            "pairs_per_name": PAIRS_PER_NAME,
            "rows": f"uniform sample (seed 0) of at most {EXPORT_ROWS} pairs",
        }
        save_training_pairs(args.export_training, features, labels, meta)
        print(
            f"wrote {len(labels)} pairs to {args.export_training}; "
            f"{linkage} linkage, threshold {threshold:.2f}, second pass {second}"
        )
        return 0

    results: list[NameResult] = []
    thresholds: list[str] = []
    if args.test:
        model = fit(train_blocks)
        thresholds.append(f"{model.linkage} {model.threshold:.2f} / {model.regroup}")
        results = [evaluate(model, block) for block in load(args.test)]
        protocol = f"trained on {args.train}, scored on {args.test}"
    else:
        folds = [train_blocks[k :: args.folds] for k in range(args.folds)]
        for k, fold in enumerate(folds):
            rest = [b for m, other in enumerate(folds) if m != k for b in other]
            model = fit(rest)
            thresholds.append(f"{model.linkage} {model.threshold:.2f} / {model.regroup}")
            results += [evaluate(model, block) for block in fold]
        protocol = f"{args.folds}-fold cross-validation over the names of {args.train}"
    elapsed = time.perf_counter() - started
    speed = block_speed(train_blocks, model)

    print(f"{len(results)} names, {sum(r.signatures for r in results)} signatures; {protocol}")
    print(f"linkage, threshold / second-pass threshold chosen: {', '.join(thresholds)}")
    methods = ("paperscope", "one name = one person", "each paper its own person")
    summaries = {method: summarise(results, method) for method in methods}
    print_summary(summaries["paperscope"])
    for method in methods[1:]:
        print_summary(summaries[method], prefix=f"{method}: ")
    print(
        f"one block of {speed['signatures']} authorships: {speed['total_seconds']:.1f} s "
        f"(features {speed['features_seconds']:.1f}, model {speed['model_seconds']:.1f}, "
        f"clustering {speed['clustering_seconds']:.1f})"
    )
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
    }
    args.results.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

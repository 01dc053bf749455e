"""Feedback that trains the feed: precision@10 of the personal ranking with and without
"not interested", beside a most-recent baseline, on simulated users over real ACM-CR records.

Data: ACM-CR's ACM DL BibTeX (../shared/data/acm-cr/acm-dl-bibtex.tar.gz), read with
paperscope's own BibTeX parser; the records with an abstract of `VENUES` (up to
`--per-venue` each). A record's venue folder (acm-dl/<venue>/...) is its topic: a user's
interests are a few venues, and a work is relevant to the user when its venue is one of them
(held out from the model: it sees only title + abstract vectors).

Split by year: works up to `OLD_UNTIL` are the past (seed libraries and the sampled
negatives, as personal.sample_negatives draws them from the corpus); works from `NEW_FROM`
to `NEW_UNTIL` are new, split by a hash of their DOI into a session pool (what the user is
shown while giving feedback) and a held-out pool (what precision is measured on; never shown).

Each simulated user (seeded): `--interests` venues, a seed library of `--seed` past works
from each. In each of `--sessions` sessions the user is shown the top 10 of the session pool
under the current model (works already shown are not shown again) and marks every shown
work outside their interests "not interested" (and, for the `+more` configuration, every
work inside them "more like this"). Then each configuration ranks the held-out pool:

  most-recent       the newest held-out works (year, then a hash of the DOI), the baseline
  library           personal.rank_vectors on the library alone (no feedback)
  dismissed         + the dismissals at personal.DISMISSED_WEIGHT (what paperscope runs)
  dismissed-w<W>    the same at other weights (--weights; 1: what a sampled negative weighs)
  dismissed+more    + "more like this" on the relevant shown works as positives

precision@10 = relevant works among the first 10 picks / 10 (fewer than 10 picks count as
misses), averaged over users, with its standard error and each configuration's paired gain
over `library` (the same users). The ranking is paperscope's own
(`notify.personal.rank_vectors`, which `personal.rank` calls once it has loaded the
vectors); vectors come from the fast static encoder (model2vec, distilled once from MiniLM
and cached under --data-dir/models).

Usage: python bench/feedback.py --acm-cr ../shared/data/acm-cr [--users 40]
         [--data-dir var] [--results bench/results/feedback.json]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import sys
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from paperscope.domain import WorkRecord  # noqa: E402
from paperscope.embeddings.encoders import get_encoder, work_text  # noqa: E402
from paperscope.notify import personal  # noqa: E402
from paperscope.sources import bibtex  # noqa: E402
from paperscope.sources.base import Parsed  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "feedback.json"
VENUES = (
    "sigir", "chi", "sigmod", "uist", "kdd", "www", "mm", "pods",
    "cscw", "icml", "uai", "recsys", "jcdl", "doceng", "ubicomp", "sigdoc",
)  # fmt: skip
OLD_UNTIL = 2016
NEW_FROM, NEW_UNTIL = 2018, 2019  # years every chosen venue has works in
SAMPLED = 2000  # personal.NEGATIVES
SHOWN = 10
K = 10

Vectors = dict[int, npt.NDArray[np.float32]]


@dataclass(frozen=True, slots=True)
class Paper:
    key: str
    venue: str
    year: int
    title: str
    abstract: str


def read_papers(tarball: Path, per_venue: int) -> list[Paper]:
    """Records with an abstract and a year, of the chosen venues: a seeded sample of each
    venue's past and of its new works, half and half."""
    found: dict[str, list[Paper]] = {v: [] for v in VENUES}
    with tarfile.open(tarball, mode="r|gz") as archive:  # one pass over the stream
        for member in archive:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) < 3 or parts[1] not in found:
                continue
            stream = archive.extractfile(member)
            if stream is None:
                continue
            for paper in _papers(parts[1], stream.read()):
                found[paper.venue].append(paper)
    papers: list[Paper] = []
    for venue, items in found.items():
        items.sort(key=lambda p: p.key)
        rng = random.Random(venue)
        old = [p for p in items if p.year <= OLD_UNTIL]
        new = [p for p in items if NEW_FROM <= p.year <= NEW_UNTIL]
        rng.shuffle(old)
        rng.shuffle(new)
        papers += old[: per_venue // 2] + new[: per_venue // 2]
    return papers


def _papers(venue: str, data: bytes) -> Iterator[Paper]:
    for result in bibtex.parse(io.BytesIO(data)):
        if not isinstance(result, Parsed):
            continue
        record = result.record
        if not isinstance(record, WorkRecord):
            continue
        abstract = getattr(record, "abstract", None)
        year = getattr(record, "year", None)
        if not abstract or not year or not record.ids:
            continue
        yield Paper(record.ids[0].value, venue, int(year), record.title, abstract)


def _held_out(key: str) -> bool:
    return hashlib.sha1(key.encode()).digest()[0] % 2 == 0


@dataclass(frozen=True, slots=True)
class Corpus:
    papers: list[Paper]
    table: Vectors
    past: list[int]
    session_pool: list[int]
    held_out: list[int]
    sampled: list[int]


def build(papers: list[Paper], table: Vectors) -> Corpus:
    past = [i for i, p in enumerate(papers) if p.year <= OLD_UNTIL]
    new = [i for i, p in enumerate(papers) if NEW_FROM <= p.year <= NEW_UNTIL]
    step = max(1, len(past) // SAMPLED)
    return Corpus(
        papers,
        table,
        past,
        [i for i in new if not _held_out(papers[i].key)],
        [i for i in new if _held_out(papers[i].key)],
        past[::step][:SAMPLED],
    )


@dataclass(slots=True)
class User:
    interests: frozenset[str]
    library: list[int]
    dismissed: list[int]
    liked: list[int]


def make_user(corpus: Corpus, rng: random.Random, interests: int, seed: int) -> User:
    chosen = frozenset(rng.sample(VENUES, interests))
    library: list[int] = []
    for venue in sorted(chosen):
        mine = [i for i in corpus.past if corpus.papers[i].venue == venue]
        library += rng.sample(mine, min(seed, len(mine)))
    return User(chosen, sorted(library), [], [])


def ranking(
    corpus: Corpus,
    user: User,
    pool: list[int],
    *,
    dismissed: bool,
    liked: bool,
    weight: float = personal.DISMISSED_WEIGHT,
) -> list[int]:
    known = set(user.library) | set(user.dismissed) | set(user.liked)
    examples = personal.Examples(
        saved=list(user.library),
        liked=list(user.liked) if liked else [],
        dismissed=list(user.dismissed) if dismissed else [],
        sampled=[i for i in corpus.sampled if i not in known],
    )
    fresh = [i for i in pool if i not in known]
    ranked = personal.rank_vectors(
        examples, fresh, corpus.table, {}, dismissed_weight=weight, explain=False
    )
    return [p.work_id for p in ranked.picks]


def session(corpus: Corpus, user: User, shown: set[int], *, like: bool) -> None:
    """The user sees the top 10 not yet shown and reacts to each."""
    order = ranking(corpus, user, corpus.session_pool, dismissed=True, liked=like)
    for work_id in [i for i in order if i not in shown][:SHOWN]:
        shown.add(work_id)
        if corpus.papers[work_id].venue in user.interests:
            if like:
                user.liked.append(work_id)
        else:
            user.dismissed.append(work_id)


def precision(corpus: Corpus, user: User, order: list[int]) -> float:
    return sum(corpus.papers[i].venue in user.interests for i in order[:K]) / K


def most_recent(corpus: Corpus) -> list[int]:
    return sorted(corpus.held_out, key=lambda i: (-corpus.papers[i].year, corpus.papers[i].key))


def evaluate(
    corpus: Corpus, users: int, interests: int, seed: int, sessions: int, weights: list[float]
) -> dict[str, Any]:
    swept = [f"dismissed-w{w:g}" for w in weights if w != personal.DISMISSED_WEIGHT]
    configs = ("most-recent", "library", "dismissed", *swept, "dismissed+more")
    scores: dict[str, list[float]] = {c: [] for c in configs}
    dismissals: list[int] = []
    recent = most_recent(corpus)
    rng = random.Random(19)
    for _ in range(users):
        base = make_user(corpus, rng, interests, seed)
        scores["most-recent"].append(precision(corpus, base, recent))
        alone = ranking(corpus, base, corpus.held_out, dismissed=False, liked=False)
        scores["library"].append(precision(corpus, base, alone))
        negative = User(base.interests, list(base.library), [], [])
        shown: set[int] = set()
        for _ in range(sessions):
            session(corpus, negative, shown, like=False)
        dismissals.append(len(negative.dismissed))
        for weight in [personal.DISMISSED_WEIGHT, *weights]:
            name = "dismissed" if weight == personal.DISMISSED_WEIGHT else f"dismissed-w{weight:g}"
            if len(scores[name]) == len(scores["library"]):
                continue  # the default weight listed twice
            order = ranking(
                corpus, negative, corpus.held_out, dismissed=True, liked=False, weight=weight
            )
            scores[name].append(precision(corpus, negative, order))
        both = User(base.interests, list(base.library), [], [])
        shown = set()
        for _ in range(sessions):
            session(corpus, both, shown, like=True)
        order = ranking(corpus, both, corpus.held_out, dismissed=True, liked=True)
        scores["dismissed+more"].append(precision(corpus, both, order))
    library = np.array(scores["library"])
    return {
        "precision_at_10": {c: round(float(np.mean(v)), 4) for c, v in scores.items()},
        "precision_at_10_stderr": {c: _stderr(v) for c, v in scores.items()},
        "paired_gain_over_library": {
            c: {
                "mean": round(float(np.mean(np.array(v) - library)), 4),
                "stderr": _stderr(list(np.array(v) - library)),
                "users_better": int(np.sum(np.array(v) > library)),
                "users_worse": int(np.sum(np.array(v) < library)),
            }
            for c, v in scores.items()
            if c != "library"
        },
        "mean_dismissals_per_user": round(float(np.mean(dismissals)), 2),
    }


def _stderr(values: list[float]) -> float:
    return round(float(np.std(values, ddof=1) / np.sqrt(len(values))), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--acm-cr", type=Path, default=ROOT.parent / "shared" / "data" / "acm-cr")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var")
    parser.add_argument("--encoder", default="model2vec")
    parser.add_argument("--per-venue", type=int, default=800)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--interests", type=int, default=2)
    parser.add_argument("--seed", type=int, default=5, help="seed library works per interest")
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument(
        "--weights", default="1,20", help="other dismissal weights to report beside the default"
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    tarball = args.acm_cr / "acm-dl-bibtex.tar.gz"
    if not tarball.is_file():
        sys.exit(f"no {tarball}: the benchmark needs ACM-CR (see ../shared/README.md)")
    started = time.perf_counter()
    papers = read_papers(tarball, args.per_venue)
    read_s = time.perf_counter() - started
    encoder = get_encoder(args.encoder, args.data_dir)
    started = time.perf_counter()
    matrix = encoder.encode([work_text(p.title, p.abstract) for p in papers])
    encode_s = time.perf_counter() - started
    corpus = build(papers, {i: matrix[i] for i in range(len(papers))})
    started = time.perf_counter()
    weights = [float(w) for w in args.weights.split(",") if w.strip()]
    result = evaluate(corpus, args.users, args.interests, args.seed, args.sessions, weights)
    evaluate_s = time.perf_counter() - started
    report = {
        "data": "ACM-CR ACM DL BibTeX records with abstracts; topic = venue folder",
        "venues": list(VENUES),
        "works": len(papers),
        "past_works": len(corpus.past),
        "session_pool": len(corpus.session_pool),
        "held_out_pool": len(corpus.held_out),
        "sampled_negatives": len(corpus.sampled),
        "encoder": f"{encoder.name} {encoder.version}",
        "users": args.users,
        "interests_per_user": args.interests,
        "seed_per_interest": args.seed,
        "sessions": args.sessions,
        "shown_per_session": SHOWN,
        "dismissed_weight": personal.DISMISSED_WEIGHT,
        **result,
        "seconds": {
            "read": round(read_s, 1),
            "encode": round(encode_s, 1),
            "evaluate": round(evaluate_s, 1),
        },
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

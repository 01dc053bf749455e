"""Does the AI score's impact model predict citations? A time-split test on AAN.

For a split year Y (default 2008, and every Y in --years):
- training works: published in the ten years up to Y-1, labelled with log(1 + citations
  from works published in the work's year or the next): the window closes by Y, so nothing
  after Y is used;
- test works: published in Y+1; truth = citations from works published up to Y+2 (the same
  window: the work's year and the next);
- features (paperscope.metrics.impact, the code `paperscope score` runs): text signal (ridge
  on TF-IDF of titles, fitted on training works), venue and category encodings, number of
  authors, the authors' prior record (h-index, papers, citations over their works of earlier
  years, with citations as known at the start of the work's year), has-code;
  HistGradientBoostingRegressor.

Two baselines are measured in the same run on the same test works: the venue's mean label
over training works, and the largest prior h-index among the authors (as of Y). A third,
stronger venue baseline groups AAN's venue strings by series (the ACL id's letter: P = ACL,
D = EMNLP, C = COLING, W = workshops, ...), since many venue strings name a single year.
The score is Spearman's rank correlation with the true counts. Authors are grouped by
normalised name (AAN is not disambiguated). Results go to bench/results/impact.json.

Usage: python bench/impact.py [--aan ../shared/data/aan] [--years 2005,2006,2007,2008,2009]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from paperscope.domain import CitationRecord, WorkRecord
from paperscope.metrics.impact import (
    TRAINING_YEARS,
    AuthorRecord,
    ImpactInputs,
    citations_before,
    feature_matrix,
    fit_predict,
    prior_author_record,
    text_signal,
)
from paperscope.metrics.text import tfidf_vectors
from paperscope.names import name_key
from paperscope.sources.aan import parse_citations, parse_metadata

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "impact.json"


@dataclass
class Aan:
    ids: list[str]
    titles: list[str]
    venues: np.ndarray
    years: np.ndarray
    citing: np.ndarray
    cited: np.ndarray
    person_of_row: np.ndarray
    work_of_row: np.ndarray
    people: int


def load(folder: Path) -> Aan:
    works: list[WorkRecord] = []
    with (folder / "acl-metadata.txt").open("rb") as stream:
        for result in parse_metadata(stream):
            record = getattr(result, "record", None)
            if isinstance(record, WorkRecord) and record.year:
                works.append(record)
    index = {work.key.value: number for number, work in enumerate(works)}
    edges: set[tuple[int, int]] = set()
    with (folder / "acl.txt").open("rb") as stream:
        for result in parse_citations(stream):
            record = getattr(result, "record", None)
            if isinstance(record, CitationRecord) and record.cited is not None:
                a, b = index.get(record.citing.value), index.get(record.cited.value)
                if a is not None and b is not None and a != b:
                    edges.add((a, b))
    keys: dict[str, int] = {}
    pairs: set[tuple[int, int]] = set()
    for number, work in enumerate(works):
        for author in work.authors:
            key = name_key(author.name)
            pairs.add((keys.setdefault(key, len(keys)), number))
    ordered = sorted(pairs)
    pair_array = np.array(sorted(edges), dtype=np.int64)
    return Aan(
        ids=[work.key.value for work in works],
        titles=[work.title for work in works],
        venues=np.array([(work.venue or "").casefold() for work in works], dtype=object),
        years=np.array([float(work.year or 0) for work in works]),
        citing=pair_array[:, 0],
        cited=pair_array[:, 1],
        person_of_row=np.array([p for p, _ in ordered], dtype=np.int64),
        work_of_row=np.array([w for _, w in ordered], dtype=np.int64),
        people=len(keys),
    )


def citations_until(aan: Aan, last_year: float, window: bool) -> np.ndarray:
    """Citations per work from citing works up to `last_year` (and, with `window`, only
    from the cited work's year or the next)."""
    citing_year = aan.years[aan.citing]
    keep = citing_year <= last_year
    if window:
        keep &= citing_year <= aan.years[aan.cited] + 1
    return np.bincount(aan.cited[keep], minlength=aan.years.size).astype(np.int64)


def split(aan: Aan, year: int) -> dict[str, float]:
    started = time.perf_counter()
    train = (aan.years <= year - 1) & (aan.years >= year - TRAINING_YEARS)
    test = aan.years == year + 1
    labels = np.log1p(citations_until(aan, year, window=True).astype(np.float64))
    truth = citations_until(aan, year + 2, window=True)
    known = aan.years <= year
    horizon = np.where(aan.years <= year, aan.years, np.inf)  # citing works up to Y only
    authors: AuthorRecord = prior_author_record(
        np.where(known | test, aan.years, np.nan),
        citations_before(horizon, aan.citing, aan.cited),
        aan.person_of_row,
        aan.work_of_row,
        aan.people,
    )
    text_started = time.perf_counter()
    vectors = tfidf_vectors(list(aan.titles)).vectors
    text_seconds = time.perf_counter() - text_started
    inputs = ImpactInputs(
        text=text_signal(vectors, labels, train),
        venue=aan.venues,
        category=np.array([""] * aan.years.size, dtype=object),
        author_count=np.bincount(aan.work_of_row, minlength=aan.years.size).astype(np.int64),
        authors=authors,
        has_code=np.zeros(aan.years.size, dtype=bool),
    )
    features = feature_matrix(inputs, labels, train)
    rows = np.flatnonzero(test)
    predicted = fit_predict(features, labels, train, rows)
    assert predicted is not None
    venue_mean = _venue_mean(aan.venues, labels, train)[rows]
    series = np.array([paper[0] for paper in aan.ids], dtype=object)
    series_mean = _venue_mean(series, labels, train)[rows]
    prior_h = authors.h_max[rows]
    result = {
        "split_year": year,
        "train_works": int(train.sum()),
        "test_works": int(rows.size),
        "test_works_cited": int((truth[rows] > 0).sum()),
        "spearman_model": _rho(predicted, truth[rows]),
        "spearman_venue_mean": _rho(venue_mean, truth[rows]),
        "spearman_prior_h_index": _rho(prior_h, truth[rows]),
        "spearman_venue_series_mean": _rho(series_mean, truth[rows]),
        "spearman_text_only": _rho(inputs.text[rows], truth[rows]),
        "tfidf_seconds": round(text_seconds, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }
    return result


def _venue_mean(venues: np.ndarray, labels: np.ndarray, train: np.ndarray) -> np.ndarray:
    names, codes = np.unique(venues.astype(str), return_inverse=True)
    sums = np.bincount(codes[train], weights=np.expm1(labels[train]), minlength=names.size)
    counts = np.bincount(codes[train], minlength=names.size)
    overall = float(np.expm1(labels[train]).mean())
    means = np.where(counts > 0, sums / np.maximum(counts, 1), overall)
    return np.asarray(means[codes], dtype=np.float64)


def _rho(score: np.ndarray, truth: np.ndarray) -> float:
    return round(float(spearmanr(score, truth).statistic), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aan", type=Path, default=ROOT.parent / "shared" / "data" / "aan")
    parser.add_argument("--years", default="2005,2006,2007,2008,2009")
    parser.add_argument("--main-year", type=int, default=2008)
    args = parser.parse_args()
    if not (args.aan / "acl.txt").exists():
        sys.exit(f"no AAN data at {args.aan}")
    started = time.perf_counter()
    aan = load(args.aan)
    print(
        f"AAN: {len(aan.ids)} works with a year, {aan.citing.size} edges between them, "
        f"{aan.people} author names ({time.perf_counter() - started:.1f}s to load)"
    )
    years = sorted({int(y) for y in args.years.split(",")} | {args.main_year})
    splits = [split(aan, year) for year in years]
    print(
        f"{'Y':>5} {'train':>6} {'test':>5} {'model':>7} {'venue':>7} {'prior h':>8} "
        f"{'series':>7} {'text':>7}"
    )
    for s in splits:
        print(
            f"{s['split_year']:>5} {s['train_works']:>6} {s['test_works']:>5} "
            f"{s['spearman_model']:>7.3f} {s['spearman_venue_mean']:>7.3f} "
            f"{s['spearman_prior_h_index']:>8.3f} {s['spearman_venue_series_mean']:>7.3f} "
            f"{s['spearman_text_only']:>7.3f}"
        )
    main_split = next(s for s in splits if s["split_year"] == args.main_year)
    means = {
        name: round(float(np.mean([s[name] for s in splits])), 4)
        for name in (
            "spearman_model",
            "spearman_venue_mean",
            "spearman_prior_h_index",
            "spearman_venue_series_mean",
        )
    }
    beats = all(
        s["spearman_model"]
        > max(
            s["spearman_venue_mean"], s["spearman_prior_h_index"], s["spearman_venue_series_mean"]
        )
        for s in splits
    )
    print(
        f"main split Y={args.main_year}: model {main_split['spearman_model']:.3f}, "
        f"venue mean {main_split['spearman_venue_mean']:.3f}, "
        f"authors' prior h-index {main_split['spearman_prior_h_index']:.3f}, "
        f"venue series mean {main_split['spearman_venue_series_mean']:.3f}"
    )
    print(f"mean over splits: {means}; model beats every baseline in every split: {beats}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "data": "AAN",
                "text_vectors": "tfidf (titles)",
                "main": main_split,
                "splits": splits,
                "mean": means,
                "model_beats_every_baseline_in_every_split": beats,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

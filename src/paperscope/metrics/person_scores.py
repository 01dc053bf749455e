"""Per-person rows of the `score` stage, set-wise over (person, work) rows in numpy."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.definitions import VERSION
from paperscope.metrics.corpus import Corpus
from paperscope.metrics.grouped import grouped_indices
from paperscope.metrics.work_scores import WorkScores

FloatArray = npt.NDArray[np.float64]


def _group_mean(person: npt.NDArray[np.int64], values: FloatArray, people: int) -> FloatArray:
    known = ~np.isnan(values)
    sums = np.bincount(person[known], weights=values[known], minlength=people)
    counts = np.bincount(person[known], minlength=people)
    means = np.full(people, np.nan)
    means[counts > 0] = sums[counts > 0] / counts[counts > 0]
    return means


def person_rows(
    corpus: Corpus, scores: WorkScores, recent: npt.NDArray[np.bool_]
) -> list[dict[str, Any]]:
    people = len(corpus.person_keys)
    person, work = corpus.person_of_row, corpus.work_of_row
    indices = grouped_indices(person, corpus.citations[work], people)
    years = corpus.year[work]
    first = np.full(people, np.inf)
    last = np.full(people, -np.inf)
    known = ~np.isnan(years)
    np.minimum.at(first, person[known], years[known])
    np.maximum.at(last, person[known], years[known])
    novelty = _group_mean(person, scores.novelty_pct[work], people)
    per_work_ai = np.where(recent, scores.ai_score, scores.citation_pct)
    ai_score = _group_mean(person, per_work_ai[work], people)
    categories: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for p, w in zip(person.tolist(), work.tolist(), strict=True):
        category = corpus.category[w]
        if category:
            categories[p][category] += 1
    rows = []
    for number, key in enumerate(corpus.person_keys):
        if indices.papers[number] == 0:
            continue
        counted = categories.get(number)
        rows.append(
            {
                "person_key": key,
                "person_id": corpus.person_ids[number],
                "name": corpus.person_names[number],
                "papers": int(indices.papers[number]),
                "citations": int(indices.citations[number]),
                "h_index": int(indices.h_index[number]),
                "i10_index": int(indices.i10_index[number]),
                "g_index": int(indices.g_index[number]),
                "first_year": int(first[number]) if np.isfinite(first[number]) else None,
                "last_year": int(last[number]) if np.isfinite(last[number]) else None,
                "primary_category": (
                    min(counted, key=lambda c: (-counted[c], c)) if counted else None
                ),
                "novelty_pct": _round(novelty[number]),
                "ai_score": _round(ai_score[number]),
                "definition_version": VERSION,
            }
        )
    return rows


def _round(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 6)

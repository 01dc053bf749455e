"""Per-work scores of the `score` stage: novelty, predicted impact, AI score, percentiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from time import perf_counter
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from paperscope.definitions import RECENT_YEARS
from paperscope.metrics.corpus import Corpus
from paperscope.metrics.impact import (
    TRAINING_YEARS,
    ImpactInputs,
    citations_before,
    feature_matrix,
    fit_predict,
    prior_author_record,
    text_signal,
)
from paperscope.metrics.novelty import cohort_percentiles, novelty
from paperscope.metrics.text import corpus_vectors

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class WorkScores:
    novelty: FloatArray
    novelty_pct: FloatArray
    predicted: FloatArray
    ai_score: FloatArray
    citation_pct: FloatArray
    encoders: list[str | None]
    recomputed: int
    encoder: str | None
    training_works: int
    novelty_screen: str | None = None
    """How novelty compared the works (`metrics.novelty`), when any were scored anew."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Time of the costly parts (novelty, the impact model), when they ran."""


def _stored_column(corpus: Corpus, stored: dict[Any, dict[str, Any]], name: str) -> FloatArray:
    values = np.full(corpus.size, np.nan)
    for number, work_id in enumerate(corpus.work_ids.tolist()):
        row = stored.get(work_id)
        if row is not None and row[name] is not None:
            values[number] = row[name]
    return values


def score_works(
    connection: Connection,
    corpus: Corpus,
    stored: dict[Any, dict[str, Any]],
    *,
    today: date,
    embedding_model: str | None = None,
) -> WorkScores:
    """Scores of every work; novelty and predictions are computed only for unscored works."""
    fresh = np.array([work_id not in stored for work_id in corpus.work_ids.tolist()], dtype=bool)
    raw_novelty = _stored_column(corpus, stored, "novelty")
    predicted = _stored_column(corpus, stored, "predicted_impact")
    encoders: list[str | None] = [
        (stored[w]["encoder"] if w in stored else None) for w in corpus.work_ids.tolist()
    ]
    encoder, training = None, 0
    screens: list[str] = []
    seconds: dict[str, float] = {}
    queries = np.flatnonzero(fresh)
    if queries.size:
        if embedding_model is None:
            from paperscope.config import Settings

            embedding_model = Settings().embedding_model
        text = corpus_vectors(connection, corpus.work_ids, embedding_model)
        encoder = text.encoder
        started = perf_counter()
        found = novelty(text.vectors, corpus.day, queries, text.present, on_screen=screens.append)
        # Rounded as stored, so an incremental run ranks exactly what a full run ranked.
        raw_novelty[queries] = np.round(found, 6)
        seconds["novelty"] = perf_counter() - started
        for number in queries.tolist():
            encoders[number] = encoder
        started = perf_counter()
        fitted, training = _predict(corpus, text.vectors, today, queries)
        seconds["impact model"] = perf_counter() - started
        if fitted is not None:
            predicted[queries] = np.round(fitted, 6)
    year_cohort = _cohort(corpus.year.astype(object), corpus.category)
    month_cohort = _cohort(corpus.month, corpus.category)
    dated = ~np.isnan(corpus.day)
    citations = np.where(dated, np.log1p(corpus.citations.astype(np.float64)), np.nan)
    return WorkScores(
        novelty=raw_novelty,
        novelty_pct=cohort_percentiles(raw_novelty, year_cohort),
        predicted=predicted,
        ai_score=cohort_percentiles(np.where(dated, predicted, np.nan), month_cohort),
        citation_pct=cohort_percentiles(citations, month_cohort),
        encoders=encoders,
        recomputed=int(queries.size),
        encoder=encoder,
        training_works=training,
        novelty_screen=screens[0] if screens else None,
        seconds=seconds,
    )


def _years_before(day: date, years: int) -> int:
    return date(max(day.year - years, 1), day.month, min(day.day, 28)).toordinal()


def _cohort(first: npt.NDArray[Any], second: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    return np.array([f"{a}|{b}" for a, b in zip(first, second, strict=True)], dtype=object)


def _predict(
    corpus: Corpus, vectors: Any, today: date, queries: npt.NDArray[np.int64]
) -> tuple[FloatArray | None, int]:
    """Train on works at least RECENT_YEARS older than the corpus' horizon (today, or the
    newest work when the corpus ends earlier, as an archive does); predict for `queries`."""
    days = np.nan_to_num(corpus.day, nan=np.inf)
    newest = date.fromordinal(int(np.nanmax(corpus.day))) if np.isfinite(days).any() else today
    horizon = min(today, newest)
    cutoff = _years_before(horizon, RECENT_YEARS)
    oldest = _years_before(horizon, RECENT_YEARS + TRAINING_YEARS)
    train = (days <= cutoff) & (days >= oldest)
    citations = corpus.citations
    labels = np.log1p(citations.astype(np.float64))
    inputs = ImpactInputs(
        text=text_signal(vectors, labels, train),
        venue=corpus.venue,
        category=corpus.category,
        author_count=corpus.author_count,
        authors=prior_author_record(
            corpus.year,
            citations_before(corpus.year, corpus.citing, corpus.cited, corpus.reported),
            corpus.person_of_row,
            corpus.work_of_row,
            len(corpus.person_keys),
        ),
        has_code=corpus.has_code,
    )
    features = feature_matrix(inputs, labels, train)
    fitted = fit_predict(features, labels, train, queries)
    return fitted, int(train.sum()) if fitted is not None else 0

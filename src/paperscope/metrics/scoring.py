"""The `score` stage: compute every work's and person's numbers set-wise and store them.

Full run: everything. Incremental run (default): the expensive steps (novelty's nearest
earlier work, the impact model's predictions) run only for works that have no stored scores
yet; the cheap set-wise steps (citation counts, cohort percentiles, h/i10/g-index of every
person) are recomputed in numpy, and only rows whose values changed are written: the new
works, the works they cite, the cohorts they joined, and the people who wrote any of those.
The venue and category statistics (metrics/scopes.py) are recomputed on every run and
written where they changed.
A change of the definitions' version forces a full run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Table, delete, insert, select

from paperscope.definitions import RECENT_YEARS, VERSION
from paperscope.metrics.corpus import Corpus, load_corpus
from paperscope.metrics.person_scores import person_rows
from paperscope.metrics.scopes import stored_rows
from paperscope.metrics.work_scores import WorkScores, score_works
from paperscope.progress import SILENT, Progress
from paperscope.store.ids import in_list
from paperscope.store.metrics_schema import (
    metrics_state,
    person_metrics,
    scope_stats_table,
    work_metrics,
)
from paperscope.store.upsert import insert_rows


@dataclass
class ScoreReport:
    full: bool
    works: int = 0
    recomputed_works: int = 0
    written_works: int = 0
    people: int = 0
    written_people: int = 0
    deleted_people: int = 0
    scopes: int = 0
    written_scopes: int = 0
    encoder: str | None = None
    training_works: int = 0
    novelty_screen: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    parts: dict[str, float] = field(default_factory=dict)
    """Time of the works step's costly parts (novelty, the impact model)."""

    def summary(self) -> str:
        mode = "full" if self.full else "incremental"
        timing = ", ".join(f"{step} {sec:.1f}s" for step, sec in self.seconds.items())
        if self.parts:
            inside = ", ".join(f"{part} {sec:.1f}s" for part, sec in self.parts.items())
            timing += f"\nof the works step: {inside}"
        if self.novelty_screen:
            timing += f"\nnovelty compared by {self.novelty_screen}"
        model = "impact model not needed (no new works)"
        if self.recomputed_works:
            model = (
                f"impact model trained on {self.training_works} works"
                if self.training_works
                else "impact model not trained (too few works with citation history)"
            )
        return (
            f"score ({mode}, definitions {VERSION}): {self.works} works, "
            f"{self.recomputed_works} scored anew, {self.written_works} rows written; "
            f"{self.people} people, {self.written_people} written, "
            f"{self.deleted_people} removed; {self.scopes} venues and categories, "
            f"{self.written_scopes} written; text vectors: {self.encoder or 'not needed'}; "
            f"{model}\n{timing}"
        )


def run_score(
    connection: Connection,
    *,
    full: bool = False,
    today: date | None = None,
    embedding_model: str | None = None,
    progress: Progress = SILENT,
) -> ScoreReport:
    today = today or date.today()
    stored_version = connection.execute(
        select(metrics_state.c.value).where(metrics_state.c.key == "definition_version")
    ).scalar_one_or_none()
    full = full or stored_version != VERSION
    report = ScoreReport(full=full)
    step = _Steps(report, progress).step
    with step("load"):
        corpus = load_corpus(connection)
        stored = _stored_rows(connection, work_metrics, "work_id") if not full else {}
    with step("works"):
        scores = score_works(
            connection, corpus, stored, today=today, embedding_model=embedding_model
        )
    with step("write works"):
        rows = _work_rows(corpus, scores)
        report.written_works = _write_changed(connection, work_metrics, "work_id", rows, stored)
    with step("people"):
        people = person_rows(corpus, scores, _recent(corpus, today))
        old = _stored_rows(connection, person_metrics, "person_key") if not full else {}
    with step("write people"):
        report.written_people = _write_changed(
            connection, person_metrics, "person_key", people, old
        )
        stale = set(old) - {row["person_key"] for row in people}
        if stale:
            connection.execute(
                delete(person_metrics).where(in_list(person_metrics.c.person_key, stale))
            )
        report.deleted_people = len(stale)
    with step("venues and categories"):
        scopes = stored_rows(connection, (corpus.work_ids, corpus.citations))
        kept = _stored_rows(connection, scope_stats_table, "scope") if not full else {}
        report.written_scopes = _write_changed(connection, scope_stats_table, "scope", scopes, kept)
        gone = set(kept) - {row["scope"] for row in scopes}
        if gone:
            connection.execute(
                delete(scope_stats_table).where(in_list(scope_stats_table.c.scope, gone))
            )
        report.scopes = len(scopes)
        _set_state(connection, "definition_version", VERSION)
        _set_state(connection, "scored_on", today.isoformat())
    report.works = corpus.size
    report.recomputed_works = scores.recomputed
    report.people = len(people)
    report.encoder = scores.encoder
    report.training_works = scores.training_works
    report.novelty_screen = scores.novelty_screen
    report.parts = scores.seconds
    return report


def _recent(corpus: Corpus, today: date) -> npt.NDArray[np.bool_]:
    cutoff = date(today.year - RECENT_YEARS, today.month, min(today.day, 28)).toordinal()
    # A work known only by its year counts from the middle of that year.
    middle = np.where(np.char.str_len(corpus.month.astype(str)) == 4, 181, 0)
    return np.nan_to_num(corpus.day + middle, nan=-1) > cutoff


def _work_rows(corpus: Corpus, scores: WorkScores) -> list[dict[str, Any]]:
    rows = []
    reported = corpus.reported
    for number, work_id in enumerate(corpus.work_ids.tolist()):
        in_corpus = int(corpus.in_corpus[number])
        report = int(reported[number])
        rows.append(
            {
                "work_id": work_id,
                "in_corpus_citations": in_corpus,
                "reported_citations": report if report >= 0 else None,
                "citations": max(in_corpus, report),
                "citation_source": "reported" if report > in_corpus else "corpus",
                "novelty": _float(scores.novelty[number]),
                "novelty_pct": _float(scores.novelty_pct[number]),
                "predicted_impact": _float(scores.predicted[number]),
                "ai_score": _float(scores.ai_score[number]),
                "citation_pct": _float(scores.citation_pct[number]),
                "encoder": scores.encoders[number],
                "definition_version": VERSION,
            }
        )
    return rows


def _float(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


def _stored_rows(connection: Connection, table: Table, key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: dict(row) for row in connection.execute(select(table)).mappings()}


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return abs(left - right) <= 1e-6
    return bool(left == right)


def _write_changed(
    connection: Connection,
    table: Table,
    key: str,
    rows: list[dict[str, Any]],
    stored: dict[Any, dict[str, Any]],
) -> int:
    """Write the rows that differ from the stored ones; returns how many were written.

    When most rows changed (a full run, or percentiles shifting across whole cohorts) the table
    is rewritten in bulk, which is faster than deleting row by row.
    """
    changed = [
        row
        for row in rows
        if row[key] not in stored
        or not all(_same(value, stored[row[key]].get(name)) for name, value in row.items())
    ]
    if not changed:
        return 0
    if not stored or len(changed) * 4 > len(rows):
        connection.execute(delete(table))
        written = rows
    else:
        replaced = [row[key] for row in changed if row[key] in stored]
        if replaced:
            connection.execute(delete(table).where(in_list(table.c[key], replaced)))
        written = changed
    insert_rows(connection, table, written)
    return len(changed)


def _set_state(connection: Connection, key: str, value: str) -> None:
    connection.execute(delete(metrics_state).where(metrics_state.c.key == key))
    connection.execute(insert(metrics_state).values(key=key, value=value))


class _Steps:
    """Times each step into the report and tells the progress display."""

    def __init__(self, report: ScoreReport, progress: Progress) -> None:
        self.report = report
        self.progress = progress

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.progress.start(f"score: {name}")
        started = time.perf_counter()
        yield
        self.report.seconds[name] = time.perf_counter() - started

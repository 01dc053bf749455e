""" "For me": a per-user ranking trained on the user's library and feedback, over text
embeddings.

In the spirit of arxiv-sanity-lite's per-tag SVM: the saved works (optionally one tag) and
the works the user asked "more like this" of are the positives; the works the user marked
"not interested" are explicit negatives, each weighing `DISMISSED_WEIGHT` times a sampled
one; a deterministic sample of the rest of the corpus are the other negatives (works with
stored vectors, up to 2,000; else 200 encoded on the fly). A logistic regression on the
embeddings scores the new works; dismissed works are never picked. Each pick names the
kept or liked work it is closest to, and, when the user's dismissals lowered it, the
dismissed work behind that; works the dismissals pushed below the line are reported as held
back. Stored vectors (search.vectors) are used when present, others are encoded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, func, select

from paperscope.accounts.feedback import work_ids as feedback_ids
from paperscope.store.accounts_schema import library_items, library_tags
from paperscope.store.ids import in_list
from paperscope.store.schema import works
from paperscope.store.search_schema import embeddings

if TYPE_CHECKING:
    from paperscope.embeddings.encoders import Encoder

NEGATIVES = 2000
"""Negatives drawn from works whose vectors are stored (cheap to load)."""
ENCODED_NEGATIVES = 200
"""Negatives when few vectors are stored: these are encoded now, so fewer of them."""
MIN_PROBABILITY = 0.5
DISMISSED_WEIGHT = 5.0
"""How much one "not interested" weighs against one sampled negative (bench/feedback.py)."""
PUSHED_DOWN = 0.1
"""A pick's probability this much lower with the dismissals than without names the dismissal."""


@dataclass(frozen=True, slots=True)
class PersonalPick:
    work_id: int
    probability: float
    nearest_title: str
    similarity: float
    nearest_liked: bool = False
    """The nearest positive is a "more like this" (else a saved work)."""
    pushed_down_by: str | None = None
    """The nearest dismissed work's title, when the dismissals lowered this pick."""


@dataclass(frozen=True, slots=True)
class HeldBack:
    """A work the model would have picked but for the user's dismissals."""

    work_id: int
    dismissed_title: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Ranking:
    picks: tuple[PersonalPick, ...] = ()
    held_back: tuple[HeldBack, ...] = ()


@dataclass(frozen=True, slots=True)
class Examples:
    """What the model learns from, by work id."""

    saved: list[int]
    liked: list[int]
    dismissed: list[int]
    sampled: list[int]

    @property
    def positives(self) -> list[int]:
        return self.saved + [i for i in self.liked if i not in set(self.saved)]


def library_ids(connection: Connection, user_id: int, tag: str) -> list[int]:
    query = select(library_items.c.work_id).where(library_items.c.user_id == user_id)
    if tag:
        query = select(library_tags.c.work_id).where(
            library_tags.c.user_id == user_id, library_tags.c.tag == tag
        )
    return sorted(connection.execute(query).scalars())


def negative_ids(
    connection: Connection, exclude: set[int], model: str | None = None, limit: int = NEGATIVES
) -> list[int]:
    """An evenly spaced, deterministic sample of works outside `exclude` (only works with a
    stored vector of `model`, when given)."""
    column = embeddings.c.work_id if model else works.c.id
    scope = [embeddings.c.model == model] if model else []
    source = embeddings if model else works
    total = connection.execute(select(func.count()).select_from(source).where(*scope)).scalar_one()
    step = max(1, total // (limit + len(exclude) + 1))
    ids = connection.execute(
        select(column).where(*scope, column % step == 0).order_by(column)
    ).scalars()
    return [i for i in ids if i not in exclude][:limit]


def sample_negatives(connection: Connection, exclude: set[int], model: str) -> list[int]:
    """Works with stored vectors when there are enough, else a smaller sample to encode."""
    stored = negative_ids(connection, exclude, model)
    if len(stored) >= ENCODED_NEGATIVES:
        return stored
    return negative_ids(connection, exclude, None, ENCODED_NEGATIVES)


_ENCODE_CHUNK = 500  # texts per encoder call


def vectors(
    connection: Connection, encoder: Encoder, work_ids: list[int]
) -> dict[int, npt.NDArray[np.float32]]:
    """Stored vectors of this encoder where present, the rest encoded now."""
    from paperscope.embeddings.encoders import work_text
    from paperscope.embeddings.vectors import load_embeddings

    found: dict[int, npt.NDArray[np.float32]] = {}
    if not work_ids:
        return found
    ids, matrix = load_embeddings(connection, encoder.name, work_ids)
    if matrix.shape[0] and matrix.shape[1] == encoder.dim:
        found = {int(i): matrix[row] for row, i in enumerate(ids)}
    missing = [i for i in work_ids if i not in found]
    if not missing:
        return found
    query = select(works.c.id, works.c.title, works.c.abstract).where(in_list(works.c.id, missing))
    texts = {r.id: work_text(r.title, r.abstract) for r in connection.execute(query)}
    for start in range(0, len(missing), _ENCODE_CHUNK):
        part = [i for i in missing[start : start + _ENCODE_CHUNK] if i in texts]
        encoded = encoder.encode([texts[i] for i in part])
        found.update({work_id: encoded[n] for n, work_id in enumerate(part)})
    return found


def rank(
    connection: Connection,
    user_id: int,
    tag: str,
    candidates: list[int],
    encoder_factory: Callable[[], Encoder],
) -> Ranking:
    """Candidates the model finds more like the user's library than not, best first."""
    dismissed = feedback_ids(connection, user_id, "dismissed")
    hidden = set(dismissed)
    saved = [i for i in library_ids(connection, user_id, tag) if i not in hidden]
    liked = [i for i in feedback_ids(connection, user_id, "more") if i not in set(saved)]
    known = set(saved) | set(liked) | hidden
    fresh = [c for c in candidates if c not in known]
    if not (saved or liked) or not fresh:
        return Ranking()
    encoder = encoder_factory()
    sampled = sample_negatives(connection, known | set(candidates), encoder.name)
    if not sampled:
        return Ranking()
    table = vectors(connection, encoder, saved + liked + dismissed + sampled + fresh)
    examples = Examples(
        *([i for i in ids if i in table] for ids in (saved, liked, dismissed, sampled))
    )
    fresh = [i for i in fresh if i in table]
    titles = dict(
        connection.execute(
            select(works.c.id, works.c.title).where(
                in_list(works.c.id, examples.positives + examples.dismissed)
            )
        ).all()
    )
    return rank_vectors(examples, fresh, table, titles)


def rank_vectors(
    examples: Examples,
    fresh: list[int],
    table: dict[int, npt.NDArray[np.float32]],
    titles: dict[int, str],
    dismissed_weight: float = DISMISSED_WEIGHT,
    *,
    explain: bool = True,
) -> Ranking:
    """The ranking itself, on vectors already loaded (`rank` and bench/feedback.py). With
    `explain`, a second model without the dismissals tells which picks they lowered and
    which works they held back."""
    positives = examples.positives
    if not positives or not examples.sampled or not fresh:
        return Ranking()
    test = np.stack([table[i] for i in fresh])
    probability = fit_scores(
        np.stack([table[i] for i in positives]),
        _stack(table, examples.dismissed, test.shape[1]),
        np.stack([table[i] for i in examples.sampled]),
        test,
        dismissed_weight,
    )
    without = probability
    near_dismissed = np.zeros((len(fresh), 0), dtype=np.float32)
    if examples.dismissed and explain:
        without = fit_scores(
            np.stack([table[i] for i in positives]),
            _stack(table, [], test.shape[1]),
            np.stack([table[i] for i in examples.sampled]),
            test,
        )
        near_dismissed = _cosine(test, _stack(table, examples.dismissed, test.shape[1]))
    similarity = _cosine(test, np.stack([table[i] for i in positives]))
    liked = set(examples.liked) - set(examples.saved)
    picks, held = [], []
    for row, work_id in enumerate(fresh):
        blame = None
        if near_dismissed.shape[1]:
            column = int(np.argmax(near_dismissed[row]))
            blame = (examples.dismissed[column], float(near_dismissed[row, column]))
        if probability[row] < MIN_PROBABILITY:
            if blame is not None and without[row] >= MIN_PROBABILITY:
                held.append(HeldBack(work_id, str(titles.get(blame[0], "")), blame[1]))
            continue
        nearest = int(np.argmax(similarity[row]))
        pushed = blame is not None and without[row] - probability[row] >= PUSHED_DOWN
        picks.append(
            PersonalPick(
                work_id,
                float(probability[row]),
                str(titles.get(positives[nearest], "")),
                float(similarity[row, nearest]),
                positives[nearest] in liked,
                str(titles.get(blame[0], "")) if pushed and blame is not None else None,
            )
        )
    picks.sort(key=lambda p: (-p.probability, p.work_id))
    held.sort(key=lambda h: (-h.similarity, h.work_id))
    return Ranking(tuple(picks), tuple(held))


def fit_scores(
    positives: npt.NDArray[np.float32],
    dismissed: npt.NDArray[np.float32],
    sampled: npt.NDArray[np.float32],
    test: npt.NDArray[np.float32],
    dismissed_weight: float = DISMISSED_WEIGHT,
) -> npt.NDArray[np.float64]:
    """P(liked) of each test row from a logistic regression on the examples. Classes are
    balanced (positives and negatives weigh half each); within the negatives a dismissed
    work weighs `dismissed_weight` sampled ones."""
    train = np.concatenate([positives, dismissed, sampled])
    labels = np.array([1] * len(positives) + [0] * (len(dismissed) + len(sampled)))
    unit = 1.0 / (dismissed_weight * len(dismissed) + len(sampled))
    weights = np.concatenate(
        [
            np.full(len(positives), 1.0 / len(positives)),
            np.full(len(dismissed), dismissed_weight * unit),
            np.full(len(sampled), unit),
        ]
    ) * (len(train) / 2.0)
    model = _fit(train, labels, weights)
    return np.asarray(model.predict_proba(test)[:, 1], dtype=np.float64)


def _stack(
    table: dict[int, npt.NDArray[np.float32]], ids: list[int], dim: int
) -> npt.NDArray[np.float32]:
    if not ids:
        return np.zeros((0, dim), dtype=np.float32)
    return np.stack([table[i] for i in ids])


def _fit(train: npt.NDArray[np.float32], labels: npt.NDArray[Any], weights: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10.0, max_iter=1000)
    model.fit(train, labels, sample_weight=weights)
    return model


def _cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return np.asarray(a @ b.T, dtype=np.float32)

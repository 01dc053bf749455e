""" "For me": a per-user ranking trained on the user's library, over text embeddings.

In the spirit of arxiv-sanity-lite's per-tag SVM: the saved works (optionally one tag) are
the positives, a deterministic sample of the rest of the corpus the negatives (works
with stored vectors, up to 2,000; else 200 encoded on the fly); a logistic
regression on the embeddings scores the new works, and each pick names the saved work it
is closest to. Stored vectors (search.vectors) are used when present, others are encoded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, func, select

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


@dataclass(frozen=True, slots=True)
class PersonalPick:
    work_id: int
    probability: float
    nearest_title: str
    similarity: float


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
) -> list[PersonalPick]:
    """Candidates the model finds more like the library than not, best first."""
    positives = library_ids(connection, user_id, tag)
    fresh = [c for c in candidates if c not in set(positives)]
    if not positives or not fresh:
        return []
    encoder = encoder_factory()
    negatives = sample_negatives(connection, set(positives) | set(candidates), encoder.name)
    if not negatives:
        return []
    table = vectors(connection, encoder, positives + negatives + fresh)
    positives = [i for i in positives if i in table]
    negatives = [i for i in negatives if i in table]
    fresh = [i for i in fresh if i in table]
    if not positives or not negatives or not fresh:
        return []
    train = np.stack([table[i] for i in positives + negatives])
    labels = np.array([1] * len(positives) + [0] * len(negatives))
    model = _fit(train, labels)
    test = np.stack([table[i] for i in fresh])
    probability = model.predict_proba(test)[:, 1]
    liked = np.stack([table[i] for i in positives])
    similarity = _cosine(test, liked)
    titles = dict(
        connection.execute(
            select(works.c.id, works.c.title).where(in_list(works.c.id, positives))
        ).all()
    )
    picks = []
    for row, work_id in enumerate(fresh):
        if probability[row] < MIN_PROBABILITY:
            continue
        nearest = int(np.argmax(similarity[row]))
        picks.append(
            PersonalPick(
                work_id,
                float(probability[row]),
                str(titles.get(positives[nearest], "")),
                float(similarity[row, nearest]),
            )
        )
    return sorted(picks, key=lambda p: (-p.probability, p.work_id))


def _fit(train: npt.NDArray[np.float32], labels: npt.NDArray[Any]) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=1000)
    model.fit(train, labels)
    return model


def _cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return np.asarray(a @ b.T, dtype=np.float32)

"""Topic vectors of signatures: their works' titles embedded by a sentence encoder.

Two papers of one person share a field far more often than they share title words: on the
AMiner dev names, the cosine of MiniLM title embeddings separates same-person pairs from
others with ROC AUC 0.835, against 0.637 for TF-IDF title cosine. Titles only (not
abstracts), because the labelled data the model learns from has titles only.

MiniLM's vectors are cached by (encoder, title hash): in the store's `embeddings` table under
the model name `<encoder>-title` (`stored_topics`), or in a `.npz` file for the benchmark
(`FileTopicCache`). MiniLM encodes a few hundred titles a second here, hours for a million
works, so `identity_topics = tokenlearn` uses a static encoder trained on the corpus's own
titles from MiniLM's vectors of them instead (`title_encoder`): ROC AUC 0.779 against
MiniLM's 0.783 pooled over every pair of one dev name's signatures (bench/disambiguation.py's
`topic_cosine_auc`), tens of thousands of titles a second, encoded afresh per batch of
blocks (`encoded_topics`) rather than stored.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from paperscope.embeddings.encoders import Encoder, normalise, text_hash
from paperscope.embeddings.static import TokenlearnEncoder
from paperscope.embeddings.vectors import store_vectors, training_sample
from paperscope.identity.signatures import Signature
from paperscope.progress import SILENT, Progress
from paperscope.store import Store
from paperscope.store.ids import in_list
from paperscope.store.search_schema import embeddings

Matrix = NDArray[np.float64]


def _clean(title: str) -> str:
    return " ".join(title.split())


def topic_vectors(
    titles: Sequence[str], encoder: Encoder, cache: MutableMapping[str, NDArray[np.float32]]
) -> Matrix:
    """Unit vectors, one per title (in order); only titles missing from `cache` are encoded."""
    keys = [text_hash(_clean(title)) for title in titles]
    missing: dict[str, str] = {}
    for key, title in zip(keys, titles, strict=True):
        if key not in cache:
            missing.setdefault(key, _clean(title))
    if missing:
        vectors = encoder.encode(list(missing.values()), batch_size=64)
        for key, vector in zip(missing, vectors, strict=True):
            cache[key] = np.asarray(vector, dtype=np.float32)
    if not keys:
        return np.zeros((0, encoder.dim))
    return normalise(np.stack([cache[key] for key in keys])).astype(float)


class FileTopicCache(dict[str, NDArray[np.float32]]):
    """A title-hash -> vector cache kept in one `.npz` file (for the benchmark)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        if path.is_file():
            with np.load(path) as stored:
                self.update({key: stored[key] for key in stored.files})
        self._saved = len(self)

    def save(self) -> None:
        if len(self) == self._saved:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = self.path.with_suffix(".tmp.npz")
        np.savez(staging, **self)  # type: ignore[arg-type]  # keys are title hashes
        staging.replace(self.path)
        self._saved = len(self)


TopicSource = Callable[[Sequence[Signature]], Matrix]
"""Topic vectors (unit rows, one per signature) for the signatures of one block."""

_WRITE_CHUNK = 500  # vectors written per store_vectors call (insert batches)


def stored_topics(connection: Connection, encoder: Encoder) -> TopicSource:
    """Title vectors kept in the `embeddings` table as model `<encoder>-title`, one row per
    work; a work whose title (or the encoder's version) changed is encoded again."""
    model = f"{encoder.name}-title"
    version = encoder.version

    def vectors(signatures: Sequence[Signature]) -> Matrix:
        titles = {s.work: _clean(s.title) for s in signatures}
        cache = _load(connection, model, version, titles)
        known = set(cache)
        out = topic_vectors([titles[s.work] for s in signatures], encoder, cache)
        fresh = [(w, text_hash(t)) for w, t in titles.items() if text_hash(t) not in known]
        for start in range(0, len(fresh), _WRITE_CHUNK):
            rows = fresh[start : start + _WRITE_CHUNK]
            encoded = np.stack([cache[digest] for _, digest in rows])
            store_vectors(connection, model, version, rows, encoded)
        return out

    return vectors


def _load(
    connection: Connection, model: str, version: str, titles: dict[int, str]
) -> dict[str, NDArray[np.float32]]:
    """Stored vectors of these works whose text hash and version still match."""
    found: dict[str, NDArray[np.float32]] = {}
    query = select(embeddings.c.work_id, embeddings.c.text_hash, embeddings.c.vector).where(
        embeddings.c.model == model,
        embeddings.c.version == version,
        in_list(embeddings.c.work_id, titles),
    )
    for work_id, digest, blob in connection.execute(query):
        if digest == text_hash(titles[work_id]):
            found[digest] = np.frombuffer(bytes(blob), dtype=np.float32)
    return found


def encoded_topics(encoder: Encoder) -> TopicSource:
    """Title vectors encoded afresh for every batch of blocks: for a static encoder, whose lookup of
    a few token vectors is cheaper than reading a stored 384-d vector back (and a million
    of them would add 1.5 GB to the database)."""

    def vectors(signatures: Sequence[Signature]) -> Matrix:
        return topic_vectors([s.title for s in signatures], encoder, {})

    return vectors


TITLE_ENCODER = "tokenlearn-titles"
TITLE_TRAIN_TEXTS = 16_384  # titles of a seeded sample of works (docs/people.md)


def title_encoder(data_dir: Path) -> TokenlearnEncoder:
    """The static title encoder of `identity_topics = tokenlearn`: trained on the corpus's
    own titles from MiniLM's vectors of them, as the search encoder `tokenlearn` is on its
    abstracts (embeddings/static.py), in `data_dir/models/tokenlearn-titles/`."""
    return TokenlearnEncoder(
        data_dir / "models" / TITLE_ENCODER,
        name=TITLE_ENCODER,
        trained_by="`paperscope resolve` (it trains on the works' titles first)",
    )


def prepare_topics(store: Store, name: str, data_dir: Path, progress: Progress = SILENT) -> None:
    """Train the title encoder `identity_topics` names if it learns from the corpus and is
    not trained yet (before `resolve` opens its transaction: training takes minutes)."""
    if name != "tokenlearn" or (encoder := title_encoder(data_dir)).trained:
        return
    progress.note(f"training the {TITLE_ENCODER} encoder on {TITLE_TRAIN_TEXTS:,} titles at most")
    encoder.train(training_sample(store, TITLE_TRAIN_TEXTS, text=_title_only), progress)


def _title_only(title: str, abstract: str | None) -> str:
    return _clean(title)


def topic_source(connection: Connection, name: str, data_dir: Path) -> TopicSource | None:
    """The topic source the `identity_topics` setting names ("none": no topic vectors;
    "tokenlearn": the corpus-trained title encoder, `prepare_topics` first)."""
    if name == "none":
        return None
    if name == "tokenlearn":
        return encoded_topics(title_encoder(data_dir))
    from paperscope.embeddings.encoders import get_encoder

    return stored_topics(connection, get_encoder(name, data_dir))

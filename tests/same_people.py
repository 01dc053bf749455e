"""The people resolve makes of a generated corpus, in a form two databases (and two versions
of the code) compare: `tests/identity/test_same_people.py` checks speed-ups of the clustering
against the people the code before them made.

    PYTHONPATH=<old tree>/src:tests python tests/same_people.py OUT.json.gz

writes them (with whatever code is on the import path); it uses only what resolve has had
since the part limit and title vectors existed, so older trees run it too.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from paperscope.identity.model import default_model
from paperscope.identity.resolve import resolve_people
from paperscope.identity.signatures import Signature
from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import authorships, people, work_ids

BENCH = Path(__file__).resolve().parents[1] / "bench"
WORKS = 1000
PART_LIMIT = 40
"""Small enough that the largest blocks are split into name components and bisected."""


def title_vectors(signatures: Sequence[Signature]) -> NDArray[np.float64]:
    """Deterministic stand-ins for title embeddings (unit rows from each title's SHA-256),
    so that the title-vector feature and the bisection over them are exercised."""
    rows = [
        np.frombuffer(hashlib.sha256(s.title.encode()).digest(), dtype=np.uint8) - 127.5
        for s in signatures
    ]
    matrix = np.array(rows, dtype=float).reshape(len(signatures), 32)
    return np.asarray(matrix / np.linalg.norm(matrix, axis=1, keepdims=True), dtype=float)


def corpus(root: Path) -> list[Path]:
    """The benchmark corpus's generator (`bench/scale_corpus.py`) at `WORKS` works: teams
    that persist, common names shared by many people, three overlapping sources."""
    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))  # it imports its sibling scale_corpus_words
    generator = importlib.import_module("scale_corpus")
    (root / "truth").mkdir(parents=True)
    generator.write_corpus(generator.build_graph(WORKS, 7), root, 7, WORKS)
    return [root / "arxiv", root / "openalex", root / "s2"]


def people_made(connection: Connection) -> list[dict[str, Any]]:
    """Every person as its authorships (work's first id and position), sorted, with the
    stored name, size, confidence, note and per-authorship confidence: ids left out, so
    the two databases compare."""
    first_id: dict[int, str] = {}
    for work, scheme, value in connection.execute(
        select(work_ids.c.work_id, work_ids.c.scheme, work_ids.c.value)
    ):
        key = f"{scheme}:{value}"
        first_id[work] = min(first_id.get(work, key), key)
    members: dict[int, list[tuple[str, float]]] = {}
    for work, position, person, confidence in connection.execute(
        select(
            authorships.c.work_id,
            authorships.c.position,
            authorships.c.person_id,
            authorships.c.person_confidence,
        )
    ):
        members.setdefault(person, []).append((f"{first_id[work]}#{position}", confidence))
    out = []
    for person, name, size, confidence, note in connection.execute(
        select(people.c.id, people.c.canonical_name, people.c.size, people.c.confidence,
               people.c.note)
    ):  # fmt: skip
        mine = sorted(members.get(person, []))
        out.append(
            {
                "authorships": [key for key, _ in mine],
                "confidences": [round(float(c), 6) for _, c in mine],
                "name": name,
                "size": size,
                "confidence": None if confidence is None else round(float(confidence), 6),
                "note": note,
            }
        )
    return sorted(out, key=lambda person: person["authorships"])


def resolve_twice(store: Store) -> dict[str, list[dict[str, Any]]]:
    """An incremental first resolve (default part limit), then a full one with small parts."""
    model = default_model()
    with store.transaction() as connection:
        resolve_people(connection, model=model, topics=title_vectors)
    with store.connect() as connection:
        first = people_made(connection)
    with store.transaction() as connection:
        resolve_people(
            connection, full=True, model=model, topics=title_vectors, part_limit=PART_LIMIT
        )
    with store.connect() as connection:
        second = people_made(connection)
    return {"incremental": first, "full in parts": second}


def main(target: Path) -> None:
    """Write the people of both runs to `target` (gzipped JSON)."""
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/expected.db"
        Store.open(database).close()
        store = Store.open(database)
        ingest_paths(store, corpus(Path(folder) / "generated"))
        result = resolve_twice(store)
        store.close()
    with gzip.open(target, "wt", encoding="utf-8") as out:
        json.dump(result, out, indent=0, sort_keys=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))

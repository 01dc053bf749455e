"""An incremental resolve costs what its new authorships cost: it scores no pair of two
authorships that already had a person, and rewrites only the people that gained one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, update

from claims_helpers import janes
from paperscope.identity.features import Evidence
from paperscope.identity.model import PairwiseModel
from paperscope.identity.resolve import resolve_people
from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import authorships, people

FOLDING = {"1501.00001", "1602.00002", "1703.00003"}


def _confidences(store: Store, person: int) -> dict[int, float]:
    with store.connect() as connection:
        query = select(authorships.c.id, authorships.c.person_confidence).where(
            authorships.c.person_id == person
        )
        return {key: float(value) for key, value in connection.execute(query)}


def test_no_pair_of_two_old_authorships_is_scored(
    resolved: Store, identity_data: Path, model: PairwiseModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    with resolved.connect() as connection:
        old = set(connection.execute(select(authorships.c.id)).scalars())
    scored_old_pairs: list[tuple[int, int]] = []
    pairs = Evidence.pairs

    def watched(self: Evidence, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        keys = [s.key for s in self.signatures]
        scored_old_pairs.extend(
            (keys[r], keys[c])
            for r in rows
            for c in cols
            if r != c and keys[r] in old and keys[c] in old
        )
        return pairs(self, rows, cols)

    monkeypatch.setattr(Evidence, "pairs", watched)
    ingest_paths(resolved, [identity_data / "jane-doe-new.jsonl"])
    with resolved.transaction() as connection:
        report = resolve_people(connection, model=model)
    assert report.authorships == 3  # the new work's three authors
    assert scored_old_pairs == []


def test_only_people_that_gained_a_work_are_rewritten(
    resolved: Store, identity_data: Path, model: PairwiseModel
) -> None:
    before = janes(resolved)
    folding = next(p for p, w in before.items() if w == FOLDING)
    other = next(p for p in before if p != folding)
    with resolved.transaction() as connection:  # marks a rewrite would overwrite
        connection.execute(update(people).where(people.c.id == other).values(note="kept"))
        connection.execute(
            update(authorships)
            .where(authorships.c.person_id == other)
            .values(person_confidence=0.42)
        )
    old_members = _confidences(resolved, folding)
    ingest_paths(resolved, [identity_data / "jane-doe-new.jsonl"])
    with resolved.transaction() as connection:
        resolve_people(connection, model=model)
    assert janes(resolved)[folding] == FOLDING | {"1907.00007"}
    with resolved.connect() as connection:
        note = connection.execute(select(people.c.note).where(people.c.id == other)).scalar()
        size = connection.execute(select(people.c.size).where(people.c.id == folding)).scalar()
    assert note == "kept"
    assert set(_confidences(resolved, other).values()) == {0.42}
    assert size == len(FOLDING) + 1
    # The person that gained a work: its old members' means updated from what was stored,
    # its new member's scored, all as a full run computes them to within the stored rounding.
    incremental = _confidences(resolved, folding)
    assert set(old_members) < set(incremental)
    with resolved.transaction() as connection:
        resolve_people(connection, full=True, model=model)
    exact = _confidences(resolved, folding)
    assert exact.keys() == incremental.keys()
    for key, value in exact.items():
        assert incremental[key] == pytest.approx(value, abs=0.011)

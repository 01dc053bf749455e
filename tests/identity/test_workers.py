"""Name blocks clustered in worker processes (identity.workers): the same people, written
in the same order, as clustering in the resolving process (SQLite and PostgreSQL)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from paperscope.identity.corrections import Constraints
from paperscope.identity.explain import PersonDraft
from paperscope.identity.loading import load, load_names
from paperscope.identity.model import PairwiseModel
from paperscope.identity.parts import PART_LIMIT
from paperscope.identity.resolve import resolve_people
from paperscope.identity.workers import (
    BlockBatch,
    BlockClusterer,
    Clustering,
    cluster_batch,
)
from paperscope.ingest import ingest_paths
from paperscope.processes import PARENT_CHECK_SECONDS
from paperscope.store import Store
from paperscope.store.schema import authorships, people


def _from_scratch(store: Store, model: PairwiseModel, workers: int) -> dict[int, int]:
    """Each authorship's person after a full resolve with no people stored, as offsets from
    the first new id (the order people were written in)."""
    with store.transaction() as connection:
        connection.execute(update(authorships).values(person_id=None))
        connection.execute(delete(people))
        resolve_people(connection, full=True, model=model, batch=1, workers=workers)
    with store.connect() as connection:
        rows = connection.execute(select(authorships.c.id, authorships.c.person_id)).all()
    assignment: dict[int, int] = dict(rows)
    first = min(assignment.values())
    return {authorship: person - first for authorship, person in assignment.items()}


def test_resolve_in_worker_processes_writes_the_same_people_in_the_same_order(
    store: Store, identity_data: Path, model: PairwiseModel
) -> None:
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    in_place = _from_scratch(store, model, workers=1)
    assert len(set(in_place.values())) > 2  # several people, in batches of one block
    assert _from_scratch(store, model, workers=2) == in_place


def test_block_clusterer_spawns_workers_only_for_more_than_one(
    store: Store, identity_data: Path, model: PairwiseModel
) -> None:
    ingest_paths(store, [identity_data / "two-jane-does.jsonl"])
    with store.connect() as connection:
        names = load_names(connection)
        members = load(connection, [int(i) for i in names.ids])
    clustering = Clustering(Constraints(frozenset(), frozenset()), model, True, PART_LIMIT)
    blocks = {"doe j": members}
    batch = BlockBatch(blocks, {"doe j": [list(range(len(members)))]}, {})
    expected = _written(cluster_batch(clustering, batch))
    assert len(expected["doe j"]) > 1
    with BlockClusterer(clustering, workers=2) as pooled:
        assert pooled.spawns_processes
        assert _written(pooled.submit(batch).result()) == expected
    with BlockClusterer(clustering, workers=1) as in_place:
        assert not in_place.spawns_processes
        assert _written(in_place.submit(batch).result()) == expected


def _written(drafts: dict[str, list[PersonDraft]]) -> dict[str, list[tuple[object, ...]]]:
    """What resolve writes of each draft (its verdicts hold arrays, for explanations)."""
    return {
        key: [(d.members, d.keep_id, d.canonical_name, d.confidence, d.note, d.authorships)
              for d in listed]
        for key, listed in drafts.items()
    }  # fmt: skip


_KEEP_A_POOL = """
import time
from paperscope.identity.corrections import Constraints
from paperscope.identity.workers import BlockBatch, BlockClusterer, Clustering
clustering = Clustering(Constraints(frozenset(), frozenset()), None, True, 1000)
with BlockClusterer(clustering, workers=2) as clusterer:
    clusterer.submit(BlockBatch({}, {}, {})).result()
    print("ready", flush=True)
    time.sleep(120)
"""


def _children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_workers_exit_when_resolve_is_killed_outright() -> None:
    """kill -9 gives the pool no chance to stop its workers: they notice on their own."""
    keeper = subprocess.Popen(
        [sys.executable, "-c", _KEEP_A_POOL], stdout=subprocess.PIPE, text=True
    )
    try:
        assert keeper.stdout is not None and keeper.stdout.readline().strip() == "ready"
        workers = _children(keeper.pid)
        assert len(workers) >= 2  # the two workers (and the pool's resource tracker)
        keeper.send_signal(signal.SIGKILL)
        keeper.wait(timeout=10)
        deadline = time.monotonic() + 10 * PARENT_CHECK_SECONDS + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        keeper.kill()

"""Name blocks clustered in worker processes while `resolve` loads and writes.

Clustering (pairwise evidence, the boosted models, linkage) is four fifths of a full
resolve and each block is independent of the others, so batches of blocks go to a pool of
processes and the resolving process meanwhile loads the next batch and writes finished
ones, in the order they were loaded: the people and their ids are those of one process.
The workers never touch the database. They are spawned, not forked (the parent holds
database connections and may run threads), and each gets the constraints and the model
once, when it starts. With one worker nothing is spawned: batches are clustered in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from paperscope.identity.corrections import Constraints
from paperscope.identity.explain import PersonDraft
from paperscope.identity.loading import Stored
from paperscope.identity.model import PairwiseModel
from paperscope.identity.parts import cluster_in_parts
from paperscope.processes import end_with_parent


@dataclass(frozen=True, slots=True)
class Clustering:
    """What every block of a run is clustered with."""

    rules: Constraints
    model: PairwiseModel
    full: bool
    part_limit: int


@dataclass(frozen=True, slots=True)
class BlockBatch:
    """One batch of name blocks, ready to cluster: members in the blocking order, each
    block's pieces (`identity.parts.block_pieces`) and the title vectors it needs."""

    blocks: Mapping[str, Sequence[Stored]]
    split: Mapping[str, list[list[int]]]
    vectors: Mapping[int, NDArray[np.float64]]


def cluster_batch(clustering: Clustering, batch: BlockBatch) -> dict[str, list[PersonDraft]]:
    """The person drafts of each block of the batch, in the batch's order."""
    return {
        key: [
            draft
            for part in cluster_in_parts(
                members,
                clustering.rules,
                clustering.model,
                clustering.full,
                batch.vectors,
                clustering.part_limit,
                batch.split[key],
            )
            for draft in part
        ]
        for key, members in batch.blocks.items()
    }


_worker_clustering: Clustering | None = None


def _start_worker(clustering: Clustering) -> None:
    global _worker_clustering
    # One BLAS thread per worker: the workers already take every core between them.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    _worker_clustering = clustering
    end_with_parent()


def _cluster_in_worker(batch: BlockBatch) -> dict[str, list[PersonDraft]]:
    assert _worker_clustering is not None, "worker started without its clustering"
    return cluster_batch(_worker_clustering, batch)


class BlockClusterer:
    """Clusters batches in `workers` processes (in place for one); `submit` returns a
    future of the batch's drafts. Use it as a context manager: leaving it stops the pool."""

    def __init__(self, clustering: Clustering, workers: int) -> None:
        self.clustering = clustering
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=get_context("spawn"),
                initializer=_start_worker,
                initargs=(clustering,),
            )

    @property
    def spawns_processes(self) -> bool:
        return self._pool is not None

    def submit(self, batch: BlockBatch) -> Future[dict[str, list[PersonDraft]]]:
        if self._pool is not None:
            return self._pool.submit(_cluster_in_worker, batch)
        done: Future[dict[str, list[PersonDraft]]] = Future()
        done.set_result(cluster_batch(self.clustering, batch))
        return done

    def __enter__(self) -> BlockClusterer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

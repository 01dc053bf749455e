"""The Spark helpers the stages share: row numbering without Python, and the resolve stage's
per-partition clustering over Arrow batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from paperscope.batch.blocking import DEFAULT_MAX_BLOCK
from paperscope.batch.resolve_stage import NO_RULES, _cluster, _cluster_one
from paperscope.batch.spark_util import numbered
from paperscope.identity.model import default_model


def test_numbered_counts_across_partitions_in_order(spark: Any, tmp_path: Path) -> None:
    rows = [(f"k{(n * 7919) % 1000:04d}", n % 3) for n in range(1000)]
    frame = spark.createDataFrame(rows, "key string, other int").repartition(7)
    out = numbered(frame, ["key"], "no", tmp_path, start=5).orderBy("no").collect()
    assert [r.no for r in out] == list(range(5, 1005))
    assert [r.key for r in out] == sorted(r[0] for r in rows)
    assert out[0].asDict().keys() == {"key", "other", "no"}


def test_numbered_empty_frame(spark: Any, tmp_path: Path) -> None:
    frame = spark.createDataFrame([], "key string")
    assert numbered(frame, ["key"], "no", tmp_path).count() == 0


def _member(key: int, name: str, block: str, title: str) -> dict[str, Any]:
    return {
        "id": key, "work_id": 100 + key, "position": 0, "name": name, "affiliation": None,
        "orcid": None, "source_scheme": None, "source_value": None, "title": title,
        "abstract": None, "venue": "ACL", "year": 2020,
        "authors": [{"position": 0, "name": name}, {"position": 1, "name": "Ann Lee"}],
        "categories": [{"position": 0, "category": "cs.CL"}], "cites": [key + 1],
        "named": block, "sub_key": block, "block": block, "part": 0,
    }  # fmt: skip


class _Broadcast:
    """What `SparkContext.broadcast` hands the function: the value under `.value`."""

    def __init__(self, value: Any) -> None:
        self.value = value


@pytest.mark.parametrize("batch_rows", [1, 2, 100])
def test_cluster_gathers_a_block_across_arrow_batches(batch_rows: int) -> None:
    """A block split over several Arrow batches is clustered whole, once."""
    smiths = [_member(k, "J. Smith", "smith j", f"parsing paper {k}") for k in (1, 2, 3)]
    wongs = [_member(k, "K. Wong", "wong k", f"vision paper {k}") for k in (4, 5)]
    rows = smiths + wongs
    batches = [
        pa.RecordBatch.from_pylist(rows[n : n + batch_rows])
        for n in range(0, len(rows), batch_rows)
    ]
    model = _Broadcast(default_model())
    out = pa.Table.from_batches(
        list(_cluster(NO_RULES, model, DEFAULT_MAX_BLOCK)(iter(batches)))
    ).to_pylist()
    expected = _cluster_one(smiths, NO_RULES, model.value, DEFAULT_MAX_BLOCK) + _cluster_one(
        wongs, NO_RULES, model.value, DEFAULT_MAX_BLOCK
    )
    assert [tuple(r.values()) for r in out] == expected
    assert sorted(r["id"] for r in out) == [1, 2, 3, 4, 5]

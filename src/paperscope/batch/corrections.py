"""Stored identity corrections located in a batch run's own tables.

A correction names authorships by a durable key (an id of the work, the folded name and
the position: `identity.corrections.MemberKey`); they are found in the run's `work_ids` and
`authorships` exactly as `identity.corrections.locate` finds them in a store, then turned
into must/cannot pairs by the single-machine rules (`constraints_from`).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from paperscope.batch.tables import read_table
from paperscope.identity.corrections import (
    Constraints,
    MemberKey,
    constraints_from,
    load_corrections,
)
from paperscope.store import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def located_rules(spark: SparkSession, work: Path, database_url: str) -> Constraints:
    store = Store.open(database_url, migrate=False)
    try:
        with store.engine.connect() as connection:
            corrections = load_corrections(connection)
    finally:
        store.close()
    keys = {k for c in corrections for side in c.sides for k in side}
    if not keys:
        return Constraints(frozenset(), frozenset())
    from pyspark.sql import functions as F

    wanted = spark.createDataFrame(
        sorted({(k.work_scheme, k.work_value) for k in keys}), "scheme string, value string"
    )
    rows = (
        read_table(spark, work, "work_ids")
        .join(wanted, ["scheme", "value"])
        .join(
            read_table(spark, work, "authorships").withColumnRenamed("id", "authorship_id"),
            "work_id",
        )
        .select("scheme", "value", "authorship_id", "name_key", "position")
        .orderBy("authorship_id")
        .collect()
    )
    del F
    candidates: dict[tuple[str, str], list[tuple[int, str, int]]] = defaultdict(list)
    for row in rows:
        candidates[(row.scheme, row.value)].append((row.authorship_id, row.name_key, row.position))
    located: dict[MemberKey, int] = {}
    for key in keys:
        options = candidates.get((key.work_scheme, key.work_value), [])
        same_name = [o for o in options if o[1] == key.name_key]
        if len(same_name) > 1:
            same_name = [o for o in same_name if o[2] == key.position] or same_name[:1]
        if same_name:
            located[key] = int(same_name[0][0])
    return constraints_from(corrections, located)

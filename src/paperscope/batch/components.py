"""Connected components in Spark SQL: iterative min-label propagation with pointer jumping.

GraphFrames is not on PyPI, so the components are computed with joins: every node starts
labelled with its own id; each round a node takes the smallest label among itself and its
neighbours, then the label of its label (pointer jumping, which halves long chains); the
rounds stop when no label changes. The result labels each node with the smallest node id
of its component. Each round's labels are written to Parquet, which cuts Spark's lineage
and survives a lost executor (a local checkpoint would not).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MAX_ROUNDS = 64


def components(nodes: DataFrame, edges: DataFrame, scratch: Path | str) -> DataFrame:
    """(id, label) for every node of `nodes` (column `id`, long) over undirected `edges`
    (columns `src`, `dst`); label = the smallest id in the node's component."""
    from pyspark.sql import functions as F

    spark = nodes.sparkSession
    both = (
        edges.select("src", "dst")
        .union(edges.select(F.col("dst").alias("src"), F.col("src").alias("dst")))
        .where(F.col("src") != F.col("dst"))
        .distinct()
    )
    both_path = str(Path(scratch) / "edges")
    both.write.mode("overwrite").parquet(both_path)
    both = spark.read.parquet(both_path)
    labels = nodes.select("id").distinct().withColumn("label", F.col("id"))
    if both.limit(1).count() == 0:  # nothing joins: every node is its own component
        return labels
    for number in range(MAX_ROUNDS):
        offered = both.join(labels, both.src == labels.id).select(
            both.dst.alias("id"), labels.label
        )
        smallest = labels.union(offered).groupBy("id").agg(F.min("label").alias("label"))
        parents = smallest.select(F.col("id").alias("pid"), F.col("label").alias("plabel"))
        jumped = smallest.join(parents, smallest.label == parents.pid, "left").select(
            "id",
            F.least(F.col("label"), F.coalesce(F.col("plabel"), F.col("label"))).alias("label"),
        )
        path = str(Path(scratch) / f"labels-{number % 2}")
        jumped.write.mode("overwrite").parquet(path)
        fresh = spark.read.parquet(path)
        changed = (
            fresh.alias("n")
            .join(labels.alias("o"), "id")
            .where(F.col("n.label") != F.col("o.label"))
            .limit(1)
            .count()
        )
        labels = fresh
        if not changed:
            return labels
    raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")

"""Small Spark helpers shared by the stages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


_TAG, _PART, _OFFSET = "_numbered_tag", "_numbered_part", "_numbered_offset"
_PART_SHIFT = 33
"""monotonically_increasing_id: the partition index above bit 33, the place below."""


def numbered(
    frame: DataFrame, order: list[str], name: str, scratch: Path | str, start: int = 1
) -> DataFrame:
    """`frame` with a column `name` numbering its rows start, start+1, ... in `order`.

    Done in the JVM, without moving every row to one partition or through Python: a global
    sort (each partition holds one range of `order`, sorted), each row tagged with its
    partition and place there (`monotonically_increasing_id`) and written once to
    `scratch`, so the numbering cannot change if Spark recomputes a partition; then the
    rows of each partition are counted, and a row's number is the rows of the partitions
    before it plus its place in its own."""
    from pyspark.sql import functions as F

    spark = frame.sparkSession
    tagged = frame.orderBy(*order).withColumn(_TAG, F.monotonically_increasing_id())
    path = str(Path(scratch) / f"numbered-{name}")
    tagged.write.mode("overwrite").parquet(path)
    stored = spark.read.parquet(path)
    part = F.shiftright(F.col(_TAG), _PART_SHIFT)
    counts = sorted((int(r[0]), int(r[1])) for r in stored.groupBy(part).count().collect())
    offsets, before = [], start
    for number, count in counts:
        offsets.append((number, before))
        before += count
    table = spark.createDataFrame(offsets or [(0, start)], f"{_PART} long, {_OFFSET} long")
    place = F.col(_TAG).bitwiseAND((1 << _PART_SHIFT) - 1)
    return (
        stored.join(F.broadcast(table), part == F.col(_PART))
        .withColumn(name, F.col(_OFFSET) + place)
        .drop(_TAG, _PART, _OFFSET)
    )


def plain(value: Any) -> Any:
    """A value from a Spark Row or a pandas cell as plain Python: Rows become tuples and
    missing numbers None."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    return value


def pairs(items: Any) -> list[tuple[Any, ...]]:
    """An array of structs (Rows, dicts or tuples) as a list of tuples."""
    if items is None:
        return []
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(tuple(item.values()))
        else:
            out.append(tuple(item))
    return out

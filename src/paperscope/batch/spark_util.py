"""Small Spark helpers shared by the stages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def numbered(frame: DataFrame, order: list[str], name: str, start: int = 1) -> DataFrame:
    """`frame` with a column `name` numbering its rows start, start+1, ... in `order`,
    computed without moving every row to one partition (a sort, then zipWithIndex)."""
    from pyspark.sql.types import LongType, StructField, StructType

    ordered = frame.orderBy(*order)
    schema = StructType([*ordered.schema.fields, StructField(name, LongType(), False)])
    rows = ordered.rdd.zipWithIndex().map(lambda pair: (*pair[0], pair[1] + start))
    return frame.sparkSession.createDataFrame(rows, schema)


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

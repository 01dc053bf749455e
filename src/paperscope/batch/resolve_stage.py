"""The `resolve` stage on Spark: authorships -> people, one name block per task.

Each block (`blocking`) is clustered by `identity.parts.cluster_in_parts`, the
single-machine code itself (a block above the part limit split into name components and
bisected parts, each part clustered by `identity.assign.cluster_block`), inside an Arrow UDF
over block-sorted partitions (`mapInArrow`), with the packaged pairwise model, ORCIDs and
the stored corrections as hard constraints. Title embeddings are not used
(`identity_topics = none`); docs/scale.md says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.batch.blocking import DEFAULT_MAX_BLOCK, member_order, name_keys, signature
from paperscope.batch.components import components
from paperscope.batch.spark_util import numbered
from paperscope.batch.tables import read_table, write_table
from paperscope.identity.corrections import Constraints

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

NO_RULES = Constraints(frozenset(), frozenset())
_OUT = (
    "id long, block string, part int, draft int, canonical_name string, size int, "
    "confidence double, note string, person_confidence double"
)
_OUT_BATCH = 10_000
"""Output rows per Arrow batch."""


def _arrow_types() -> dict[str, Any]:
    import pyarrow as pa

    return {"long": pa.int64(), "string": pa.string(), "int": pa.int32(), "double": pa.float64()}


@dataclass(frozen=True, slots=True)
class ResolveReport:
    authorships: int
    blocks: int
    split_blocks: int
    largest_part: int
    people: int

    def summary(self) -> str:
        return (
            f"resolve: {self.authorships} authorships in {self.blocks} blocks -> "
            f"{self.people} people ({self.split_blocks} giant blocks split; largest task "
            f"{self.largest_part} signatures)"
        )


def _keys(spark: SparkSession, authorships: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(n, StringType()) for n in ("sub_key", "other", "swapped")])
    keys = F.udf(name_keys, schema)
    return authorships.withColumn("k", keys("name")).select("*", "k.*").drop("k")


def _blocks(keyed: DataFrame, rules: Constraints, scratch: Path) -> DataFrame:
    """(sub_key, named, block): the swapped-name groups, and the blocks corrections join."""
    from pyspark.sql import functions as F

    spark = keyed.sparkSession
    keys = numbered(keyed.select("sub_key").distinct(), ["sub_key"], "key_no", scratch)
    printed = keyed.select(F.lower("name").alias("swapped")).distinct()
    swaps = (
        keyed.where(F.col("other").isNotNull() & (F.col("other") != F.col("sub_key")))
        .join(printed, "swapped")
        .select("sub_key", "other")
        .distinct()
    )
    number = keys.select(F.col("sub_key").alias("other"), F.col("key_no").alias("dst"))
    swap_edges = (
        swaps.join(number, "other")
        .join(keys, "sub_key")
        .select(F.col("key_no").alias("src"), "dst")
    )
    nodes = keys.select(F.col("key_no").alias("id"))
    named = components(nodes, swap_edges, scratch / "named")
    must = spark.createDataFrame(sorted(rules.must), "a long, b long")
    key_of = keyed.select("id", "sub_key").join(keys, "sub_key")
    named_of = key_of.join(named.withColumnRenamed("id", "key_no"), "key_no").select(
        "id", F.col("label").alias("named_no")
    )
    must_edges = (
        must.join(named_of.withColumnRenamed("id", "a"), "a")
        .withColumnRenamed("named_no", "src")
        .join(named_of.withColumnRenamed("id", "b"), "b")
        .select("src", F.col("named_no").alias("dst"))
    )
    joined = components(
        named.select(F.col("label").alias("id")).distinct(), must_edges, scratch / "must"
    )
    names = keys.select(F.col("key_no").alias("no"), F.col("sub_key").alias("key_name"))
    return (
        keys.join(named.withColumnRenamed("id", "key_no"), "key_no")
        .join(joined.select(F.col("id").alias("label"), F.col("label").alias("block_no")), "label")
        .join(
            names.withColumnRenamed("no", "label").withColumnRenamed("key_name", "named"), "label"
        )
        .join(
            names.withColumnRenamed("no", "block_no").withColumnRenamed("key_name", "block"),
            "block_no",
        )
        .select("sub_key", "named", "block")
    )


def _cluster_one(
    rows: list[dict[str, Any]], rules: Constraints, model: Any, limit: int
) -> list[tuple[Any, ...]]:
    """One block's members -> their person drafts, as `_OUT` rows: the single-machine
    `identity.parts.cluster_in_parts` (a block above `limit` in parts; `part` numbers them,
    `draft` the person within one)."""
    from paperscope.identity.parts import cluster_in_parts

    rows = member_order(rows)
    members = [signature(row) for row in rows]
    ids = {m.signature.key for m in members}
    local = Constraints(
        frozenset(p for p in rules.must if p[0] in ids and p[1] in ids),
        frozenset(p for p in rules.cannot if p[0] in ids and p[1] in ids),
    )
    block = str(rows[0]["block"])
    out: list[tuple[Any, ...]] = []
    for part, drafts in enumerate(cluster_in_parts(members, local, model, True, None, limit)):
        for number, draft in enumerate(drafts):
            size = len(draft.members)
            out += [
                (key, block, part, number, draft.canonical_name, size, draft.confidence,
                 draft.note, round(confidence, 2))
                for key, confidence in draft.authorships
            ]  # fmt: skip
    return out


def _cluster(rules: Constraints, model: Any, limit: int) -> Any:
    """The per-partition function (`mapInArrow`): the partition's rows arrive sorted by
    block, so each block is gathered, clustered (in parts of at most `limit` when larger)
    and let go in turn (memory holds one block). One call per partition, not one pandas
    frame per block: most blocks hold one or two signatures, and a per-group call costs
    more than clustering them. `model` is a broadcast of the pairwise model fitted once on
    the driver (fitting it in every Python worker would cost seconds each)."""

    def cluster(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        types = _arrow_types()
        schema = pa.schema([(c.split()[0], types[c.split()[1]]) for c in _OUT.split(", ")])
        out: list[tuple[Any, ...]] = []
        group: list[dict[str, Any]] = []
        for batch in batches:
            for row in batch.to_pylist():
                if group and row["block"] != group[0]["block"]:
                    out += _cluster_one(group, rules, model.value, limit)
                    group = []
                group.append(row)
            if len(out) >= _OUT_BATCH:
                yield pa.RecordBatch.from_arrays(
                    list(map(list, zip(*out, strict=True))), schema=schema
                )
                out = []
        if group:
            out += _cluster_one(group, rules, model.value, limit)
        if out:
            yield pa.RecordBatch.from_arrays(list(map(list, zip(*out, strict=True))), schema=schema)

    return cluster


def _signatures(spark: SparkSession, work: Path) -> DataFrame:
    from pyspark.sql import functions as F

    authorships = read_table(spark, work, "authorships")
    works = read_table(spark, work, "works").select(
        F.col("id").alias("work_id"), "title", "abstract", "venue", "year"
    )
    names = authorships.groupBy("work_id").agg(
        F.collect_list(F.struct("position", "name")).alias("authors")
    )
    categories = (
        read_table(spark, work, "work_categories")
        .groupBy("work_id")
        .agg(F.collect_list(F.struct("position", "category")).alias("categories"))
    )
    cites = (
        read_table(spark, work, "references")
        .where(F.col("citing_work_id").isNotNull() & F.col("cited_work_id").isNotNull())
        .groupBy(F.col("citing_work_id").alias("work_id"))
        .agg(F.collect_set("cited_work_id").alias("cites"))
    )
    return (
        authorships.select(
            "id",
            "work_id",
            "position",
            "name",
            "affiliation",
            "orcid",
            "source_scheme",
            "source_value",
        )
        .join(works, "work_id")
        .join(names, "work_id")
        .join(categories, "work_id", "left")
        .join(cites, "work_id", "left")
    )


def run_resolve(
    spark: SparkSession,
    work: Path,
    *,
    rules: Constraints = NO_RULES,
    max_block: int = DEFAULT_MAX_BLOCK,
) -> ResolveReport:
    from pyspark.sql import functions as F

    scratch = work / "_scratch" / "resolve"
    keyed = _keys(spark, _signatures(spark, work))
    write_table(keyed, scratch, "keyed")
    keyed = read_table(spark, scratch, "keyed")
    blocks = _blocks(keyed, rules, scratch)
    members = keyed.join(blocks, "sub_key")
    write_table(members, scratch, "members")
    members = read_table(spark, scratch, "members")
    from paperscope.identity.model import default_model

    model = spark.sparkContext.broadcast(default_model())
    # An explicit count of partitions: adaptive execution would coalesce these few bytes
    # into one task, but each row costs Python work (the pairwise model), so every core
    # should get a share.
    tasks = int(spark.conf.get("spark.sql.shuffle.partitions") or "8")
    clustered = (
        members.repartition(tasks, "block")
        .sortWithinPartitions("block")
        .mapInArrow(_cluster(rules, model, max_block), _OUT)
    )
    write_table(clustered, scratch, "clustered")
    clustered = read_table(spark, scratch, "clustered")
    drafts = clustered.groupBy("block", "part", "draft").agg(
        F.first("canonical_name").alias("canonical_name"),
        F.first("size").alias("size"),
        F.first("confidence").alias("confidence"),
        F.first("note").alias("note"),
    )
    people = numbered(drafts, ["block", "part", "draft"], "id", scratch)
    write_table(
        people.select(
            "id", "canonical_name", F.col("block").alias("block_key"), "size", "confidence", "note"
        ),
        work,
        "people",
    )
    links = clustered.join(
        people.select("block", "part", "draft", F.col("id").alias("person_id")),
        ["block", "part", "draft"],
    )
    write_table(
        links.select(F.col("id").alias("authorship_id"), "person_id", "person_confidence"),
        work,
        "authorship_people",
    )
    sizes = clustered.groupBy("block", "part").count()
    totals = sizes.agg(
        F.sum("count"),
        F.countDistinct("block"),
        F.countDistinct(F.when(F.col("part") > 0, F.col("block"))),
        F.max("count"),
    ).first()
    n_members, n_blocks, n_split, largest = (int(v or 0) for v in (totals or (0, 0, 0, 0)))
    return ResolveReport(
        authorships=n_members,
        blocks=n_blocks,
        split_blocks=n_split,
        largest_part=largest,
        people=read_table(spark, work, "people").count(),
    )

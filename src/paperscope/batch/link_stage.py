"""The `references` and `citations` stages on Spark.

references: every edge a work record lists (citing = the record's own key) and every
citation record, once per (citing id, cited id) (the first one read wins, as ingest's
insert-or-ignore keeps it; within one ingest batch the works' own lists come before the
citation records); ids OpenAlex merged away point to the id they were merged into; both
ends linked to works by identifier, then a `title:` cited end to the one work with that
normalised title (and year) as `ingest.references` does.

citations: per work, distinct citing works in the corpus (self-citations left out), the
largest count a source reports, the larger of the two and which one it was; and per cited
work the citing works' years.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from paperscope.batch.merge_stage import DEFAULT_BATCH_SIZE, with_places
from paperscope.batch.tables import read_table, write_table
from paperscope.ingest.references import TITLE_SCHEME, split_title_year

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession


@dataclass(frozen=True, slots=True)
class LinkReport:
    edges: int
    linked: int
    by_title: int

    def summary(self) -> str:
        return (
            f"references: {self.edges} distinct edges, {self.linked} with both ends in the "
            f"corpus ({self.by_title} cited ends found by title)"
        )


def _split_key(column: str, part: int) -> Column:
    from pyspark.sql import functions as F

    return F.split(F.col(column), ":", 2).getItem(part)


def _edges(spark: SparkSession, work: Path, batch_size: int) -> DataFrame:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    record_works = read_table(spark, work, "record_works")
    records = with_places(spark, work, "records", batch_size).join(
        record_works.select("seq", "work_id"), "seq"
    )
    listed = records.select(
        "seq",
        "batch",
        F.lit(0).alias("kind"),
        _split_key("record_key", 0).alias("citing_scheme"),
        _split_key("record_key", 1).alias("citing_value"),
        F.explode("references").alias("ref"),
        F.col("work_id").alias("citing_work_id"),
    ).select(
        "seq",
        "batch",
        "kind",
        "citing_scheme",
        "citing_value",
        F.col("ref.scheme").alias("cited_scheme"),
        F.col("ref.value").alias("cited_value"),
        "citing_work_id",
        F.lit(None).cast("boolean").alias("is_influential"),
    )
    same = Window.partitionBy("format", "record_key", "digest").orderBy("seq")
    cited = (
        with_places(spark, work, "citation_records", batch_size)
        .where(F.col("cited_value").isNotNull())
        .withColumn("copy", F.row_number().over(same))
        .where("copy = 1")
        .select(
            "seq",
            "batch",
            F.lit(1).alias("kind"),
            "citing_scheme",
            "citing_value",
            "cited_scheme",
            "cited_value",
            F.lit(None).cast("long").alias("citing_work_id"),
            "is_influential",
        )
    )
    edge = ["citing_scheme", "citing_value", "cited_scheme", "cited_value"]
    first = Window.partitionBy(*edge).orderBy("batch", "kind", "seq")
    both = listed.unionByName(cited)
    return both.withColumn("n", F.row_number().over(first)).where("n = 1").drop("n")


def _redirect(edges: DataFrame, merged: DataFrame) -> DataFrame:
    """Cited OpenAlex ids merged away -> the id they were merged into."""
    from pyspark.sql import functions as F

    moved = merged.select(F.col("old").alias("cited_value"), F.col("new"))
    return (
        edges.join(moved, "cited_value", "left")
        .withColumn(
            "cited_value",
            F.when(
                (F.col("cited_scheme") == "openalex") & F.col("new").isNotNull(), F.col("new")
            ).otherwise(F.col("cited_value")),
        )
        .drop("new")
    )


def _link_ids(edges: DataFrame, ids: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    citing = ids.select(
        F.col("scheme").alias("citing_scheme"),
        F.col("value").alias("citing_value"),
        F.col("work_id").alias("found_citing"),
    )
    cited = ids.select(
        F.col("scheme").alias("cited_scheme"),
        F.col("value").alias("cited_value"),
        F.col("work_id").alias("cited_work_id"),
    )
    return (
        edges.join(citing, ["citing_scheme", "citing_value"], "left")
        .withColumn("citing_work_id", F.coalesce("citing_work_id", "found_citing"))
        .drop("found_citing")
        .join(cited, ["cited_scheme", "cited_value"], "left")
    )


def _title_key_year(value: str) -> tuple[str, int | None]:
    return split_title_year(value)


def _link_titles(edges: DataFrame, works: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    split = F.udf(
        _title_key_year,
        StructType([StructField("key", StringType()), StructField("year", IntegerType())]),
    )
    pending = (
        edges.where((F.col("cited_scheme") == TITLE_SCHEME) & F.col("cited_work_id").isNull())
        .withColumn("wanted", split("cited_value"))
        .where(F.length("wanted.key") > 0)
    )
    known = works.select(
        F.col("title_key").alias("key"),
        F.col("id").alias("candidate"),
        F.coalesce(F.col("year"), F.year("published")).alias("work_year"),
    )
    matched = (
        pending.join(known, pending.wanted.key == known.key)
        .where(F.col("wanted.year").isNull() | (F.col("wanted.year") == F.col("work_year")))
        .groupBy("citing_scheme", "citing_value", "cited_scheme", "cited_value")
        .agg(F.count("candidate").alias("n"), F.min("candidate").alias("by_title"))
        .where("n = 1")
        .drop("n")
    )
    keys = ["citing_scheme", "citing_value", "cited_scheme", "cited_value"]
    return (
        edges.join(matched, keys, "left")
        .withColumn("cited_work_id", F.coalesce("cited_work_id", "by_title"))
        .withColumn("by_title", F.col("by_title").isNotNull())
    )


def run_references(
    spark: SparkSession, work: Path, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> LinkReport:
    from pyspark.sql import functions as F

    edges = _redirect(_edges(spark, work, batch_size), read_table(spark, work, "merged_ids"))
    linked = _link_ids(edges, read_table(spark, work, "work_ids"))
    linked = _link_titles(linked, read_table(spark, work, "works"))
    columns = [
        "citing_scheme",
        "citing_value",
        "cited_scheme",
        "cited_value",
        "citing_work_id",
        "cited_work_id",
        "is_influential",
        "by_title",
    ]
    write_table(linked.select(*columns), work, "references")
    both = F.col("citing_work_id").isNotNull() & F.col("cited_work_id").isNotNull()
    counts = (
        read_table(spark, work, "references")
        .agg(
            F.count(F.lit(1)),
            F.sum(F.when(both, 1).otherwise(0)),
            F.sum(F.when(F.col("by_title"), 1).otherwise(0)),
        )
        .first()
    )
    n_edges, n_linked, n_title = (int(v or 0) for v in (counts or (0, 0, 0)))
    return LinkReport(edges=n_edges, linked=n_linked, by_title=n_title)


@dataclass(frozen=True, slots=True)
class CitationReport:
    works: int
    edges: int
    cited_works: int

    def summary(self) -> str:
        return (
            f"citations: {self.edges} citing pairs inside the corpus, {self.cited_works} of "
            f"{self.works} works cited"
        )


def citing_pairs(spark: SparkSession, work: Path) -> DataFrame:
    """Distinct (citing, cited) work pairs inside the corpus, self-citations left out."""
    from pyspark.sql import functions as F

    return (
        read_table(spark, work, "references")
        .where(
            F.col("citing_work_id").isNotNull()
            & F.col("cited_work_id").isNotNull()
            & (F.col("citing_work_id") != F.col("cited_work_id"))
        )
        .select("citing_work_id", "cited_work_id")
        .distinct()
    )


def run_citations(spark: SparkSession, work: Path) -> CitationReport:
    from pyspark.sql import functions as F

    works = read_table(spark, work, "works").select(F.col("id").alias("work_id"), "year")
    pairs = citing_pairs(spark, work)
    in_corpus = pairs.groupBy(F.col("cited_work_id").alias("work_id")).agg(
        F.count(F.lit(1)).alias("in_corpus")
    )
    reported = (
        read_table(spark, work, "reported_citations")
        .groupBy("work_id")
        .agg(F.max("count").alias("reported"))
    )
    counts = (
        works.join(in_corpus, "work_id", "left")
        .join(reported, "work_id", "left")
        .select(
            "work_id",
            F.coalesce("in_corpus", F.lit(0)).cast("long").alias("in_corpus"),
            F.col("reported").cast("long").alias("reported"),
        )
        .withColumn("citations", F.greatest("in_corpus", F.coalesce("reported", F.lit(-1))))
        .withColumn(
            "citation_source",
            F.when(F.coalesce("reported", F.lit(-1)) > F.col("in_corpus"), "reported").otherwise(
                "corpus"
            ),
        )
    )
    write_table(counts, work, "work_citations")
    citing_years = works.select(F.col("work_id").alias("citing_work_id"), F.col("year"))
    by_year = (
        pairs.join(citing_years, "citing_work_id")
        .where(F.col("year").isNotNull())
        .groupBy(F.col("cited_work_id").alias("work_id"), "year")
        .agg(F.count(F.lit(1)).alias("citations"))
    )
    write_table(by_year, work, "citations_by_year")
    totals = (
        read_table(spark, work, "work_citations")
        .agg(
            F.count(F.lit(1)),
            F.sum("in_corpus"),
            F.sum(F.when(F.col("in_corpus") > 0, 1).otherwise(0)),
        )
        .first()
    )
    n_works, n_edges, n_cited = (int(v or 0) for v in (totals or (0, 0, 0)))
    return CitationReport(works=n_works, edges=n_edges, cited_works=n_cited)

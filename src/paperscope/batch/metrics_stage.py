"""The `metrics` stage on Spark: cohort percentiles and person metrics, with window functions.

The definitions are those of `paperscope.definitions` (version, i10 threshold, the recency
window) and `metrics.indices` / `metrics.novelty.cohort_percentiles`, restated as SQL:

- citation percentile: mid-rank percentile of log(1 + citations) among dated works of the
  same month (or year, when only the year is known) and primary category;
  `100 * (below + ties / 2) / cohort size`, ties sharing their rank. log1p is monotone, so
  the ranks are taken on the counts themselves (no floating-point difference can creep in);
- novelty percentile (same year and category) and AI score (same month and category) of
  the raw novelty and predicted impact, when a store export brings them (`work_scores`);
- per person: papers, citations, h (rank <= citations, ranked by citations descending),
  i10, g (largest rank whose running total >= rank²), first and last year, the most
  frequent primary category (ties: alphabetical), the mean novelty percentile and the mean
  AI score (recent works) or citation percentile (older works), summed in work order as the
  single-machine code sums; citations per year from the citing works' years.

Values are stored unrounded; the write-back rounds them as `score` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from paperscope.batch.link_stage import citing_pairs
from paperscope.batch.tables import has_table, read_table, write_table
from paperscope.definitions import I10_MIN_CITATIONS, RECENT_YEARS, VERSION

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession


@dataclass(frozen=True, slots=True)
class MetricsReport:
    works: int
    people: int
    max_h: int

    def summary(self) -> str:
        return (
            f"metrics (definitions {VERSION}): {self.works} works, {self.people} people, "
            f"highest h-index {self.max_h}"
        )


def recent_cutoff(today: date) -> int:
    """The ordinal day after which a work is recent (as `metrics.scoring._recent`)."""
    return date(today.year - RECENT_YEARS, today.month, min(today.day, 28)).toordinal()


def percentile(value: str, cohort: list[str]) -> Column:
    """Mid-rank percentile (0-100) of `value` within `cohort`; null where `value` is null."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    known = F.col(value).isNotNull()
    group = Window.partitionBy(*[F.col(c) for c in cohort], known)
    ranked = group.orderBy(F.col(value))
    below = F.rank().over(ranked) - 1
    ties = F.count(F.lit(1)).over(
        Window.partitionBy(*[F.col(c) for c in cohort], known, F.col(value))
    )
    size = F.count(F.lit(1)).over(group)
    return F.when(known, F.lit(100.0) * (below + F.lit(0.5) * ties) / size)


def _work_frame(spark: SparkSession, work: Path) -> DataFrame:
    from pyspark.sql import functions as F

    works = read_table(spark, work, "works").select(
        F.col("id").alias("work_id"), "year", "published", "primary_category"
    )
    counts = read_table(spark, work, "work_citations")
    frame = works.join(counts, "work_id")
    if has_table(work, "work_scores"):
        frame = frame.join(read_table(spark, work, "work_scores"), "work_id", "left")
    else:
        frame = (
            frame.withColumn("novelty", F.lit(None).cast("double"))
            .withColumn("predicted_impact", F.lit(None).cast("double"))
            .withColumn("encoder", F.lit(None).cast("string"))
        )
    day = F.when(
        F.col("published").isNotNull(), F.datediff("published", F.lit("0001-01-01")) + 1
    ).when(
        F.col("year").isNotNull(),
        F.datediff(F.make_date("year", F.lit(1), F.lit(1)), F.lit("0001-01-01")) + 1,
    )
    month = (
        F.when(F.col("published").isNotNull(), F.date_format("published", "yyyy-MM"))
        .when(F.col("year").isNotNull(), F.lpad(F.col("year").cast("string"), 4, "0"))
        .otherwise(F.lit(""))
    )
    return (
        frame.withColumn("work_year", F.coalesce(F.col("year"), F.year("published")))
        .withColumn("day", day)
        .withColumn("month", month)
        .withColumn("category", F.coalesce("primary_category", F.lit("")))
    )


def _work_metrics(frame: DataFrame, today: date) -> DataFrame:
    from pyspark.sql import functions as F

    dated = F.col("day").isNotNull()
    scored = (
        frame.withColumn("dated_citations", F.when(dated, F.col("citations")))
        .withColumn("dated_predicted", F.when(dated, F.col("predicted_impact")))
        .withColumn("citation_pct", percentile("dated_citations", ["month", "category"]))
        .withColumn("novelty_pct", percentile("novelty", ["work_year", "category"]))
        .withColumn("ai_score", percentile("dated_predicted", ["month", "category"]))
    )
    middle = F.when(F.length("month") == 4, 181).otherwise(0)
    recent = F.coalesce(F.col("day") + middle, F.lit(-1)) > recent_cutoff(today)
    return scored.withColumn("recent", recent).select(
        "work_id",
        F.col("in_corpus").alias("in_corpus_citations"),
        F.col("reported").alias("reported_citations"),
        "citations",
        "citation_source",
        "novelty",
        "novelty_pct",
        "predicted_impact",
        "ai_score",
        "citation_pct",
        "encoder",
        F.lit(VERSION).alias("definition_version"),
        "work_year",
        "category",
        "recent",
    )


def _ordered_mean(value: str) -> Column:
    """Mean of `value` over a person's works, summed in work-id order (as numpy sums)."""
    from pyspark.sql import functions as F

    items = F.array_sort(
        F.collect_list(
            F.when(F.col(value).isNotNull(), F.struct("work_id", F.col(value).alias("v")))
        )
    )
    total = F.aggregate(items, F.lit(0.0), lambda acc, item: acc + item["v"])
    return F.when(F.size(items) > 0, total / F.size(items))


def _person_metrics(spark: SparkSession, work: Path, metrics: DataFrame) -> DataFrame:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    authorships = read_table(spark, work, "authorships").select(
        F.col("id").alias("authorship_id"), "work_id"
    )
    people = read_table(spark, work, "people").select(
        F.col("id").alias("person_id"), "canonical_name"
    )
    links = read_table(spark, work, "authorship_people")
    rows = (
        links.join(authorships, "authorship_id")
        .select("person_id", "work_id")
        .distinct()
        .join(metrics, "work_id")
        .withColumn(
            "per_work_ai",
            F.when(F.col("recent"), F.col("ai_score")).otherwise(F.col("citation_pct")),
        )
    )
    by_citations = Window.partitionBy("person_id").orderBy(F.col("citations").desc(), "work_id")
    running = by_citations.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    ranked = rows.withColumn("rank", F.row_number().over(by_citations)).withColumn(
        "running", F.sum("citations").over(running)
    )
    category = (
        rows.where(F.col("category") != "")
        .groupBy("person_id", "category")
        .count()
        .withColumn(
            "n",
            F.row_number().over(
                Window.partitionBy("person_id").orderBy(F.col("count").desc(), "category")
            ),
        )
        .where("n = 1")
        .select("person_id", F.col("category").alias("primary_category"))
    )
    totals = ranked.groupBy("person_id").agg(
        F.count(F.lit(1)).alias("papers"),
        F.sum("citations").alias("citations"),
        F.sum(F.when(F.col("citations") >= F.col("rank"), 1).otherwise(0)).alias("h_index"),
        F.sum(F.when(F.col("citations") >= I10_MIN_CITATIONS, 1).otherwise(0)).alias("i10_index"),
        F.max(
            F.when(F.col("running") >= F.col("rank") * F.col("rank"), F.col("rank")).otherwise(0)
        ).alias("g_index"),
        F.min("work_year").alias("first_year"),
        F.max("work_year").alias("last_year"),
        _ordered_mean("novelty_pct").alias("novelty_pct"),
        _ordered_mean("per_work_ai").alias("ai_score"),
    )
    return (
        totals.join(people, "person_id")
        .join(category, "person_id", "left")
        .select(
            F.concat(F.lit("person:"), F.col("person_id").cast("string")).alias("person_key"),
            "person_id",
            F.col("canonical_name").alias("name"),
            "papers",
            "citations",
            "h_index",
            "i10_index",
            "g_index",
            F.col("first_year").cast("int").alias("first_year"),
            F.col("last_year").cast("int").alias("last_year"),
            "primary_category",
            "novelty_pct",
            "ai_score",
            F.lit(VERSION).alias("definition_version"),
        )
    )


def run_metrics(spark: SparkSession, work: Path, *, today: date | None = None) -> MetricsReport:
    from pyspark.sql import functions as F

    today = today or date.today()
    metrics = _work_metrics(_work_frame(spark, work), today)
    write_table(metrics, work, "work_metrics")
    metrics = read_table(spark, work, "work_metrics")
    people = _person_metrics(spark, work, metrics)
    write_table(people, work, "person_metrics")
    authorships = read_table(spark, work, "authorships").select(
        F.col("id").alias("authorship_id"), "work_id"
    )
    person_works = (
        read_table(spark, work, "authorship_people")
        .join(authorships, "authorship_id")
        .select("person_id", F.col("work_id").alias("cited_work_id"))
        .distinct()
    )
    years = read_table(spark, work, "works").select(F.col("id").alias("citing_work_id"), "year")
    per_year = (
        citing_pairs(spark, work)
        .join(person_works, "cited_work_id")
        .join(years, "citing_work_id")
        .where(F.col("year").isNotNull())
        .groupBy("person_id", "year")
        .agg(F.count(F.lit(1)).alias("citations"))
    )
    write_table(per_year, work, "person_citations_by_year")
    top = read_table(spark, work, "person_metrics").agg(F.count(F.lit(1)), F.max("h_index")).first()
    people_, max_h = (int(v or 0) for v in (top or (0, 0)))
    return MetricsReport(works=metrics.count(), people=people_, max_h=max_h)

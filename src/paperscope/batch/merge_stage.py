"""The `merge` stage on Spark: records -> works, ids, authorships, categories, reported counts.

1. Records stored twice with the same content are read once; a record whose OpenAlex id was
   merged away (`merged_ids`) is dropped.
2. Records sharing any identifier are one work: connected components over the identifier
   equivalences (`components`).
3. Within each normalised title, the merge keys join components as ingest does
   (`merging.title_matches`); a second round of components closes those joins.
4. Each work's row is folded from its records in order (`merging.fold_work`, which applies
   `ingest.merge.merged_changes`); its authors and categories come from its first record
   that has them; its reported counts from the last record of each source.

Work ids number the works in the order of their first record, authorship ids the authorships
in the order of the record that brought them: the order ingest creates them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.batch.components import components
from paperscope.batch.merging import ROW_FIELDS, TitleRecord, fold_work, title_matches
from paperscope.batch.spark_util import numbered, pairs, plain
from paperscope.batch.tables import read_table, write_table
from paperscope.ingest.resolution import STRONG_SCHEMES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SEQ_SHIFT = 1 << 32
"""seq = file number * SEQ_SHIFT + result number: a record's place in the reading order."""
DEFAULT_BATCH_SIZE = 5000
"""ingest's batch size (Settings.ingest_batch_size): a newer version of a record overrides
the stored fields only when it arrives in a later batch than the first version."""


@dataclass(frozen=True, slots=True)
class MergeReport:
    records: int
    skipped: int
    """Records read before with the same content, and records of ids OpenAlex merged away."""
    works: int
    authorships: int

    def summary(self) -> str:
        return (
            f"merge: {self.records} work records ({self.skipped} repeated or merged away by "
            f"OpenAlex) -> {self.works} works, {self.authorships} authorships"
        )


def write_units(
    files: list[tuple[int, int, list[tuple[int, str]]]], batch_size: int
) -> list[tuple[int, int, int, int]]:
    """(file number, first result, last result, unit) of every run of results.

    Ingest writes a batch of `batch_size` results format by format: each run of one format
    inside a batch is one write, with its own view of what is stored. A record stored in an
    earlier write is "known" (a newer version then overrides), and within one write the
    works' own reference lists are stored before its citation records. `files`: (file
    number, results, [(first result, format), ...]) in reading order.
    """
    out: list[tuple[int, int, int, int]] = []
    unit, offset = -1, 0
    last: tuple[int, str] | None = None
    for file_no, results, formats in sorted(files):
        runs = list(formats) or [(0, "")]
        for k, (start, fmt) in enumerate(runs):
            end = runs[k + 1][0] if k + 1 < len(runs) else results
            position = start
            while position < end:
                batch = (offset + position) // batch_size
                stop = min(end, (batch + 1) * batch_size - offset)
                if last != (batch, fmt):
                    unit += 1
                    last = (batch, fmt)
                out.append((file_no, position, stop - 1, unit))
                position = stop
        offset += results
    return out


def with_places(
    spark: SparkSession, work: Path, table: str, batch_size: int = DEFAULT_BATCH_SIZE
) -> DataFrame:
    """Rows of a read table with `seq` and the ingest write (`batch`) they would fall in."""
    from pyspark.sql import functions as F

    files = [
        (r.file_no, r.results, [(int(f.start), str(f.format)) for f in (r.formats or [])])
        for r in read_table(spark, work, "files").select("file_no", "results", "formats").collect()
    ]
    units = spark.createDataFrame(
        write_units(files, batch_size), "u_file int, u_start int, u_end int, batch long"
    )
    rows = read_table(spark, work, table)
    placed = rows.join(
        F.broadcast(units),
        (rows.file_no == units.u_file) & rows["index"].between(units.u_start, units.u_end),
    ).drop("u_file", "u_start", "u_end")
    return placed.withColumn("seq", F.col("file_no").cast("long") * SEQ_SHIFT + F.col("index"))


def _distinct_records(records: DataFrame, merged: DataFrame) -> DataFrame:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    same = Window.partitionBy("format", "record_key", "digest").orderBy("seq")
    first = records.withColumn("copy", F.row_number().over(same)).where("copy = 1").drop("copy")
    gone = merged.select(F.concat(F.lit("openalex:"), F.col("old")).alias("record_key"))
    kept = first.join(gone, "record_key", "left_anti")
    key_batch = Window.partitionBy("format", "record_key")
    return kept.withColumn("override", F.col("batch") > F.min("batch").over(key_batch))


def _id_components(records: DataFrame, scratch: Path) -> DataFrame:
    """(seq, component): records joined by shared identifiers."""
    from pyspark.sql import functions as F

    ids = records.select("seq", F.explode("ids").alias("id")).select("seq", "id.scheme", "id.value")
    first = ids.groupBy("scheme", "value").agg(F.min("seq").alias("root"))
    edges = (
        ids.join(first, ["scheme", "value"])
        .where(F.col("seq") != F.col("root"))
        .select(F.col("seq").alias("src"), F.col("root").alias("dst"))
    )
    found = components(records.select(F.col("seq").alias("id")), edges, scratch / "ids")
    return found.select(F.col("id").alias("seq"), F.col("label").alias("component"))


def _title_record(row: Any) -> TitleRecord:
    return TitleRecord(
        seq=row.seq,
        component=row.component,
        merge_keys=tuple(row.merge_keys or ()),
        has_authors=bool(row.has_authors),
        year=row.year,
        ids=tuple((str(a), str(b)) for a, b in pairs(row.ids)),
        component_ids=tuple((int(s), str(a), str(b)) for s, a, b in pairs(row.component_ids)),
    )


def _title_joins(group: tuple[str, Iterable[Any]]) -> list[tuple[int, int]]:
    return title_matches(_title_record(row) for row in group[1])


def _title_components(records: DataFrame, idc: DataFrame, scratch: Path) -> DataFrame:
    """(seq, work_label): identifier components joined by merge keys; label = first seq."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = records.sparkSession
    keyed = records.join(idc, "seq")
    strong = (
        keyed.select("component", "seq", F.explode("ids").alias("id"))
        .where(F.col("id.scheme").isin(sorted(STRONG_SCHEMES)))
        .groupBy("component")
        .agg(F.collect_list(F.struct("seq", "id.scheme", "id.value")).alias("component_ids"))
    )
    per_title = Window.partitionBy("title_key")
    candidates = (
        keyed.where(F.size("merge_keys") > 0)
        .withColumn("in_title", F.count(F.lit(1)).over(per_title))
        .where("in_title > 1")
        .join(strong, "component", "left")
        .select(
            "title_key",
            "seq",
            "component",
            "merge_keys",
            "year",
            "ids",
            "component_ids",
            (F.size("authors") > 0).alias("has_authors"),
        )
    )
    joins = candidates.rdd.map(lambda row: (row.title_key, row)).groupByKey().flatMap(_title_joins)
    edges = spark.createDataFrame(joins, "src long, dst long")
    nodes = idc.select(F.col("component").alias("id")).distinct()
    labels = components(nodes, edges, scratch / "titles")
    return idc.join(
        labels.select(F.col("id").alias("component"), F.col("label").alias("work_label")),
        "component",
    ).select("seq", "work_label")


def _fold(group: tuple[int, Iterable[Any]]) -> Iterator[tuple[Any, ...]]:
    label, rows = group
    ordered = sorted(rows, key=lambda r: r.seq)
    row = fold_work([r.asDict() for r in ordered])
    yield (label, *(plain(row[name]) for name in ROW_FIELDS))


def _work_rows(records: DataFrame, labels: DataFrame) -> DataFrame:
    from pyspark.sql.types import StructField, StructType

    spark = records.sparkSession
    fields = {f.name: f for f in records.schema.fields}
    schema = StructType(
        [StructField("work_label", labels.schema["work_label"].dataType)]
        + [StructField(name, fields[name].dataType) for name in ROW_FIELDS]
    )
    rows = (
        records.join(labels, "seq")
        .select("work_label", "seq", "override", *ROW_FIELDS)
        .rdd.map(lambda row: (row.work_label, row))
        .groupByKey()
        .flatMap(_fold)
    )
    return spark.createDataFrame(rows, schema)


def _first_with(records: DataFrame, column: str) -> DataFrame:
    """Per work, the first record (by seq) whose array `column` is not empty."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    having = records.where(F.size(column) > 0)
    first = Window.partitionBy("work_label").orderBy("seq")
    return having.withColumn("n", F.row_number().over(first)).where("n = 1").drop("n")


def _texts(spark: SparkSession, work: Path, placed: DataFrame, batch_size: int) -> DataFrame:
    """(id, text_abstract, tldr): abstracts and TLDRs delivered apart from their works, each
    applied, as ingest applies it, to the work that held its id when it was read (in its
    write or an earlier one); the first one read wins."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    same = Window.partitionBy("format", "record_key", "digest").orderBy("seq")
    texts = (
        with_places(spark, work, "text_records", batch_size)
        .withColumn("copy", F.row_number().over(same))
        .where("copy = 1")
    )
    known = (
        placed.select("work_id", "batch", F.explode("ids").alias("id"))
        .groupBy("id.scheme", "id.value")
        .agg(F.min("batch").alias("known_from"), F.min_by("work_id", "batch").alias("id"))
    )
    applied = texts.join(known, ["scheme", "value"]).where(F.col("known_from") <= F.col("batch"))
    first = Window.partitionBy("id", "kind").orderBy("seq")
    chosen = applied.withColumn("n", F.row_number().over(first)).where("n = 1")
    return chosen.groupBy("id").agg(
        F.max(F.when(F.col("kind") == "abstract", F.col("text"))).alias("text_abstract"),
        F.max(F.when(F.col("kind") != "abstract", F.col("text"))).alias("tldr"),
    )


def run_merge(
    spark: SparkSession, work: Path, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> MergeReport:
    from pyspark.sql import functions as F

    scratch = work / "_scratch" / "merge"
    all_records = with_places(spark, work, "records", batch_size)
    merged = read_table(spark, work, "merged_ids")
    records = _distinct_records(all_records, merged)
    write_table(records, scratch, "records")
    records = read_table(spark, scratch, "records")
    idc = _id_components(records, scratch)
    labels = _title_components(records, idc, scratch)
    write_table(labels, scratch, "labels")
    labels = read_table(spark, scratch, "labels")
    rows = _work_rows(records, labels)
    works = numbered(rows, ["work_label"], "id", scratch)
    write_table(works, scratch, "works")
    works = read_table(spark, scratch, "works")
    ids = works.select(F.col("id").alias("work_id"), "work_label")
    placed = records.join(labels, "seq").join(ids, "work_label")
    write_table(placed, scratch, "placed")
    placed = read_table(spark, scratch, "placed")
    texts = _texts(spark, work, placed, batch_size)
    write_table(
        works.drop("work_label")
        .join(texts, "id", "left")
        .withColumn("abstract", F.coalesce("abstract", "text_abstract"))
        .drop("text_abstract"),
        work,
        "works",
    )
    write_table(placed.select("seq", "work_id", "format", "record_key"), work, "record_works")
    write_table(
        placed.select("work_id", "seq", F.explode("ids").alias("id"))
        .groupBy("id.scheme", "id.value")
        .agg(F.min_by("work_id", "seq").alias("work_id")),
        work,
        "work_ids",
    )
    authored = _first_with(placed, "authors").select(
        "work_id", "seq", F.explode("authors").alias("a")
    )
    authorships = numbered(
        authored.select("work_id", "seq", "a.*"), ["seq", "position"], "id", scratch
    ).drop("seq")
    write_table(authorships, work, "authorships")
    categorised = _first_with(placed, "categories").select(
        "work_id", F.posexplode("categories").alias("position", "category")
    )
    write_table(categorised, work, "work_categories")
    reported = (
        placed.where(F.col("reported_citations").isNotNull())
        .groupBy("work_id", F.col("format").alias("source"))
        .agg(F.max_by("reported_citations", "seq").alias("count"))
    )
    write_table(reported, work, "reported_citations")
    files = read_table(spark, work, "files").agg(F.sum("works")).first()
    total = int(files[0] or 0) if files else 0
    kept = records.count()
    return MergeReport(
        records=total,
        skipped=total - kept,
        works=works.count(),
        authorships=read_table(spark, work, "authorships").count(),
    )

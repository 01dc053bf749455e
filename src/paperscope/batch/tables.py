"""The Parquet tables of one batch work folder, and their Spark schemas.

Each stage reads the tables of the stages before it and writes its own, so a stage can be
rerun alone (and run as its own `spark-submit` job). `TABLES` names every table and the
stage that writes it; `paperscope batch export` writes the same tables from a store, so a
store's corpus can be the input of the stages after `merge`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

TABLES: dict[str, str] = {
    "files": "read",
    "records": "read",
    "citation_records": "read",
    "text_records": "read",
    "bad_records": "read",
    "merged_ids": "read",
    "works": "merge",
    "work_ids": "merge",
    "authorships": "merge",
    "work_categories": "merge",
    "reported_citations": "merge",
    "record_works": "merge",
    "references": "references",
    "work_citations": "citations",
    "citations_by_year": "citations",
    "people": "resolve",
    "authorship_people": "resolve",
    "work_metrics": "metrics",
    "person_metrics": "metrics",
    "person_citations_by_year": "metrics",
}
"""Every table of a work folder and the stage that writes it."""


def table_path(work: Path | str, name: str) -> str:
    return str(Path(work) / name)


def read_table(spark: SparkSession, work: Path | str, name: str) -> DataFrame:
    return spark.read.parquet(table_path(work, name))


def write_table(frame: DataFrame, work: Path | str, name: str, mode: str = "overwrite") -> None:
    frame.write.mode(mode).parquet(table_path(work, name))


def has_table(work: Path | str, name: str) -> bool:
    return (Path(work) / name / "_SUCCESS").is_file()


def _id_struct() -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType([StructField("scheme", StringType()), StructField("value", StringType())])


def work_record_schema() -> StructType:
    from pyspark.sql.types import (
        ArrayType,
        BooleanType,
        DateType,
        DoubleType,
        IntegerType,
        StringType,
        StructField,
        StructType,
    )

    author = StructType(
        [StructField("position", IntegerType())]
        + [
            StructField(name, StringType())
            for name in (
                "name",
                "name_key",
                "affiliation",
                "orcid",
                "source_scheme",
                "source_value",
                "label",
            )
        ]
    )
    types: dict[str, Any] = {
        "file_no": IntegerType(),
        "index": IntegerType(),
        "ids": ArrayType(_id_struct()),
        "merge_keys": ArrayType(StringType()),
        "published": DateType(),
        "updated": DateType(),
        "featured": DateType(),
        "year": IntegerType(),
        "categories": ArrayType(StringType()),
        "author_count": IntegerType(),
        "authors_truncated": BooleanType(),
        "code_badge": BooleanType(),
        "upvotes": IntegerType(),
        "source_score": DoubleType(),
        "reported_citations": IntegerType(),
        "authors": ArrayType(author),
        "references": ArrayType(_id_struct()),
    }
    from paperscope.batch.records import WORK_COLUMNS

    return StructType([StructField(c, types.get(c, StringType())) for c in WORK_COLUMNS])


def flat_schema(columns: tuple[str, ...], types: dict[str, Any]) -> StructType:
    """A schema of the given columns: the named types, strings for the rest."""
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType([StructField(c, types.get(c, StringType())) for c in columns])


def citation_schema() -> StructType:
    from pyspark.sql.types import BooleanType, IntegerType

    from paperscope.batch.records import CITATION_COLUMNS

    return flat_schema(
        CITATION_COLUMNS,
        {"file_no": IntegerType(), "index": IntegerType(), "is_influential": BooleanType()},
    )


def text_schema() -> StructType:
    from pyspark.sql.types import IntegerType

    from paperscope.batch.records import TEXT_COLUMNS

    return flat_schema(TEXT_COLUMNS, {"file_no": IntegerType(), "index": IntegerType()})


def bad_schema() -> StructType:
    from pyspark.sql.types import IntegerType

    from paperscope.batch.records import BAD_COLUMNS

    return flat_schema(BAD_COLUMNS, {"file_no": IntegerType(), "index": IntegerType()})


def file_schema() -> StructType:
    from pyspark.sql.types import ArrayType, IntegerType, StringType, StructField, StructType

    from paperscope.batch.records import FILE_COLUMNS

    return flat_schema(
        FILE_COLUMNS,
        {
            "file_no": IntegerType(),
            "results": IntegerType(),
            "authors": IntegerType(),
            "works": IntegerType(),
            "citations": IntegerType(),
            "texts": IntegerType(),
            "bad": IntegerType(),
            "skipped": ArrayType(StringType()),
            "formats": ArrayType(
                StructType(
                    [StructField("start", IntegerType()), StructField("format", StringType())]
                )
            ),
        },
    )

"""Sample data for `paperscope demo`: the real data beside the project when present,
otherwise the small samples shipped in the package."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, func, select

from paperscope.store.schema import authorships

PACKAGE_SAMPLES = Path(__file__).parent / "demo_data"
SHARED_CANDIDATES = (Path("../shared"), Path(__file__).resolve().parents[3] / "shared")
SHARED_SAMPLES = (
    "data/aan",
    "data/recordings/openalex-works",
    "data/recordings/arxiv-api",
    "fixtures/pages",
)


def demo_sources() -> list[Path]:
    for shared in SHARED_CANDIDATES:
        if (shared / "data").is_dir():
            return [shared / part for part in SHARED_SAMPLES if (shared / part).exists()]
    return [PACKAGE_SAMPLES]


def demo_author(connection: Connection) -> str | None:
    """The name printed on the most works: a profile with something to show."""
    query = (
        select(authorships.c.name, func.count().label("n"))
        .group_by(authorships.c.name)
        .order_by(func.count().desc(), authorships.c.name)
        .limit(1)
    )
    row = connection.execute(query).first()
    return row[0] if row else None

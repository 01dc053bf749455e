"""`bench/ingest.py`'s raw bulk load, the baseline ingest's speed is a share of: it must load
every row ingest wrote into a fresh database, seeded rows included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from bench_scripts import bench_script
from paperscope.ingest.pipeline import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import metadata

DATA = Path(__file__).resolve().parents[1] / "data"


def _counts(url: str) -> dict[str, int]:
    store = Store.open(url)
    with store.connect() as connection:
        counts = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }
    store.close()
    return counts


def test_every_row_ingest_wrote_loads_into_a_fresh_database(
    new_database_url: Callable[[], str],
) -> None:
    script = bench_script("ingest")
    source, target = new_database_url(), new_database_url()
    store = Store.open(source)
    ingest_paths(store, [DATA / "openalex"], background=False)
    store.close()
    written = _counts(source)
    # the migrations seed rows too (content_changes' first version): the copy replaces them
    assert written["works"] > 0 and written["content_changes"] >= 1

    seconds, rows = script.bulk_load(source, target)

    assert seconds > 0
    assert rows == sum(written.values())
    assert _counts(target) == written

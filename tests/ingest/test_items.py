"""Items prepared where records are read (their keys and code links computed there) are
exactly the items the writer makes itself, and they store exactly the same rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dump import canonical_dump

from paperscope.domain import WorkRecord
from paperscope.enrich.codelinks import code_links_for
from paperscope.ingest.items import Item, item_for
from paperscope.ingest.keys import keyed
from paperscope.ingest.reader import Event, Items, Results, read_events
from paperscope.ingest.writer import BatchWriter, FileResult
from paperscope.sources.base import Malformed, Parsed
from paperscope.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
# Works with code links in their abstracts (openalex, arxiv-kaggle), references, a record
# that merges across sources, citations (s2-bulk) and a malformed line (ingest's samples).
SOURCES = [DATA / name for name in ("openalex", "s2-bulk", "arxiv-kaggle", "bibtex", "ingest")]


def _results(events: list[Event]) -> list[tuple[str, list[FileResult]]]:
    batches = []
    for event in events:
        if isinstance(event, Results | Items):
            batches.append((event.format_name, [(event.name, r) for r in event.results]))
    return batches


def test_prepared_items_are_the_writers_own_with_keys_and_links() -> None:
    parsed = _results(list(read_events(SOURCES, None)))
    prepared = _results(list(read_events(SOURCES, None, prepare=True)))
    assert [len(batch) for _, batch in prepared] == [len(batch) for _, batch in parsed]
    works = links = malformed = 0
    for (_, plain_batch), (_, prepared_batch) in zip(parsed, prepared, strict=True):
        for (file, plain), (_, item) in zip(plain_batch, prepared_batch, strict=True):
            if isinstance(plain, Malformed):
                assert item == plain
                malformed += 1
                continue
            assert isinstance(plain, Parsed) and isinstance(item, Item)
            own = item_for(file, plain)
            record = plain.record
            if isinstance(record, WorkRecord):
                assert item.keys == keyed(record)
                assert item.links == code_links_for(record)
                works += 1
                links += bool(item.links)
            else:
                assert item.keys is None and item.links is None
            assert (item.record, item.record_key, item.digest, item.kind) == (
                own.record,
                own.record_key,
                own.digest,
                own.kind,
            )
    assert works > 20 and links > 0 and malformed > 0


def _written(url: str, prepare: bool) -> Store:
    store = Store.open(url)
    with store.bulk_connection() as connection:
        for format_name, batch in _results(list(read_events(SOURCES, None, prepare=prepare))):
            with connection.begin():
                BatchWriter(connection, format_name, "run").write(batch)
    return store


def test_prepared_and_plain_items_store_the_same_rows(new_database_url: Callable[[], str]) -> None:
    plain, prepared = _written(new_database_url(), False), _written(new_database_url(), True)
    try:
        stored = canonical_dump(prepared)
        assert stored["code_links"] and stored["works"] and stored["quarantine"]
        assert stored == canonical_dump(plain)
    finally:
        plain.close()
        prepared.close()

"""CSL-JSON: a hand-written sample (citation.js style), malformed items reported, and the
Zotero export of the library tests."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from paperscope.domain import ExternalId, WorkRecord
from paperscope.sources.base import Empty, Limits, Malformed, Parsed, ParseResult
from paperscope.sources.csl_json import FORMATS, parse, sniff
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import utf8_stream


def _parse(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _records(results: list[ParseResult]) -> list[WorkRecord]:
    records = [r.record for r in results if isinstance(r, Parsed)]
    assert all(isinstance(r, WorkRecord) for r in records)
    return records  # type: ignore[return-value]


def test_sample_items(data_dir: Path) -> None:
    results = _parse(data_dir / "csl-json" / "sample.json")
    assert [r.position for r in results] == ["item 1 (id 42)", "item 2 (id smith2020)"]
    mikolov, report = _records(results)
    assert [a.name for a in mikolov.authors] == [
        "Tomas Mikolov",
        "Ilya Sutskever",
        "Google Brain Team",
        "Ludwig van Beethoven",
    ]
    assert mikolov.ids == (ExternalId("arxiv", "1310.4546"),)
    assert (mikolov.year, mikolov.published) == (2013, date(2013, 12, 5))
    assert mikolov.venue == "Advances in Neural Information Processing Systems"
    assert mikolov.keywords == ("embeddings", "word2vec")
    assert report.title == "A Report with odd spacing"
    assert [a.name for a in report.authors] == ["Ann Smith Jr."]
    assert (report.year, report.published) == (2020, None)  # month 13: the year only
    assert report.ids == (ExternalId("doi", "10.1234/abc.def"),)
    assert report.venue == "Workshop on Things"


def test_malformed_items_are_reported_and_the_rest_goes_on(data_dir: Path) -> None:
    results = _parse(data_dir / "csl-json" / "malformed.json")
    bad = [(r.position, r.field, r.reason) for r in results if isinstance(r, Malformed)]
    assert bad[:4] == [
        ("item 1", None, "an item must be an object, not str"),
        ("item 2 (id no-title)", "title", "missing title"),
        ("item 3 (id bad-author)", "author", "expected a list of names"),
        ("item 4 (id bad-date)", "issued", "a date part must be a number, not 'soon'"),
    ]
    assert bad[4][0] == "item 6" and bad[4][2].startswith("broken JSON, nothing after it")
    assert len(bad) == 5
    [good] = _records(results)
    assert good.title == "Good After Bad: Parsing Goes On" and good.year == 2021


def test_not_an_array_is_one_clear_problem() -> None:
    [result] = list(parse(io.BytesIO(b'"just a string"')))
    assert isinstance(result, Malformed) and "JSON array" in result.reason
    [single] = list(parse(io.BytesIO(b'{"type": "book", "title": "One Item"}')))
    assert isinstance(single, Parsed) and single.record.title == "One Item"  # type: ignore[union-attr]


def test_zotero_export(data_dir: Path) -> None:
    records = _records(_parse(data_dir / "library" / "zotero.json"))
    assert len(records) == 6
    assert records[0].ids == (
        ExternalId("doi", "10.48550/arxiv.1706.03762"),
        ExternalId("arxiv", "1706.03762"),
    )
    assert (records[0].year, records[0].published) == (2017, date(2017, 6, 12))  # "2017" text
    assert [a.name for a in records[4].authors][-1] == "George van den Driessche"
    assert records[5].year == 2018 and records[5].title.startswith("Über")


def test_sniff_and_detection(data_dir: Path) -> None:
    head = (data_dir / "library" / "zotero.json").read_bytes()[:65536]
    assert detect_format(head, "My Library.json") is FORMATS[0]
    assert not sniff(b'[{"paper": {"id": "2401.00001", "title": "x"}}]', "daily.json")
    assert not sniff(b'{"type": "article", "title": "x", "DOI": "10.1/x"}', "x.json")


def test_an_item_over_the_cap_is_reported_with_an_excerpt_and_the_rest_read() -> None:
    big = {"type": "article", "title": "Big", "abstract": "x" * 10_000}
    items = [{"type": "article", "title": "Before"}, big, {"type": "book", "title": "After"}]
    data = json.dumps(items).encode()
    results = list(parse(io.BytesIO(data), Limits(record_bytes=4096)))
    bad = [r for r in results if isinstance(r, Malformed)]
    assert [(r.position, "size cap" in r.reason) for r in bad] == [("item 2", True)]
    assert len(bad[0].raw) <= 4096
    assert [r.title for r in _records(results)] == ["Before", "After"]


def test_a_file_cut_short_keeps_the_items_before_the_break() -> None:
    data = b'[{"type": "book", "title": "Kept"}, {"type": "book", "title": "Cut'
    results = list(parse(io.BytesIO(data)))
    assert [r.title for r in _records(results)] == ["Kept"]
    [bad] = [r for r in results if isinstance(r, Malformed)]
    assert bad.position == "item 2" and bad.reason.startswith("broken JSON, nothing after it")


def test_an_empty_array_is_empty_and_an_exception_is_one_items_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [empty] = list(parse(io.BytesIO(b" [ ] ")))
    assert isinstance(empty, Empty)
    from paperscope.sources import csl_json

    real = csl_json.work_record

    def fragile(item: dict[str, Any]) -> WorkRecord:
        if item.get("title") == "One":
            raise RuntimeError("boom")
        return real(item)

    monkeypatch.setattr(csl_json, "work_record", fragile)
    results = list(parse(io.BytesIO(b'[{"title": "One"}, {"title": "Two"}]')))
    assert isinstance(results[0], Malformed) and results[0].reason == "RuntimeError: boom"
    assert [r.title for r in _records(results)] == ["Two"]


def test_encodings_through_the_shared_reader() -> None:
    items = '[{"type": "book", "title": "Über naïve “quotes”", "author": [{"family": "Müller"}]}]'
    for data in (items.encode("utf-8-sig"), items.encode("utf-16"), items.encode("cp1252")):
        stream, _ = utf8_stream(io.BytesIO(data))
        [record] = _records(list(parse(stream)))
        assert record.title == "Über naïve “quotes”" and record.authors[0].name == "Müller"


def test_a_library_larger_than_the_document_cap_is_read_to_its_end() -> None:
    """An export of 113k works is ~150 MB: read item by item, every item is kept (the
    document cap is for what must be read whole)."""
    items = [{"type": "book", "title": f"Item {n}", "abstract": "a" * 200} for n in range(2000)]
    data = json.dumps(items).encode()
    limits = Limits(record_bytes=4096, document_bytes=64 * 1024)
    assert len(data) > 5 * limits.document_bytes
    records = _records(list(parse(io.BytesIO(data), limits)))
    assert len(records) == 2000 and records[-1].title == "Item 1999"

"""RIS: a hand-written sample (Mendeley/EndNote tags, CRLF, continuation lines), malformed
records reported with their lines, and the Zotero export of the library tests."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from paperscope.domain import ExternalId, WorkRecord
from paperscope.sources.base import Limits, Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import utf8_stream
from paperscope.sources.ris import FORMATS, display_name, parse, sniff


def _parse(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _records(results: list[ParseResult]) -> list[WorkRecord]:
    records = [r.record for r in results if isinstance(r, Parsed)]
    assert all(isinstance(r, WorkRecord) for r in records)
    return records  # type: ignore[return-value]


def test_sample_records(data_dir: Path) -> None:
    results = _parse(data_dir / "ris" / "sample.ris")
    assert [r.position for r in results] == ["record 1 (line 1)", "record 2 (line 15)"]
    bahdanau, chapter = _records(results)
    assert bahdanau.title == "Neural Machine Translation by Jointly Learning to Align and Translate"
    assert [a.name for a in bahdanau.authors] == [
        "Dzmitry Bahdanau",
        "Kyunghyun Cho",
        "Yoshua Bengio",
    ]
    assert bahdanau.ids == (ExternalId("arxiv", "1409.0473"),)
    assert (bahdanau.year, bahdanau.published) == (2015, date(2015, 5, 7))
    assert bahdanau.venue == "International Conference on Learning Representations"
    assert bahdanau.abstract and bahdanau.abstract.startswith("Neural machine translation")
    assert bahdanau.url == "https://arxiv.org/abs/1409.0473v7"
    assert [a.name for a in chapter.authors] == ["John Smith Jr.", "World Health Organization"]
    assert chapter.ids == (ExternalId("doi", "10.1002/9780470753002.ch2"),)
    assert (chapter.year, chapter.published) == (2009, date(2009, 3, 15))
    assert chapter.venue == "The Handbook of Linguistics"


def test_malformed_records_are_reported_and_the_rest_goes_on(data_dir: Path) -> None:
    results = _parse(data_dir / "ris" / "malformed.ris")
    bad = [(r.position, r.field, r.reason) for r in results if isinstance(r, Malformed)]
    assert bad == [
        ("line 1", None, bad[0][2]),
        ("record 1 (line 3)", "TI", "missing title (TI or T1)"),
        (
            "record 2 (line 8)",
            "ER",
            "the record has no end tag ER: the next record starts at line 12",
        ),
        ("record 3 (line 12)", "PY", "unreadable year 'sometime'"),
        ("record 5 (line 24)", "ER", "the record has no end tag ER: the file ends inside it"),
    ]
    assert "text outside a record" in bad[0][2]
    [good] = _records(results)
    assert good.title == "Good After Bad: Parsing Goes On"
    assert good.ids == (ExternalId("doi", "10.5555/good.after.bad"),)


SMALL = Limits(record_bytes=4096)


def test_an_overlong_record_is_skipped_to_its_end_with_an_excerpt() -> None:
    lines = "\n".join(f"N1  - note {n} " + "x" * 100 for n in range(200))  # no line over the cap
    text = f"TY  - JOUR\nTI  - Huge\n{lines}\nER  - \nTY  - JOUR\nTI  - Small One\nER  - \n"
    results = list(parse(io.BytesIO(text.encode()), SMALL))
    huge = results[0]
    assert isinstance(huge, Malformed) and huge.position == "record 1 (line 1)"
    assert "size cap" in huge.reason and "skipped to its end" in huge.reason
    assert len(huge.raw) < 5000 and huge.raw.startswith("TY  - JOUR\nTI  - Huge")
    assert [r.title for r in _records(results)] == ["Small One"]


def test_an_overlong_line_is_bounded_inside_and_outside_a_record() -> None:
    long = "x" * 10_000
    text = (
        f"{long}\nTY  - JOUR\nTI  - Long Abstract\nAB  - {long}\nER  - \n"
        "TY  - JOUR\nTI  - Ok\nER  - \n"
    )
    results = list(parse(io.BytesIO(text.encode()), SMALL))
    bad = [r for r in results if isinstance(r, Malformed)]
    assert [(r.position, "size cap" in r.reason) for r in bad] == [
        ("line 1", True),
        ("record 1 (line 2)", True),
    ]
    assert all(len(r.raw) <= 4200 for r in bad)
    assert [r.title for r in _records(results)] == ["Ok"]


def test_encodings_through_the_shared_reader() -> None:
    """A BOM, UTF-16 and cp1252 bytes: the same record, read through `Utf8Stream` as ingest
    and the library import read every file."""
    text = "TY  - JOUR\r\nTI  - Über naïve “quotes”\r\nAU  - Müller, Jörg\r\nER  - \r\n"
    for data in (
        text.encode("utf-8-sig"),
        text.encode("utf-16"),
        text.encode("utf-16-le"),
        text.encode("cp1252"),
    ):
        stream, _ = utf8_stream(io.BytesIO(data))
        [record] = _records(list(parse(stream)))
        assert record.title == "Über naïve “quotes”", data[:8]
        assert [a.name for a in record.authors] == ["Jörg Müller"]
    [bom_only] = _records(list(parse(io.BytesIO(text.encode("utf-8-sig")))))  # parse alone too
    assert bom_only.title == "Über naïve “quotes”"


def test_an_exception_reading_one_record_is_that_records_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from paperscope.sources import ris

    real = ris.work_record

    def fragile(entry: dict[str, Any]) -> WorkRecord:
        if entry.get("title") == "One":
            raise RuntimeError("boom")
        return real(entry)

    monkeypatch.setattr(ris, "work_record", fragile)
    text = b"TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nTI  - Two\nER  - \n"
    results = list(parse(io.BytesIO(text)))
    assert isinstance(results[0], Malformed) and results[0].reason == "RuntimeError: boom"
    assert results[0].position == "record 1 (line 1)"
    assert [r.title for r in _records(results)] == ["Two"]


def test_records_without_ids_are_keyed_by_their_title(data_dir: Path) -> None:
    results = _parse(data_dir / "library" / "zotero.ris")
    records = _records(results)
    assert len(records) == 6 and not [r for r in results if isinstance(r, Malformed)]
    assert records[0].ids == (
        ExternalId("doi", "10.48550/arxiv.1706.03762"),
        ExternalId("arxiv", "1706.03762"),
    )
    assert (
        records[1].venue
        == "Proceedings of the ACM/IEEE Joint Conference on Digital Libraries in 2020"
    )
    assert records[5].ids == (
        ExternalId("listing", "uber-die-verarbeitung-naturlicher-sprache-in-bibliotheken"),
    )
    assert [a.name for a in records[5].authors] == ["Jörg Müller", "Çağrı Öztürk"]


def test_names() -> None:
    assert display_name("Vaswani, Ashish") == "Ashish Vaswani"
    assert display_name("van den Driessche, George") == "George van den Driessche"
    assert display_name("Smith, John, Jr.") == "John Smith Jr."
    assert display_name("Plato") == "Plato"


def test_sniff_and_detection(data_dir: Path) -> None:
    assert sniff(b"\xef\xbb\xbf\r\nTY  - JOUR\r\n", "x.txt")
    assert sniff(b"Provider: EndNote\n\nTY  - JOUR\n", "export.txt")
    assert not sniff(b"Title: TY  - JOUR", "x.ris")
    assert not sniff(b"a\nb\nc\nd\ne\nf\ng\nTY  - JOUR\n", "notes.txt")
    head = (data_dir / "library" / "zotero.ris").read_bytes()[:65536]
    assert detect_format(head, "export.txt") is FORMATS[0]

"""arXiv OAI-PMH responses, `arXiv` and `arXivRaw` metadata (hand-made: no recordings exist)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from paperscope.domain import ExternalId, WorkRecord
from paperscope.sources.arxiv_oai import parse, resumption_token, sniff
from paperscope.sources.base import Empty, Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import SNIFF_BYTES


@pytest.fixture(scope="module")
def samples(data_dir: Path) -> Path:
    return data_dir / "arxiv-oai"


def _results(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _works(results: list[ParseResult]) -> dict[str, WorkRecord]:
    return {
        r.record.key.value: r.record
        for r in results
        if isinstance(r, Parsed) and isinstance(r.record, WorkRecord)
    }


def _malformed(results: list[ParseResult]) -> list[Malformed]:
    return [r for r in results if isinstance(r, Malformed)]


def test_arxiv_format_records(samples: Path) -> None:
    works = _works(_results(samples / "listrecords-arxiv.xml"))
    assert list(works) == ["0704.0001", "0704.0009", "hep-th/9711200"]
    first = works["0704.0001"]
    assert first.ids == (
        ExternalId("arxiv", "0704.0001"),
        ExternalId("doi", "10.1103/physrevd.76.013009"),
    )
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert [a.name for a in first.authors] == [
        "C. Balázs",
        "E. L. Berger",
        "P. M. Nadolsky",
        "C.-P. Yuan",
    ]
    assert (first.published, first.updated, first.year) == (
        date(2007, 4, 2),
        date(2007, 7, 24),
        2007,
    )
    assert first.categories == ("hep-ph",)
    assert first.venue == "Phys.Rev.D76:013009,2007"
    assert first.comments == "37 pages, 15 figures; published version"
    assert first.url == "https://arxiv.org/abs/0704.0001"
    assert first.abstract is not None and first.abstract.startswith("A fully differential")


def test_arxiv_format_suffixes_and_affiliations(samples: Path) -> None:
    work = _works(_results(samples / "listrecords-arxiv.xml"))["0704.0009"]
    assert [(a.name, a.affiliation) for a in work.authors] == [
        ("Paul Harvey", "University of Texas at Austin"),
        ("Bruno Merin", "Leiden Observatory; ESA"),
        ("Neal J. Evans II", None),
    ]
    # Without <updated>, the only version is also the latest.
    assert work.updated == work.published == date(2007, 4, 2)


def test_old_style_id_and_several_dois(samples: Path) -> None:
    work = _works(_results(samples / "listrecords-arxiv.xml"))["hep-th/9711200"]
    assert work.ids == (
        ExternalId("arxiv", "hep-th/9711200"),
        ExternalId("doi", "10.1023/a:1026654312961"),
        ExternalId("doi", "10.4310/atmp.1998.v2.n2.a1"),
    )
    assert work.year == 1997


def test_deleted_records_are_skipped_and_broken_ones_quarantined(samples: Path) -> None:
    results = _results(samples / "listrecords-arxiv.xml")
    positions = [r.position for r in results]
    assert not any("0704.0012" in position for position in positions)  # deleted
    (missing_title,) = _malformed(results)
    assert missing_title.position == "record 5 (oai:arXiv.org:0704.0030)"
    assert missing_title.field == "title"
    assert "<title>" in missing_title.raw


def test_arxiv_raw_resolves_numbered_affiliations(samples: Path) -> None:
    work = _works(_results(samples / "listrecords-arxivraw.xml"))["0704.0025"]
    assert [(a.name, a.affiliation) for a in work.authors] == [
        (
            "A. S. Mishchenko",
            "CREST, Japan Science and Technology Agency; "
            "Russian Research Centre “Kurchatov Institute”",
        ),
        ("N. Nagaosa", "CREST, Japan Science and Technology Agency; The University of Tokyo"),
    ]
    assert work.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert work.ids[1] == ExternalId("doi", "10.1007/978-1-4020-6348-0_12")


def test_arxiv_raw_versions_give_dates_and_latex_names_are_decoded(samples: Path) -> None:
    work = _works(_results(samples / "listrecords-arxivraw.xml"))["0704.0199"]
    assert [(a.name, a.affiliation) for a in work.authors] == [
        ("Christian Krattenthaler", "Universität Wien"),
        ("Thomas Müller", "Queen Mary & Westfield College, University of London"),
    ]
    assert (work.published, work.updated) == (date(2007, 4, 2), date(2010, 6, 6))
    assert work.venue == "Trans. Amer. Math. Soc. 362 (2010), 2723-2787"


def test_arxiv_raw_bad_records_are_malformed(samples: Path) -> None:
    malformed = _malformed(_results(samples / "listrecords-arxivraw.xml"))
    assert [(m.position, m.field) for m in malformed] == [
        ("record 4 (oai:arXiv.org:not-an-id)", "id"),
        ("record 5 (oai:arXiv.org:0704.0210)", "metadata"),
    ]
    assert "oai_dc" in malformed[1].reason


def test_get_record(samples: Path) -> None:
    (result,) = _results(samples / "getrecord-arxivraw.xml")
    assert isinstance(result, Parsed) and isinstance(result.record, WorkRecord)
    assert result.position == "record 1 (oai:arXiv.org:0704.0062)"
    assert [a.name for a in result.record.authors] == [
        "Rastislav Šrámek",
        "Broňa Brejová",
        "Tomáš Vinař",
    ]
    assert result.record.published == date(2007, 3, 31)


def test_oai_error_is_malformed_but_no_records_match_is_empty(samples: Path) -> None:
    (error,) = _results(samples / "error-badresumptiontoken.xml")
    assert isinstance(error, Malformed)
    assert error.field == "error"
    assert error.reason.startswith("OAI-PMH error badResumptionToken: The value of the")
    assert [type(r) for r in _results(samples / "error-norecordsmatch.xml")] == [Empty]


def test_truncated_response_keeps_complete_records(samples: Path) -> None:
    results = _results(samples / "listrecords-truncated.xml")
    assert list(_works(results)) == ["0704.0001"]
    (error,) = _malformed(results)
    assert (error.position, error.field) == ("after record 2", "xml")


def test_resumption_token(samples: Path) -> None:
    assert resumption_token((samples / "listrecords-arxiv.xml").read_bytes()) == "6960524|1001"
    # An empty token element marks the last page.
    assert resumption_token((samples / "listrecords-arxivraw.xml").read_bytes()) is None
    assert resumption_token((samples / "getrecord-arxivraw.xml").read_bytes()) is None
    prefixed = '<oai:resumptionToken cursor="0">a&amp;b</oai:resumptionToken>'
    assert resumption_token(prefixed) == "a&b"


def test_long_list_streams_every_record() -> None:
    record = (
        "<record><header><identifier>oai:arXiv.org:1501.{n:05d}</identifier></header><metadata>"
        '<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>1501.{n:05d}</id><title>Paper {n}</title>'
        "<created>2015-01-05</created><categories>cs.LG stat.ML</categories></arXiv>"
        "</metadata></record>"
    )
    body = "".join(record.format(n=n) for n in range(1, 3001))
    document = (
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
        f"{body}</ListRecords></OAI-PMH>"
    )
    works = _works(list(parse(io.BytesIO(document.encode()))))
    assert len(works) == 3000
    assert works["1501.03000"].categories == ("cs.LG", "stat.ML")


def test_sniff_accepts_samples_and_rejects_others(samples: Path, data_dir: Path) -> None:
    for path in samples.iterdir():
        assert sniff(path.read_bytes()[:SNIFF_BYTES], path.name), path.name
    assert not sniff((data_dir / "arxiv-atom/search-2016-style.xml").read_bytes(), "x.xml")
    other_repository = (
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        b"<request>https://zenodo.org/oai2d</request></OAI-PMH>"
    )
    assert not sniff(other_repository, "x.xml")


def test_detect_format_picks_arxiv_oai_for_samples(samples: Path) -> None:
    for path in sorted(samples.iterdir()):
        detected = detect_format(path.read_bytes()[:SNIFF_BYTES], path.name)
        assert detected is not None and detected.name == "arxiv-oai", path.name

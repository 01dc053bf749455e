"""AMiner / DBLP citation-network dumps: JSON Lines (v10, v12) and the tagged text format."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.aminer_citation import FORMATS, parse
from paperscope.sources.base import Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import SNIFF_BYTES

(AMINER_CITATION,) = FORMATS
SAMPLE_FILES = (
    "dblp-v12-sample.jsonl",
    "dblp-ref-v10-sample.json",
    "outputacm-v8-sample.txt",
    "aminer-paper-sample.txt",
)


def _results(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _works(results: list[ParseResult]) -> dict[str, WorkRecord]:
    works = [r.record for r in results if isinstance(r, Parsed)]
    return {w.key.value: w for w in works if isinstance(w, WorkRecord)}


def _malformed(results: list[ParseResult]) -> list[tuple[str, str | None]]:
    return [(r.position, r.field) for r in results if isinstance(r, Malformed)]


def _aminer(*values: str) -> tuple[ExternalId, ...]:
    return tuple(ExternalId("aminer", value) for value in values)


@pytest.fixture(scope="module")
def samples(data_dir: Path) -> Path:
    return data_dir / "aminer-citation"


# --- JSON Lines -------------------------------------------------------------------------------


def test_v12_json_lines(samples: Path) -> None:
    results = _results(samples / "dblp-v12-sample.jsonl")
    works = _works(results)
    assert list(works) == [
        "53e99784b7602d9701f3e133",
        "53e9a0ffb7602d97029c5b2f",
        "5390a5b320f70186a0e4c9f3",
    ]
    book = works["53e99784b7602d9701f3e133"]
    assert book.ids == (
        ExternalId("aminer", "53e99784b7602d9701f3e133"),
        ExternalId("doi", "10.1016/b978-0-12-381479-1.00001-0"),
    )
    assert book.title == "Data mining: concepts and techniques"
    assert book.authors[0] == AuthorName(
        "Jiawei Han",
        affiliation="Department of Computer Science, University of Illinois at Urbana-Champaign",
        source_id=ExternalId("aminer", "53f42f36dabfaedce54dcd0c"),
    )
    assert (book.year, book.venue, book.reported_citations) == (2000, "Morgan Kaufmann", 21234)
    assert book.keywords == ("data mining", "structured data", "world wide web")
    assert book.categories == ("Data mining", "Data warehouse", "Computer science")
    assert book.references == _aminer("53e9a0ffb7602d97029c5b2f", "53e99822b7602d9702042f5c")
    # v12 ships the abstract as an inverted index.
    assert book.abstract == "Our capabilities of both generating and of collecting data"


def test_v12_string_numbers_doi_url_and_nameless_authors(samples: Path) -> None:
    works = _works(_results(samples / "dblp-v12-sample.jsonl"))
    fp_growth = works["53e9a0ffb7602d97029c5b2f"]
    assert fp_growth.ids[1] == ExternalId("doi", "10.1145/342009.335372")
    assert (fp_growth.year, fp_growth.reported_citations) == (2000, 7421)
    assert [a.name for a in fp_growth.authors] == ["Jiawei Han", "Jian Pei", "Yiwen Yin"]
    assert fp_growth.author_count == 4  # one author entry has no name
    assert fp_growth.abstract is not None and "\n" not in fp_growth.abstract
    quantitative = works["5390a5b320f70186a0e4c9f3"]
    assert quantitative.reported_citations is None  # -1 means unknown
    assert quantitative.url == "https://dl.acm.org/doi/10.1145/233269.233311"
    assert quantitative.references == _aminer("5390a5b320f70186a0e4c9f1")


def test_v12_bad_lines_are_quarantined(samples: Path) -> None:
    results = _results(samples / "dblp-v12-sample.jsonl")
    assert _malformed(results) == [
        ("line 4 (id 53e99822b7602d9702042f5c)", "title"),
        ("line 5 (id 5390a5b320f70186a0e4c9f1)", "year"),
        ("line 6", None),
    ]
    truncated = [r for r in results if isinstance(r, Malformed)][-1]
    assert truncated.reason.startswith("not valid JSON")
    assert truncated.raw.startswith('{"id": "5390a5b320f70186a0e4c9f2"')


def test_v10_json_lines_with_plain_author_names(samples: Path) -> None:
    results = _results(samples / "dblp-ref-v10-sample.json")
    assert _malformed(results) == []
    works = _works(results)
    assert len(works) == 3
    first = works["00127ee2-cb05-48ce-bc49-9de556b93346"]
    assert [a.name for a in first.authors] == ["Makoto Satoh", "Ryo Matsuoka", "Hiroshi Nakashima"]
    assert first.venue == "international conference on human-computer interaction"
    assert first.reported_citations == 0
    assert len(first.references) == 2
    assert works["001c58d3-26ad-46b3-ab3a-c1e557d16821"].venue is None  # empty venue


def test_json_line_that_is_not_an_object() -> None:
    results = list(parse(io.BytesIO(b'{"id": "1", "title": "A", "n_citation": 1}\n[1, 2]\n')))
    assert len(_works(results)) == 1
    assert _malformed(results) == [("line 2", None)]


# --- tagged text ------------------------------------------------------------------------------


def test_citation_network_text_format(samples: Path) -> None:
    results = _results(samples / "outputacm-v8-sample.txt")
    works = _works(results)
    assert list(works) == ["1", "2", "4", "3"]
    boost = works["1"]
    assert boost.title == "Information geometry of U-Boost and Bregman divergence"
    assert [a.name for a in boost.authors][:2] == ["Noboru Murata", "Takashi Takenouchi"]
    assert (boost.year, boost.venue) == (2004, "Neural Computation")
    assert boost.references == _aminer("2", "3")
    assert boost.abstract is not None and boost.abstract.startswith("We aim at an extension")
    margin = works["2"]
    assert margin.references == ()  # a bare `#%`
    assert margin.abstract is not None and margin.abstract.endswith("becomes very large.")
    assert (works["4"].year, works["4"].reported_citations) == (None, None)
    assert works["3"].reported_citations == 2387
    # A record with no #index, run into the next one without a blank line.
    assert _malformed(results) == [("line 27", "#index")]


def test_aminer_paper_text_format_with_affiliations(samples: Path) -> None:
    results = _results(samples / "aminer-paper-sample.txt")
    assert _malformed(results) == []
    works = _works(results)
    arnetminer = works["1083734"]
    assert arnetminer.authors[:3] == (
        AuthorName("Jie Tang", "Tsinghua University, China"),
        AuthorName("Jing Zhang", "Tsinghua University, China"),
        AuthorName("Limin Yao"),
    )
    assert arnetminer.authors[4] == AuthorName("Li Zhang", "IBM, China")
    assert arnetminer.references == _aminer("197394", "220708")
    topic = works["197394"]
    assert (topic.year, topic.venue, topic.abstract, topic.references) == (2007, "WWW", None, ())


def test_raw_and_position_of_a_text_record(samples: Path) -> None:
    first = _results(samples / "aminer-paper-sample.txt")[0]
    assert isinstance(first, Parsed)
    assert first.position == "line 1 (id 1083734)"
    assert first.raw.splitlines()[0] == "#index 1083734"
    assert first.raw.splitlines()[-1].startswith("#! This paper addresses")


# --- detection --------------------------------------------------------------------------------


def test_sniff_and_detect_samples(samples: Path) -> None:
    for name in SAMPLE_FILES:
        head = (samples / name).read_bytes()[:SNIFF_BYTES]
        assert AMINER_CITATION.sniff(head, name), name
        detected = detect_format(head, name)
        assert detected is not None and detected.name == "aminer-citation", name


def test_sniff_rejects_other_json_lines() -> None:
    openalex = b'{"id": "https://openalex.org/W1", "title": "A", "referenced_works": []}\n'
    kaggle = b'{"id": "0704.0001", "submitter": "P", "title": "A", "authors": "C. B"}\n'
    s2_bulk = b'{"corpusid": 1, "title": "A", "venue": "X", "authors": []}\n'
    for head in (openalex, kaggle, s2_bulk, b"@article{a, title={T}}\n", b"# Title\n"):
        assert not AMINER_CITATION.sniff(head, "x.json")

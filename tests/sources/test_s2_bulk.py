from __future__ import annotations

import gzip
import io
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from paperscope.domain import (
    AbstractRecord,
    AuthorRecord,
    CitationRecord,
    ExternalId,
    WorkRecord,
)
from paperscope.sources.base import Empty, Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import SNIFF_BYTES
from paperscope.sources.s2_bulk import parse, sniff

DATASETS = Path("data/recordings/semantic-scholar-datasets")
SKIPPED_DATASETS = ("embeddings", "paper-ids", "publication-venues", "s2orc")


def _parse_file(path: Path) -> list[ParseResult]:
    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b"):
        data = gzip.decompress(data)
    return list(parse(io.BytesIO(data)))


def _records(results: list[ParseResult], kind: type) -> list:  # type: ignore[type-arg]
    return [r.record for r in results if isinstance(r, Parsed) and isinstance(r.record, kind)]


def _bad(results: list[ParseResult]) -> list[tuple[str, str | None]]:
    return [(r.position, r.field) for r in results if isinstance(r, Malformed)]


def _real(shared_dir: Path, dataset: str) -> Path:
    return shared_dir / DATASETS / dataset / f"{dataset}-sample.jsonl.gz"


@pytest.fixture
def samples(data_dir: Path) -> Path:
    return data_dir / "s2-bulk"


# --- hand-written samples ---------------------------------------------------------------


def test_papers(samples: Path) -> None:
    results = _parse_file(samples / "papers-sample.jsonl")
    attention, chinese, back_matter = _records(results, WorkRecord)
    assert attention.ids == (
        ExternalId("corpusid", "13756489"),
        ExternalId("s2", "204e3073870fae3d05bcbc2f6a8e263d9b72e776"),
        ExternalId("dblp", "conf/nips/VaswaniSPUJGKP17"),
        ExternalId("arxiv", "1706.03762"),
        ExternalId("mag", "2963403868"),
    )
    assert attention.title == "Attention is All you Need"
    assert attention.venue == "ArXiv"  # the journal, before the free-text venue
    assert attention.categories == ("Computer Science",)
    assert attention.reported_citations == 118000
    assert [a.source_id for a in attention.authors] == [
        ExternalId("s2", "40348417"),
        ExternalId("s2", "1846258"),
    ]
    assert chinese.year == 2006  # `year` is null: taken from the date
    assert chinese.published == date(2006, 2, 28)
    assert chinese.venue is None  # empty journal name and venue
    assert ExternalId("doi", "10.3760/cma.j.issn.2095-1485.2006.01.019") in chinese.ids
    assert ExternalId("pubmed", "17178934") in chinese.ids
    assert ExternalId("pmc", "1794268") in chinese.ids
    assert back_matter.ids == (ExternalId("corpusid", "231810694"),)
    assert back_matter.reported_citations == 7  # a count written as a string
    assert _bad(results) == [
        ("line 4", "publicationdate"),
        ("line 5", "citationcount"),
        ("line 6", None),
    ]


def test_authors(samples: Path) -> None:
    results = _parse_file(samples / "authors-sample.jsonl")
    jung, cottiero = _records(results, AuthorRecord)
    assert jung.ids == (ExternalId("s2", "102908023"), ExternalId("orcid", "0000-0001-2345-678X"))
    assert jung.aliases == ("Sung A Jung", "Sung‐a Jung")
    assert jung.affiliations == ("Seoul National University",)
    assert jung.homepage == "https://example.org/~jung"
    assert (jung.reported_papers, jung.reported_citations, jung.reported_h_index) == (8, 44, 3)
    assert cottiero.aliases == ()
    assert cottiero.reported_h_index == 2
    assert _bad(results) == [("line 3", "authorid"), ("line 4", "name")]


def test_citations(samples: Path) -> None:
    results = _parse_file(samples / "citations-sample.jsonl")
    unknown, with_contexts, newer_schema = _records(results, CitationRecord)
    assert unknown == CitationRecord(ExternalId("corpusid", "74265463"), None, (), False)
    assert with_contexts.cited == ExternalId("corpusid", "13756489")
    assert with_contexts.contexts[1] == "As in [2], we teach."
    assert with_contexts.is_influential is True
    assert newer_schema.citing == ExternalId("corpusid", "255784639")  # an integer id
    assert newer_schema.is_influential is None
    assert _bad(results) == [("line 4", "citingcorpusid")]


def test_abstracts_and_tldrs(samples: Path) -> None:
    abstracts = _parse_file(samples / "abstracts-sample.jsonl")
    (abstract,) = _records(abstracts, AbstractRecord)
    assert abstract.work == ExternalId("corpusid", "156832481")
    assert abstract.kind == "abstract"
    assert abstract.text.startswith("A large body of literature")
    assert _bad(abstracts) == [("line 3", "corpusid")]  # line 2 has no abstract: nothing
    tldrs = _parse_file(samples / "tldrs-sample.jsonl")
    (tldr,) = _records(tldrs, AbstractRecord)
    assert (tldr.work, tldr.kind) == (ExternalId("corpusid", "2833"), "tldr")
    assert _bad(tldrs) == []  # a blank TLDR is skipped, not quarantined


def test_skipped_datasets_yield_nothing_but_unknown_lines(samples: Path) -> None:
    results = _parse_file(samples / "skipped-datasets.jsonl")
    assert [r for r in results if isinstance(r, Parsed)] == []
    (bad,) = [r for r in results if isinstance(r, Malformed)]
    assert bad.position == "line 5"
    assert "corpusid, unexpected" in bad.reason


def test_parsed_raw_is_the_line(samples: Path) -> None:
    first = _parse_file(samples / "tldrs-sample.jsonl")[0]
    assert isinstance(first, Parsed)
    assert first.raw.startswith('{"corpusid":2833,')
    assert not first.raw.endswith("\n")


def test_sniff(samples: Path, data_dir: Path) -> None:
    for path in samples.glob("*.jsonl"):
        assert sniff(path.read_bytes()[:SNIFF_BYTES], path.name), path.name
    assert not sniff((samples / "README.txt").read_bytes(), "README.txt")
    s2_api_paper = data_dir / "s2-api" / "paper.json"
    assert not sniff(s2_api_paper.read_bytes(), s2_api_paper.name)
    assert not sniff(b'[{"corpusid": 1}]', "list.json")


def test_detect_format(samples: Path) -> None:
    for path in samples.glob("*.jsonl"):
        fmt = detect_format(path.read_bytes()[:SNIFF_BYTES], path.name)
        assert fmt is not None and fmt.name == "s2-bulk", path.name
    readme = detect_format((samples / "README.txt").read_bytes(), "README.txt")
    assert readme is None or readme.name != "s2-bulk"


# --- the real samples -------------------------------------------------------------------


@pytest.mark.shared
def test_real_papers(shared_dir: Path) -> None:
    results = _parse_file(_real(shared_dir, "papers"))
    works = _records(results, WorkRecord)
    assert len(works) == 100
    assert _bad(results) == []
    first = works[0]
    assert first.key == ExternalId("corpusid", "223588394")
    assert first.title == "Attaching Importance to Mental Quality Education in Clinical Practice"
    assert [a.name for a in first.authors] == ["粟毅", "吴亚梅"]
    assert first.published == date(2006, 2, 28)
    assert ExternalId("s2", "061be346f7c4bcfe3d0123d0783e965ebccd5540") in first.ids
    assert ExternalId("doi", "10.3760/cma.j.issn.2095-1485.2006.01.019") in first.ids
    assert first.categories == ("Education", "Psychology")
    assert works[1].venue == "Business Ethics Quarterly"
    assert all(work.year for work in works)


@pytest.mark.shared
def test_real_authors(shared_dir: Path) -> None:
    results = _parse_file(_real(shared_dir, "authors"))
    authors = _records(results, AuthorRecord)
    assert len(authors) == 100
    assert _bad(results) == []
    cottiero = authors[0]
    assert cottiero.key == ExternalId("s2", "119387837")
    assert cottiero.name == "Christina Cottiero"
    assert (cottiero.reported_papers, cottiero.reported_citations) == (3, 41)
    assert cottiero.reported_h_index == 2
    jung = next(a for a in authors if a.name == "Sung-A Jung")
    assert jung.aliases == ("Sung A Jung", "Sung‐a Jung")


@pytest.mark.shared
def test_real_citations(shared_dir: Path) -> None:
    results = _parse_file(_real(shared_dir, "citations"))
    edges = _records(results, CitationRecord)
    assert len(edges) == 100
    assert _bad(results) == []
    assert sum(1 for edge in edges if edge.cited is None) == 17
    assert sum(1 for edge in edges if edge.contexts) == 38
    assert sum(1 for edge in edges if edge.is_influential) == 9
    assert edges[1].citing == ExternalId("corpusid", "21057399")
    assert edges[1].contexts[0].startswith("Schlaadt and Shannon argued")


@pytest.mark.shared
def test_real_abstracts_and_tldrs(shared_dir: Path) -> None:
    abstracts = _records(_parse_file(_real(shared_dir, "abstracts")), AbstractRecord)
    assert len(abstracts) == 100
    assert abstracts[0].work == ExternalId("corpusid", "156832481")
    assert abstracts[0].text.startswith("A large body of literature has concluded")
    tldr_results = _parse_file(_real(shared_dir, "tldrs"))
    tldrs = _records(tldr_results, AbstractRecord)
    # 100 lines; corpus id 51323 has a blank TLDR (" "), which carries nothing to store
    assert len(tldrs) == 99
    assert _bad(tldr_results) == []
    assert ExternalId("corpusid", "51323") not in {t.work for t in tldrs}
    assert {t.kind for t in tldrs} == {"tldr"}


@pytest.mark.shared
@pytest.mark.parametrize("dataset", SKIPPED_DATASETS)
def test_real_skipped_datasets(shared_dir: Path, dataset: str) -> None:
    results = _parse_file(_real(shared_dir, dataset))
    assert [type(r) for r in results] == [Empty]


@pytest.mark.shared
def test_real_files_detected_and_readmes_not(shared_dir: Path) -> None:
    kinds: Counter[str] = Counter()
    for folder in sorted((shared_dir / DATASETS).iterdir()):
        if not folder.is_dir():
            continue
        sample = _real(shared_dir, folder.name)
        head = gzip.decompress(sample.read_bytes())[:SNIFF_BYTES]
        fmt = detect_format(head, sample.name.removesuffix(".gz"))
        kinds[fmt.name if fmt else "none"] += 1
        readme = (folder / "README.txt").read_bytes()
        assert not sniff(readme, "README.txt"), folder.name
    assert kinds == Counter({"s2-bulk": 9})

"""ACL Anthology Network: metadata blocks (mixed encodings, HTML entities) and citation edges."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest

from paperscope.domain import AuthorName, CitationRecord, ExternalId, WorkRecord
from paperscope.sources.aan import (
    FORMATS,
    decode_line,
    parse_authors,
    parse_citations,
    parse_metadata,
    unescape_entities,
)
from paperscope.sources.base import Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import SNIFF_BYTES

METADATA, CITATIONS = FORMATS


def _metadata(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse_metadata(stream))


def _citations(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse_citations(stream))


def _works(results: list[ParseResult]) -> dict[str, WorkRecord]:
    works = [r.record for r in results if isinstance(r, Parsed)]
    return {w.key.value: w for w in works if isinstance(w, WorkRecord)}


def _names(work: WorkRecord) -> list[str]:
    return [author.name for author in work.authors]


def _head(path: Path) -> bytes:
    with path.open("rb") as stream:
        return stream.read(SNIFF_BYTES)


@pytest.fixture(scope="module")
def samples(data_dir: Path) -> Path:
    return data_dir / "aan"


@pytest.fixture(scope="module")
def real(shared_dir: Path) -> Path:
    return shared_dir / "data" / "aan"


@pytest.fixture(scope="module")
def real_metadata(real: Path) -> list[ParseResult]:
    return _metadata(real / "acl-metadata.txt")


# --- decoding helpers -------------------------------------------------------------------------


def test_decode_line_keeps_utf8_and_reads_stray_bytes_as_cp1252() -> None:
    assert decode_line("Gîrju".encode()) == "Gîrju"
    assert decode_line(b"ELRA\x92s Services") == "ELRA’s Services"
    # A line mixing valid UTF-8 with a broken sequence keeps the valid characters.
    assert decode_line(b"It\xe2\x80\x99s \x93new\x94") == "It’s “new”"


def test_unescape_entities_decodes_entities_but_leaves_bare_ampersands() -> None:
    assert unescape_entities("Daum&eacute; III") == "Daumé III"
    assert unescape_entities("Popovi&#x107;") == "Popović"
    assert unescape_entities("Zidra&#scaron;co") == "Zidrašco"
    assert unescape_entities("Strau&slig;") == "Strauß"
    assert unescape_entities("R&D and AT&T") == "R&D and AT&T"


def test_parse_authors_repairs_names_split_after_an_entity() -> None:
    authors = parse_authors(
        "Goyal, Amit; Daum&eacute;; III, Hal; Gispert, Adri&agrave;; de; "
        "&Oacute;; S&eacute;aghdha, Diarmuid; Fonollosa, Jos&eacute;; A. R.; "
        "Erjavec, Toma&#x017E; ; Popovi&#x107;, Maja; Mausam"
    )
    assert [a.name for a in authors] == [
        "Amit Goyal",
        "Hal Daumé III",
        "Adrià de Gispert",
        "Diarmuid Ó Séaghdha",
        "José A. R. Fonollosa",
        "Tomaž Erjavec",
        "Maja Popović",
        "Mausam",
    ]


def test_parse_authors_handles_extra_commas() -> None:
    authors = parse_authors("Callan, James, P.; Taylor, II, Charles T.")
    assert authors == (AuthorName("James P. Callan"), AuthorName("Charles T. Taylor II"))


# --- hand-made samples ------------------------------------------------------------------------


def test_metadata_sample_records(samples: Path) -> None:
    results = _metadata(samples / "acl-metadata-sample.txt")
    works = _works(results)
    assert list(works) == ["D10-1007", "D10-1008", "L08-1068", "D08-1002", "W08-0336", "W10-4238"]
    girju = works["D10-1007"]
    assert girju.ids == (ExternalId("aan", "D10-1007"), ExternalId("acl", "D10-1007"))
    assert girju.title == "Summarizing Contrastive Viewpoints in Opinionated Text"
    assert _names(girju) == ["Michael Paul", "ChengXiang Zhai", "Roxana Gîrju"]
    assert (girju.venue, girju.year) == ("EMNLP", 2010)
    assert _names(works["D10-1008"])[-1] == "Hal Daumé III"
    assert works["L08-1068"].title == "Latest Developments in ELRA’s Services"
    assert _names(works["L08-1068"]) == ["Valérie Mapelli", "Khalid Choukri", "Hélène Mazo"]
    assert works["D08-1002"].title.startswith("It’s a Contradiction – no, it’s not")
    assert works["W08-0336"].title == "Naive Bayes with Naïve Features: R&D Notes"
    assert _names(works["W08-0336"]) == [
        "Adrià de Gispert",
        "José A. R. Fonollosa",
        "James P. Callan",
        "Charles T. Taylor II",
    ]
    assert works["W10-4238"].authors == ()


def test_metadata_sample_quarantines_bad_blocks(samples: Path) -> None:
    results = _metadata(samples / "acl-metadata-sample.txt")
    bad = [(m.position, m.field) for m in results if isinstance(m, Malformed)]
    assert bad == [
        ("line 37 (id X99-1001)", "title"),
        ("line 43 (id X99-1002)", None),
        ("line 48 (id P11-1001)", "year"),
    ]
    broken = next(m for m in results if isinstance(m, Malformed) and m.field is None)
    assert "this line is not a field" in broken.reason
    assert broken.raw.startswith("id = {X99-1002}")


def test_metadata_raw_is_the_decoded_block(samples: Path) -> None:
    first = _metadata(samples / "acl-metadata-sample.txt")[0]
    assert isinstance(first, Parsed)
    assert first.position == "line 1 (id D10-1007)"
    assert first.raw.splitlines()[0] == "id = {D10-1007}"
    assert first.raw.splitlines()[-1] == "year = {2010}"


def test_citation_sample_edges_and_bad_line(samples: Path) -> None:
    results = _citations(samples / "acl-sample.txt")
    edges = [r.record for r in results if isinstance(r, Parsed)]
    assert edges[0] == CitationRecord(ExternalId("aan", "D10-1008"), ExternalId("aan", "D10-1007"))
    assert CitationRecord(ExternalId("aan", "W08-0336"), ExternalId("aan", "J79-1032f")) in edges
    assert len(edges) == 6
    bad = [r for r in results if isinstance(r, Malformed)]
    assert [(m.position, m.raw) for m in bad] == [("line 7", "this line has no separator")]


def test_citations_accept_the_arrow_separator() -> None:
    results = list(parse_citations(io.BytesIO(b"P10-1001 ==> P09-1012\n")))
    assert [r.record for r in results if isinstance(r, Parsed)] == [
        CitationRecord(ExternalId("aan", "P10-1001"), ExternalId("aan", "P09-1012"))
    ]


def test_sniffers_tell_the_two_files_apart(samples: Path) -> None:
    metadata_head = _head(samples / "acl-metadata-sample.txt")
    citations_head = _head(samples / "acl-sample.txt")
    assert METADATA.sniff(metadata_head, "x.txt") and not CITATIONS.sniff(metadata_head, "x.txt")
    assert CITATIONS.sniff(citations_head, "x.txt") and not METADATA.sniff(citations_head, "x.txt")


def test_sniffers_reject_bibtex_and_prose() -> None:
    bibtex = b"@inproceedings{rush2010,\n  title = {On Dual Decomposition},\n  year = {2010}\n}\n"
    prose = b"Trending papers\nA , B\nsee page 3 , then 4\n"
    for fmt in FORMATS:
        assert not fmt.sniff(bibtex, "refs.bib")
        assert not fmt.sniff(prose, "notes.txt")


def test_detect_format_picks_aan_for_samples(samples: Path) -> None:
    for name, expected in (("acl-metadata-sample.txt", METADATA), ("acl-sample.txt", CITATIONS)):
        detected = detect_format(_head(samples / name), name)
        assert detected is not None and detected.name == expected.name


# --- the real AAN files -----------------------------------------------------------------------


@pytest.mark.shared
def test_real_metadata_has_every_paper(real_metadata: list[ParseResult]) -> None:
    assert not [r for r in real_metadata if isinstance(r, Malformed)]
    works = _works(real_metadata)
    assert len(works) == 18041  # SOURCE.md
    years = [w.year for w in works.values() if w.year is not None]
    assert len(years) == 18041
    assert (min(years), max(years)) == (1965, 2011)
    first = works["D10-1001"]
    assert first.title == (
        "On Dual Decomposition and Linear Programming Relaxations for Natural Language Processing"
    )
    assert _names(first) == [
        "Alexander M. Rush",
        "David Sontag",
        "Michael John Collins",
        "Tommi Jaakkola",
    ]
    assert _names(works["D10-1007"])[2] == "Roxana Gîrju"
    assert _names(works["D10-1008"])[2] == "Hal Daumé III"
    assert works["L08-1068"].title == "Latest Developments in ELRA’s Services"
    assert works["D08-1002"].title.startswith("It’s a Contradiction")
    assert works["W10-4238"].authors == ()


@pytest.mark.shared
def test_real_author_names_are_fully_decoded(real_metadata: list[ParseResult]) -> None:
    works = _works(real_metadata)
    names = [a.name for w in works.values() for a in w.authors]
    entity = re.compile(r"&#?\w+;")
    assert not [n for n in names if "\ufffd" in n or entity.search(n) or ";" in n]
    assert not [n for n in names if "," in n]  # every "Last, First" was turned round
    counts = Counter(names)
    assert counts["Diarmuid Ó Séaghdha"] >= 10
    assert counts["Adrià de Gispert"] >= 15
    assert "Ó" not in counts and "de" not in counts  # no fragments of split names
    titles = [w.title for w in works.values()]
    assert not [t for t in titles if "\ufffd" in t or entity.search(t)]


@pytest.mark.shared
def test_real_citation_edges(real: Path) -> None:
    results = _citations(real / "acl.txt")
    assert not [r for r in results if isinstance(r, Malformed)]
    edges = [r.record for r in results if isinstance(r, Parsed)]
    assert len(edges) == 94973  # SOURCE.md
    assert edges[0] == CitationRecord(ExternalId("aan", "C08-3004"), ExternalId("aan", "A00-1002"))
    pairs = [
        (e.citing.value, e.cited.value) for e in edges if isinstance(e, CitationRecord) and e.cited
    ]
    assert len(set(pairs)) == len(pairs)  # no duplicate edges
    papers = {paper for pair in pairs for paper in pair}
    assert len(papers) == 16589  # SOURCE.md
    assert sum(1 for citing, cited in pairs if citing == cited) == 42  # self-citations


@pytest.mark.shared
def test_detect_format_picks_aan_for_real_files(real: Path) -> None:
    for name, expected in (("acl-metadata.txt", METADATA), ("acl.txt", CITATIONS)):
        detected = detect_format(_head(real / name), name)
        assert detected is not None and detected.name == expected.name

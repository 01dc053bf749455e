"""The Kaggle arXiv metadata snapshot (JSON Lines): hand-made sample and the real head."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from paperscope.domain import ExternalId, WorkRecord
from paperscope.sources.arxiv_ids import parse_author_line
from paperscope.sources.arxiv_kaggle import parse, sniff
from paperscope.sources.base import Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import SNIFF_BYTES
from streams import CountingStream


def _results(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _works(results: list[ParseResult]) -> dict[str, WorkRecord]:
    return {
        r.record.key.value: r.record
        for r in results
        if isinstance(r, Parsed) and isinstance(r.record, WorkRecord)
    }


@pytest.fixture(scope="module")
def sample(data_dir: Path) -> Path:
    return data_dir / "arxiv-kaggle/sample.jsonl"


def test_sample_record_fields(sample: Path) -> None:
    work = _works(_results(sample))["0704.0001"]
    assert work.ids == (
        ExternalId("arxiv", "0704.0001"),
        ExternalId("doi", "10.1103/physrevd.76.013009"),
    )
    assert work.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert [a.name for a in work.authors] == [
        "C. Balázs",
        "E. L. Berger",
        "P. M. Nadolsky",
        "C.-P. Yuan",
    ]
    assert (work.published, work.updated, work.year) == (date(2007, 4, 2), date(2007, 7, 24), 2007)
    assert work.abstract == (
        "A fully differential calculation in perturbative quantum chromodynamics is presented "
        "for the production of massive photon pairs at hadron colliders."
    )
    assert work.venue == "Phys.Rev.D76:013009,2007"
    assert work.url == "https://arxiv.org/abs/0704.0001"


def test_without_authors_parsed_the_latex_line_is_decoded(sample: Path) -> None:
    work = _works(_results(sample))["0704.0049"]
    assert [(a.name, a.affiliation) for a in work.authors] == [
        ("Mikkel Øbro", "Aarhus University"),
        ("Robert Smith Jr.", "Aarhus University"),
    ]
    assert work.categories == ("math.CO", "math.AG")


def test_old_style_id_versions_and_doi_list(sample: Path) -> None:
    work = _works(_results(sample))["math/0309136"]
    assert work.ids == (
        ExternalId("arxiv", "math/0309136"),
        ExternalId("doi", "10.1090/s0002-9947-05-03919-x"),
        ExternalId("doi", "10.48550/arxiv.math/0309136"),
    )
    assert (work.published, work.updated) == (date(2003, 9, 8), date(2005, 10, 12))
    assert work.categories == ("math.GT", "cs.CC")


def test_footnote_affiliations_are_resolved_from_the_author_line(sample: Path) -> None:
    work = _works(_results(sample))["0704.0025"]
    assert work.authors[1].affiliation == (
        "CREST, Japan Science and Technology Agency; The University of Tokyo"
    )


def test_record_without_versions_falls_back_to_update_date_and_id_year(sample: Path) -> None:
    work = _works(_results(sample))["0704.0100"]
    assert (work.published, work.updated, work.year) == (None, date(2009, 6, 30), 2007)
    assert work.abstract is None


def test_bad_lines_are_quarantined_with_line_and_field(sample: Path) -> None:
    malformed = [r for r in _results(sample) if isinstance(r, Malformed)]
    assert [(m.position, m.field) for m in malformed] == [
        ("line 4", None),
        ("line 5 (0704.0051)", "title"),
        ("line 6", "id"),
        ("line 8", None),
    ]
    assert malformed[0].reason.startswith("invalid JSON")
    assert malformed[0].raw.startswith('{"id":"0704.0050"')
    assert malformed[3].reason == "line is not a JSON object"


def test_large_file_is_streamed_line_by_line() -> None:
    line = (
        '{"id":"0704.%04d","title":"Paper","versions":[],"update_date":"2007-04-02",'
        '"categories":"hep-th","abstract":"' + "y" * 300 + '"}\n'
    )
    data = "".join(line % (n % 10_000) for n in range(20_000)).encode()
    stream = CountingStream(data)
    results = parse(stream)
    assert isinstance(next(results), Parsed)
    assert stream.consumed < len(data) // 100
    assert sum(1 for r in results if isinstance(r, Parsed)) == 19_999


def test_sniff_rejects_other_json_lines(sample: Path) -> None:
    assert sniff(sample.read_bytes(), sample.name)
    s2_bulk_line = b'{"corpusid": 1, "externalids": {"ArXiv": "0704.0001"}, "title": "x"}\n'
    assert not sniff(s2_bulk_line, "papers.jsonl")
    assert not sniff(b'{"results": [{"id": "https://openalex.org/W1"}]}', "works.json")


def test_detect_format_picks_arxiv_kaggle_for_sample(sample: Path) -> None:
    detected = detect_format(sample.read_bytes()[:SNIFF_BYTES], sample.name)
    assert detected is not None and detected.name == "arxiv-kaggle"


# --- real snapshot head ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot(shared_dir: Path) -> Path:
    return (
        shared_dir / "data/recordings/arxiv-kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"
    )


@pytest.mark.shared
def test_snapshot_counts(snapshot: Path) -> None:
    results = _results(snapshot)
    works = _works(results)
    assert len(results) == len(works) == 200
    keys = list(works)
    assert (keys[0], keys[-1]) == ("0704.0001", "0704.0200")
    assert sum(1 for w in works.values() if any(i.scheme == "doi" for i in w.ids)) == 117
    assert sum(1 for w in works.values() if w.venue) == 109
    primaries = Counter(w.categories[0] for w in works.values())
    assert primaries.most_common(2) == [("astro-ph", 19), ("hep-ph", 18)]


@pytest.mark.shared
def test_snapshot_names_come_from_authors_parsed(snapshot: Path) -> None:
    works = _works(_results(snapshot))
    assert [a.name for a in works["0704.0062"].authors] == [
        "Rastislav Šrámek",
        "Broňa Brejová",
        "Tomáš Vinař",
    ]
    assert works["0704.0009"].authors[5].name == "Neal J. Evans II"
    assert [a.name for a in works["0704.0049"].authors] == ["Mikkel Øbro"]


@pytest.mark.shared
def test_snapshot_affiliations(snapshot: Path) -> None:
    works = _works(_results(snapshot))
    brommer, gaehler = works["0704.0163"].authors
    assert gaehler.name == "Franz Gähler"
    assert (
        brommer.affiliation
        == gaehler.affiliation
        == ("Institut für Theoretische und Angewandte Physik, Universität Stuttgart")
    )
    # authors_parsed gives no affiliations here; the numbered list in the author line does.
    greilich = works["0704.0177"].authors
    assert (greilich[0].name, greilich[0].affiliation) == (
        "A. Greilich",
        "Universität Dortmund, Germany",
    )
    assert greilich[7].affiliation == "Ruhr-Universität Bochum, Germany"


@pytest.mark.shared
def test_snapshot_dates_and_text(snapshot: Path) -> None:
    works = _works(_results(snapshot))
    three_versions = works["0704.0003"]
    assert (three_versions.published, three_versions.updated) == (
        date(2007, 4, 1),
        date(2008, 1, 13),
    )
    assert three_versions.title == (
        "The evolution of the Earth-Moon system based on the dark matter field fluid model"
    )
    two_dois = works["0704.0001"]
    assert two_dois.comments == "37 pages, 15 figures; published version"
    multi = [w for w in works.values() if sum(i.scheme == "doi" for i in w.ids) == 2]
    assert len(multi) == 2


@pytest.mark.shared
def test_detect_format_picks_arxiv_kaggle_for_snapshot(snapshot: Path) -> None:
    detected = detect_format(snapshot.read_bytes()[:SNIFF_BYTES], snapshot.name)
    assert detected is not None and detected.name == "arxiv-kaggle"


# --- the TeX author line, the fallback when authors_parsed is missing ---------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("J.P.Hague and N.d'Ambrumenil", [("J. P. Hague", None), ("N. d'Ambrumenil", None)]),
        ("A. One, B. Two, et al.", [("A. One", None), ("B. Two", None)]),
        (
            "BELLE Collaboration: A. Person, B. Person (KEK)",
            [("BELLE Collaboration", None), ("A. Person", "KEK"), ("B. Person", "KEK")],
        ),
        (
            "A. One (1), B. Two (1, 2) ((1) Univ X, (2) Lab Y)",
            [("A. One", "Univ X"), ("B. Two", "Univ X; Lab Y")],
        ),
        (r"Rastislav \v{S}r\'amek", [("Rastislav Šrámek", None)]),
        ("", []),
    ],
)
def test_parse_author_line(line: str, expected: list[tuple[str, str | None]]) -> None:
    assert [(a.name, a.affiliation) for a in parse_author_line(line)] == expected

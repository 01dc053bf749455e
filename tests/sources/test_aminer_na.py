"""AMiner name-disambiguation XML: tolerant parsing, labels on the right author."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.aminer_na import FORMATS, parse
from paperscope.sources.base import Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import SNIFF_BYTES

(AMINER_NA,) = FORMATS


def _results(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _works(results: list[ParseResult]) -> list[WorkRecord]:
    return [r.record for r in results if isinstance(r, Parsed) and isinstance(r.record, WorkRecord)]


def _labelled(work: WorkRecord) -> list[AuthorName]:
    return [author for author in work.authors if author.label is not None]


def _head(path: Path) -> bytes:
    with path.open("rb") as stream:
        return stream.read(SNIFF_BYTES)


@pytest.fixture(scope="module")
def samples(data_dir: Path) -> Path:
    return data_dir / "aminer-na"


@pytest.fixture(scope="module")
def dev(shared_dir: Path) -> Path:
    return shared_dir / "data" / "aminer-na" / "dev"


# --- hand-made samples ------------------------------------------------------------------------


def test_well_formed_file(samples: Path) -> None:
    results = _results(samples / "Wei Chen.xml")
    assert all(isinstance(r, Parsed) for r in results)
    works = _works(results)
    assert [w.key for w in works] == [
        ExternalId("aminer", "1010"),
        ExternalId("aminer", "1011"),
        ExternalId("aminer", "2020"),
    ]
    first = works[0]
    assert first.title.startswith("Scalable Influence Maximization")
    assert (first.year, first.venue) == (2010, "KDD")
    assert first.authors == (
        AuthorName("Wei Chen", affiliation="Microsoft Research Asia, Beijing, China", label="0"),
        AuthorName("Chi Wang"),
        AuthorName("Yajun Wang"),
    )
    # `null` is missing, and an abbreviated name still gets the label.
    fuzzy = works[2]
    assert (fuzzy.year, fuzzy.venue) == (None, None)
    assert _labelled(fuzzy) == [
        AuthorName(
            "W. Chen",
            affiliation="Dept. of Industrial Engineering & Engineering Management, "
            "National Tsing Hua University",
            label="1",
        )
    ]


def test_broken_file_recovers_what_it_can(samples: Path) -> None:
    results = _results(samples / "Robert Smith.xml")
    works = {w.key.value: w for w in _works(results)}
    assert list(works) == ["500001", "500002", "500007", "500008"]
    rd = works["500001"]
    assert rd.title == "Policy Iteration for R&D Portfolio Selection"
    assert [a.name for a in rd.authors] == ["Anna Müller", "Robert Smith Jr.", "José García"]
    assert _labelled(rd) == [
        AuthorName(
            "Robert Smith Jr.",
            affiliation="Dept. of Comput. Sci. & Technol., Texas A&M Univ., College Station, TX",
            label="0",
        )
    ]
    assert works["500002"].title == "Large—scale Nyström approximation & its error"
    assert _labelled(works["500002"])[0].name == "R. Smith"
    # No surname match: the closest name carries the label.
    assert _labelled(works["500007"]) == [AuthorName("Rob Smyth", label="3")]
    # No author list: the file's person is the author.
    assert works["500008"].authors == (
        AuthorName("Robert Smith", affiliation="Carnegie Mellon University", label="4"),
    )


def test_broken_publications_are_quarantined(samples: Path) -> None:
    results = _results(samples / "Robert Smith.xml")
    bad = [r for r in results if isinstance(r, Malformed)]
    assert [(m.position, m.field) for m in bad] == [
        ("publication 3 (line 25, id 500003)", "title"),
        ("publication 4 (line 34, id 500004)", None),
        ("publication 5 (line 43)", None),
        ("publication 6 (line 46, id 500006)", "year"),
    ]
    assert "not well-formed" in bad[1].reason
    assert "never closed: the next one opens first" in bad[2].reason
    assert bad[2].raw.startswith("<publication>") and "An Unfinished Record" in bad[2].raw
    assert "'200x'" in bad[3].reason


def test_raw_is_the_publication_as_written(samples: Path) -> None:
    first = _results(samples / "Robert Smith.xml")[0]
    assert isinstance(first, Parsed)
    assert first.raw.startswith("<publication>") and first.raw.endswith("</publication>")
    assert "R&D Portfolio" in first.raw  # the unescaped original, not the repaired text


def test_publication_cut_off_at_end_of_file() -> None:
    text = (
        b"<person><FullName>A B</FullName>\n"
        b"<publication><title>T</title><id>1</id><authors>A B</authors></publication>\n"
        b"<publication><title>U</title>\n"
    )
    results = list(parse(io.BytesIO(text)))
    assert isinstance(results[0], Parsed)
    assert isinstance(results[1], Malformed)
    assert results[1].position == "publication 2 (line 3)"
    assert results[1].reason.endswith("the file ends inside it")


def test_file_without_full_name_quarantines_publications() -> None:
    text = b"<person><publication><title>T</title><id>9</id><authors>A B</authors></publication>"
    results = list(parse(io.BytesIO(text + b"</person>")))
    assert len(results) == 1 and isinstance(results[0], Malformed)
    assert results[0].field == "FullName"


def test_sniff_and_detect(samples: Path) -> None:
    for path in samples.glob("*.xml"):
        assert AMINER_NA.sniff(_head(path), path.name)
        detected = detect_format(_head(path), path.name)
        assert detected is not None and detected.name == "aminer-na"
    assert not AMINER_NA.sniff(b'<?xml version="1.0"?><feed><entry/></feed>', "a.xml")


# --- the real dev split -----------------------------------------------------------------------


@pytest.mark.shared
def test_dev_split_loses_no_publication(dev: Path) -> None:
    files = sorted(dev.glob("*.xml"))
    assert len(files) == 65
    total = raw_total = 0
    for path in files:
        results = _results(path)
        assert not [r for r in results if isinstance(r, Malformed)], path.name
        works = _works(results)
        total += len(works)
        raw_total += path.read_text(encoding="utf-8").count("<publication>")
        full_name = re.search(r"<FullName>(.*?)</FullName>", path.read_text(encoding="utf-8"))
        assert full_name is not None
        for work in works:  # exactly one author per publication carries the label
            assert len(_labelled(work)) == 1, (path.name, work.key)
    assert total == raw_total == 4982


@pytest.mark.shared
def test_dev_ajay_gupta(dev: Path) -> None:
    works = {w.key.value: w for w in _works(_results(dev / "Ajay Gupta.xml"))}
    prolog = works["39153"]
    assert prolog.title == "Time Representation in Prolog Circuit Modelling"
    assert (prolog.year, prolog.venue) == (1991, "ALPUK")
    assert [a.name for a in prolog.authors] == ["Yossi Lichtenstein", "Bob Welham", "Ajay Gupta"]
    assert prolog.authors[2] == AuthorName("Ajay Gupta", label="0")
    ibm = works["264268"]
    assert _labelled(ibm) == [
        AuthorName("Ajay Gupta", affiliation="IBM India Res. Lab, New Delhi", label="2")
    ]
    assert works["1678096"].venue is None  # <jconf>null</jconf>
    assert len({_labelled(w)[0].label for w in works.values()}) == 9  # distinct persons


@pytest.mark.shared
def test_dev_files_that_are_not_well_formed(dev: Path) -> None:
    feng_liu = {w.key.value: w for w in _works(_results(dev / "Feng Liu.xml"))}
    assert _labelled(feng_liu["189928"])[0].affiliation == (
        "Microprocessor R&D Center, Peking Univ., Beijing"
    )
    ajay = {w.key.value: w for w in _works(_results(dev / "Ajay Gupta.xml"))}
    assert ajay["1549674"].title == "Large—scale parallel numerical integration"


@pytest.mark.shared
def test_dev_labels_reach_abbreviated_and_suffixed_names(dev: Path) -> None:
    cole = _works(_results(dev / "R. Cole.xml"))
    names = Counter(_labelled(w)[0].name for w in cole)
    assert names["Richard Cole"] == 8 and names["Robert Cole"] == 1
    wolf = _works(_results(dev / "Thomas Wolf.xml"))
    assert "Thomas Wolf II" in {_labelled(w)[0].name for w in wolf}


@pytest.mark.shared
def test_detect_format_picks_aminer_na_for_dev_files(dev: Path) -> None:
    for path in sorted(dev.glob("*.xml")):
        detected = detect_format(_head(path), path.name)
        assert detected is not None and detected.name == "aminer-na", path.name

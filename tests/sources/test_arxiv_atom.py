"""arXiv API Atom responses: hand-made samples and the recorded 2016 and 2026 responses."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from paperscope.domain import ExternalId, WorkRecord
from paperscope.sources.arxiv_atom import parse, sniff, total_results
from paperscope.sources.arxiv_ids import arxiv_id, year_from_id
from paperscope.sources.base import Empty, Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import SNIFF_BYTES
from streams import CountingStream


def _results(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _works(results: list[ParseResult]) -> list[WorkRecord]:
    return [r.record for r in results if isinstance(r, Parsed) and isinstance(r.record, WorkRecord)]


def _malformed(results: list[ParseResult]) -> list[Malformed]:
    return [r for r in results if isinstance(r, Malformed)]


def _by_key(works: list[WorkRecord]) -> dict[str, WorkRecord]:
    return {work.key.value: work for work in works}


@pytest.fixture(scope="module")
def samples(data_dir: Path) -> Path:
    return data_dir / "arxiv-atom"


# --- hand-made samples -------------------------------------------------------------------------


def test_old_generation_feed_yields_entries_and_quarantines_broken_ones(samples: Path) -> None:
    results = _results(samples / "search-2016-style.xml")
    works = _by_key(_works(results))
    assert list(works) == ["hep-th/9711200", "1306.0533"]
    maldacena = works["hep-th/9711200"]
    assert maldacena.ids == (
        ExternalId("arxiv", "hep-th/9711200"),
        ExternalId("doi", "10.1023/a:1026654312961"),
    )
    assert maldacena.title == "The Large N Limit of Superconformal Field Theories and Supergravity"
    assert maldacena.abstract is not None
    assert maldacena.abstract.startswith("We show that the large N limit")
    assert [(a.name, a.affiliation) for a in maldacena.authors] == [
        ("Juan M. Maldacena", "Harvard University")
    ]
    assert (maldacena.published, maldacena.updated, maldacena.year) == (
        date(1997, 11, 27),
        date(1998, 1, 22),
        1997,
    )
    assert maldacena.venue == "Adv.Theor.Math.Phys.2:231-252,1998"
    assert maldacena.comments is not None and maldacena.comments.startswith("20 pages, harvmac")
    assert maldacena.url == "http://arxiv.org/abs/hep-th/9711200v3"

    malformed = _malformed(results)
    assert [(m.position, m.field) for m in malformed] == [
        ("entry 3 (no id)", "id"),
        ("entry 4 (1404.2345v1)", "title"),
    ]
    assert malformed[0].reason == "entry has no id"
    assert malformed[1].raw.startswith("<entry")


def test_categories_put_primary_first_without_repeats(samples: Path) -> None:
    works = _by_key(_works(_results(samples / "search-2016-style.xml")))
    assert works["1306.0533"].categories == ("hep-th", "gr-qc", "quant-ph")


def test_several_affiliations_of_one_author_are_joined(samples: Path) -> None:
    works = _by_key(_works(_results(samples / "search-2016-style.xml")))
    susskind = works["1306.0533"].authors[1]
    assert susskind.affiliation == "Stanford Institute for Theoretical Physics; Kavli Institute"


def test_error_feed_yields_one_malformed_with_the_message(samples: Path) -> None:
    results = _results(samples / "error-2016-style.xml")
    assert len(results) == 1
    error = results[0]
    assert isinstance(error, Malformed)
    assert error.field == "feed"
    assert error.reason == "arXiv API error: incorrect id format for 1234.12345"


def test_empty_feed_yields_nothing(samples: Path) -> None:
    assert _results(samples / "empty-2016-style.xml") == [Empty("the feed lists no entries")]
    assert total_results((samples / "empty-2016-style.xml").read_bytes()) == 0


def test_json_wrapper_with_latin1_mojibake_is_repaired(samples: Path) -> None:
    recorded_body = json.loads((samples / "wrapped-mojibake.json").read_text())["body"]
    assert "Aurora RamÃ\xadrez" in recorded_body
    (work,) = _works(_results(samples / "wrapped-mojibake.json"))
    assert work.ids == (
        ExternalId("arxiv", "2405.13786"),
        ExternalId("doi", "10.1109/icstw58534.2023.00023"),
    )
    assert [(a.name, a.affiliation) for a in work.authors] == [
        ("Aurora Ramírez", "Universidad de Córdoba"),
        ("José Raúl Romero", None),
    ]
    assert work.categories == ("cs.SE", "cs.AI")


def test_json_wrapper_with_proper_unicode_is_kept(samples: Path) -> None:
    (work,) = _works(_results(samples / "wrapped-unicode.json"))
    assert work.key == ExternalId("arxiv", "1706.03762")
    assert work.title == "Attention Is All You Need"
    assert [a.name for a in work.authors] == ["Ashish Vaswani", "Łukasz Kaiser", "Illia Polosukhin"]
    assert (work.published, work.updated) == (date(2017, 6, 12), date(2023, 8, 2))
    assert work.url == "https://arxiv.org/abs/1706.03762v7"


def test_wrapped_http_400_yields_one_malformed(samples: Path) -> None:
    results = _results(samples / "wrapped-error-400.json")
    assert len(results) == 1
    error = results[0]
    assert isinstance(error, Malformed)
    assert (error.position, error.field) == ("response", "feed")
    assert error.reason == "arXiv API error (HTTP 400): incorrect id format for 2401.9999999"


def test_truncated_json_wrapper_is_malformed(samples: Path) -> None:
    (error,) = _results(samples / "wrapped-truncated.json")
    assert isinstance(error, Malformed)
    assert error.field == "body"
    assert error.reason.startswith("invalid JSON wrapper")


def test_broken_xml_keeps_the_entries_before_the_break(samples: Path) -> None:
    feed = (samples / "search-2016-style.xml").read_bytes()
    cut = feed[: feed.index(b"<entry>", feed.index(b"1306.0533")) + 40]
    results = list(parse(io.BytesIO(cut)))
    assert [w.key.value for w in _works(results)] == ["hep-th/9711200", "1306.0533"]
    (error,) = _malformed(results)
    assert (error.position, error.field) == ("after entry 2", "xml")


def test_long_feed_is_streamed_entry_by_entry() -> None:
    entry = (
        "<entry><id>http://arxiv.org/abs/2101.{n:05d}v1</id><title>Paper {n}</title>"
        "<published>2021-01-04T00:00:00Z</published><summary>" + "x" * 200 + "</summary></entry>"
    )
    body = "".join(entry.format(n=n) for n in range(1, 20001))
    feed = f'<feed xmlns="http://www.w3.org/2005/Atom"><id>http://arxiv.org/api/x</id>{body}</feed>'
    stream = CountingStream(feed.encode())
    results = parse(stream)
    assert isinstance(next(results), Parsed)
    assert stream.consumed < len(feed) // 10
    works = _works(list(results))
    assert len(works) == 19_999
    assert works[-1].key == ExternalId("arxiv", "2101.20000")
    assert works[-1].title == "Paper 20000"


def test_total_results_reads_both_generations(samples: Path) -> None:
    assert total_results((samples / "search-2016-style.xml").read_bytes()) == 57
    assert total_results((samples / "wrapped-mojibake.json").read_bytes()) == 214881


def test_sniff_accepts_every_sample(samples: Path) -> None:
    for path in samples.iterdir():
        assert sniff(path.read_bytes()[:SNIFF_BYTES], path.name), path.name


def test_sniff_rejects_other_feeds_and_formats(data_dir: Path) -> None:
    blog_feed = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>A blog</title><entry><id>tag:example.org,2024:1</id></entry></feed>"
    )
    assert not sniff(blog_feed, "feed.xml")
    assert not sniff(b'{"url": "https://api.openalex.org/works", "body": "{}"}', "x.json")
    assert not sniff((data_dir / "arxiv-oai/listrecords-arxiv.xml").read_bytes(), "x.xml")
    assert not sniff((data_dir / "arxiv-kaggle/sample.jsonl").read_bytes(), "x.jsonl")


def test_detect_format_picks_arxiv_atom_for_samples(samples: Path) -> None:
    for path in sorted(samples.iterdir()):
        detected = detect_format(path.read_bytes()[:SNIFF_BYTES], path.name)
        assert detected is not None and detected.name == "arxiv-atom", path.name


# --- real recordings ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recordings(shared_dir: Path) -> Path:
    return shared_dir / "data/recordings/arxiv-api"


@pytest.mark.shared
def test_2016_recordings_have_24_entries_in_5_files(recordings: Path) -> None:
    files = sorted((recordings / "2016-atom-xml").iterdir())
    assert len(files) == 5
    results = [r for path in files for r in _results(path)]
    assert len(_works(results)) == 24
    assert _malformed(results) == []
    totals = sorted(total_results(path.read_bytes()) or 0 for path in files)
    assert totals == [1, 1, 2, 24, 31]


@pytest.mark.shared
def test_2016_id_list_entry_has_every_field(recordings: Path) -> None:
    (work,) = _works(_results(recordings / "2016-atom-xml/id_list-1111.2011v2.xml"))
    assert work.ids == (
        ExternalId("arxiv", "1111.2011"),
        ExternalId("doi", "10.1103/physrevb.85.115117"),
    )
    assert work.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert [a.name for a in work.authors] == [
        "James M. Murray",
        "Adrian Del Maestro",
        "Zlatko Tesanovic",
    ]
    assert (work.published, work.updated, work.year) == (date(2011, 11, 8), date(2012, 4, 2), 2011)
    assert work.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert work.venue == "Phys. Rev. B 85, 115117 (2012)"
    assert work.comments == "8 pages, 3 figures. Published version"
    assert work.url == "http://arxiv.org/abs/1111.2011v2"


@pytest.mark.shared
def test_2016_search_keeps_old_style_ids(recordings: Path) -> None:
    works = _works(_results(recordings / "2016-atom-xml/search_au-del_maestro.xml"))
    assert [w.key.value for w in works][:3] == ["1201.4869", "cond-mat/0412498", "cond-mat/0603029"]
    assert sum(1 for w in works if "/" in w.key.value) == 4


@pytest.mark.shared
def test_2026_recordings_have_222_entries_in_20_files(recordings: Path) -> None:
    files = sorted((recordings / "2026-json-wrapped").iterdir())
    assert len(files) == 20
    results = [r for path in files for r in _results(path)]
    works = _works(results)
    assert len(works) == 221
    assert len({w.key for w in works}) == 105  # the "testing" pages overlap
    (error,) = _malformed(results)
    assert error.reason == "arXiv API error (HTTP 400): incorrect id format for abc"
    assert error.field == "feed"


@pytest.mark.shared
def test_2026_empty_responses_yield_nothing(recordings: Path) -> None:
    for name in (
        "id_0000.0000_s0_m100_8b51d9633a68.json",
        "id_0808.05394_s0_m100_7b0c7d0a7cdd.json",
    ):
        path = recordings / "2026-json-wrapped" / name
        assert _results(path) == [Empty("the feed lists no entries")]
        assert total_results(path.read_bytes()) == 0


@pytest.mark.shared
def test_2026_versioned_id_is_stripped_and_title_zero_is_kept(recordings: Path) -> None:
    (work,) = _works(
        _results(recordings / "2026-json-wrapped/id_2104.12255v1_s0_m100_6ae69987ffe1.json")
    )
    assert work.ids == (ExternalId("arxiv", "2104.12255"),)
    assert work.title == "0"
    assert [a.name for a in work.authors] == ["Quan Thoi Minh Nguyen"]
    assert work.categories == ("cs.CR",)
    assert work.published == date(2021, 4, 20)


@pytest.mark.shared
def test_2026_old_style_ids_with_affiliations(recordings: Path) -> None:
    folder = recordings / "2026-json-wrapped"
    (astro,) = _works(_results(folder / "id_astro-ph_0601001_s0_m100_3150dca9dc76.json"))
    assert astro.key == ExternalId("arxiv", "astro-ph/0601001")
    assert astro.title.startswith("Frequency of Hot Jupiters and Very Hot Jupiters")
    assert [(a.name, a.affiliation) for a in astro.authors] == [
        ("Andrew Gould", "Ohio State"),
        ("Susan Dorsher", "Ohio State"),
        ("B. Scott Gaudi", "CfA"),
        ("Andrzej Udalski", "Warsaw University Observatory"),
    ]
    assert astro.venue == "ActaAstron.56:1-50,2006"
    assert astro.published == date(2006, 1, 2)
    (quant,) = _works(_results(folder / "id_quant-ph_0201082v1_s0_m100_86989fe779ef.json"))
    assert quant.key == ExternalId("arxiv", "quant-ph/0201082")
    assert quant.categories == ("quant-ph", "cs.PL")


@pytest.mark.shared
def test_2026_utf8_names_survive_the_recorder(recordings: Path) -> None:
    folder = recordings / "2026-json-wrapped"
    (proceedings,) = _works(_results(folder / "id_1707.08567_s0_m100_6a1afebfc6a3.json"))
    assert len(proceedings.authors) == 34
    assert proceedings.authors[-2].name == "Dirk Wübben"
    page = _by_key(_works(_results(folder / "q_testing_s0_m100_cfe7536492ca.json")))
    assert [a.name for a in page["2405.13786"].authors][:3] == [
        "Aurora Ramírez",
        "Mario Berrios",
        "José Raúl Romero",
    ]


@pytest.mark.shared
def test_2026_paging_series_are_slices_of_the_100_result_page(recordings: Path) -> None:
    folder = recordings / "2026-json-wrapped"
    full = [w.key for w in _works(_results(folder / "q_testing_s0_m100_cfe7536492ca.json"))]
    assert len(full) == 100
    assert total_results((folder / "q_testing_s0_m100_cfe7536492ca.json").read_bytes()) == 214881
    page = [w.key for w in _works(_results(folder / "q_testing_s9_m15_0b78d4b4d476.json"))]
    assert page == full[9:24]
    first = _works(_results(folder / "q_testing_s0_m10_bc5a6c384fe9.json"))[0]
    assert first.title == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    assert first.ids[1] == ExternalId("doi", "10.1109/icstw55395.2022.00035")
    assert first.categories == ("cs.SE", "cs.LG")


@pytest.mark.shared
def test_detect_format_picks_arxiv_atom_for_recordings(recordings: Path) -> None:
    for path in sorted(recordings.glob("20*/*")):
        detected = detect_format(path.read_bytes()[:SNIFF_BYTES], path.name)
        assert detected is not None and detected.name == "arxiv-atom", path.name


# --- identifier normalisation shared by the arXiv formats --------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://arxiv.org/abs/2104.12255v1", "2104.12255"),
        ("https://arxiv.org/abs/astro-ph/0601001v1", "astro-ph/0601001"),
        ("oai:arXiv.org:hep-th/9711200", "hep-th/9711200"),
        ("arXiv:2301.00001v12", "2301.00001"),
        ("math.GT/0309136", "math/0309136"),
        ("https://arxiv.org/pdf/1706.03762v7.pdf", "1706.03762"),
        ("https://arxiv.org/api/errors#incorrect_id_format_for_abc", None),
        ("abc", None),
        ("", None),
    ],
)
def test_arxiv_id_normalisation(text: str, expected: str | None) -> None:
    assert arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("key", "year"), [("hep-th/9711200", 1997), ("0704.0001", 2007), ("2501.00001", 2025)]
)
def test_year_from_id(key: str, year: int) -> None:
    assert year_from_id(key) == year

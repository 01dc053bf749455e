from __future__ import annotations

import gzip
import io
from datetime import date
from pathlib import Path

import pytest

from paperscope.domain import ExternalId, WorkRecord
from paperscope.sources.base import DEFAULT_LIMITS, Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.json_records import json_records
from paperscope.sources.json_stream import JsonItem
from paperscope.sources.openalex import PAGE_KEYS, parse, sniff
from paperscope.sources.reading import SNIFF_BYTES, open_members
from streams import CountingStream

WORKS_JSON = Path("data/recordings/openalex-works/works.json")


def _parse_file(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _works(results: list[ParseResult]) -> dict[str, WorkRecord]:
    works = {}
    for result in results:
        if isinstance(result, Parsed):
            assert isinstance(result.record, WorkRecord)
            works[result.record.key.value] = result.record
    return works


def _malformed(results: list[ParseResult]) -> list[Malformed]:
    return [result for result in results if isinstance(result, Malformed)]


@pytest.fixture
def samples(data_dir: Path) -> Path:
    return data_dir / "openalex"


# --- hand-written samples ---------------------------------------------------------------


def test_page_new_schema_work(samples: Path) -> None:
    works = _works(_parse_file(samples / "works-page.json"))
    llama = works["W4385245566"]
    assert llama.title == "Llama 2: Open Foundation and Fine-Tuned Chat Models"
    assert llama.ids == (
        ExternalId("openalex", "W4385245566"),
        ExternalId("doi", "10.48550/arxiv.2307.09288"),
        ExternalId("arxiv", "2307.09288"),
    )
    assert llama.abstract == "In this work, we develop and release Llama 2."
    assert llama.published == date(2023, 7, 18)
    assert llama.year == 2023
    assert llama.venue == "arXiv (Cornell University)"
    assert llama.categories == ("Artificial Intelligence", "Computational Theory and Mathematics")
    assert llama.keywords == ("Language Model",)
    assert llama.reported_citations == 4567
    assert llama.references == (
        ExternalId("openalex", "W2963403868"),
        ExternalId("openalex", "W3030163527"),
    )
    assert llama.url == "https://arxiv.org/abs/2307.09288v2"


def test_page_authors_skip_placeholder_and_keep_count(samples: Path) -> None:
    llama = _works(_parse_file(samples / "works-page.json"))["W4385245566"]
    touvron, scialom = llama.authors
    assert llama.author_count == 3  # the NULL AUTHOR_ID placeholder is counted, not named
    assert touvron.name == "Hugo Touvron"
    assert touvron.orcid == "0000-0002-5227-4462"
    assert touvron.affiliation == "Meta (United States)"  # institutions, deduplicated
    assert touvron.source_id == ExternalId("openalex", "A5023888391")
    assert scialom.name == "Thomas Scialom"  # no raw_author_name: display_name
    assert scialom.affiliation == "GenAI, Meta"  # no institutions: raw strings
    assert scialom.orcid is None


def test_page_old_schema_work(samples: Path) -> None:
    deep = _works(_parse_file(samples / "works-page.json"))["W2100837269"]
    assert deep.venue == "Nature"  # host_venue
    assert deep.categories == ("Computer science", "Artificial intelligence")  # level <= 1
    assert ExternalId("mag", "2100837269") in deep.ids  # an integer in the source
    assert ExternalId("pubmed", "26017442") in deep.ids
    assert ExternalId("pmc", "4556789") in deep.ids
    assert deep.keywords == ("representation learning", "backpropagation")
    assert deep.abstract is None
    assert [author.name for author in deep.authors] == [
        "Yann LeCun",
        "Yoshua Bengio",
        "Geoffrey E. Hinton",
    ]
    assert deep.authors[0].orcid == "0000-0002-1825-009X"
    assert deep.authors[2].affiliation == "Google (United States); University of Toronto"
    assert deep.author_count is None


def test_page_work_without_title_is_malformed(samples: Path) -> None:
    results = _parse_file(samples / "works-page.json")
    (bad,) = _malformed(results)
    assert bad.position == "document, result 2 (W4200000001)"
    assert bad.field == "title"
    assert "W4200000001" in bad.raw
    assert len(results) == 3


def test_snapshot_lines_stream_and_quarantine(samples: Path) -> None:
    results = _parse_file(samples / "part_000.jsonl")
    works = _works(results)
    assert list(works) == ["W2963403868", "W1522301498"]
    attention = works["W2963403868"]
    assert ExternalId("arxiv", "1706.03762") in attention.ids
    assert attention.abstract == "The dominant sequence transduction models sequence"
    assert attention.authors[1].affiliation == "Google Brain"
    assert attention.categories == ("Artificial Intelligence", "Signal Processing")
    first = results[0]
    assert isinstance(first, Parsed)
    assert first.raw == (samples / "part_000.jsonl").read_text().splitlines()[0]
    bad = {(m.position, m.field) for m in _malformed(results)}
    assert bad == {
        ("line 4", None),
        ("line 5 (W3000000004)", "publication_date"),
        ("line 6 (W3000000005)", "referenced_works"),
    }


def test_gzipped_snapshot_part(samples: Path, tmp_path: Path) -> None:
    part = tmp_path / "part_000.gz"
    part.write_bytes(gzip.compress((samples / "part_000.jsonl").read_bytes()))
    for member, stream in open_members(part):
        head = stream.read(SNIFF_BYTES)
        fmt = detect_format(head, member.inner_name)
        assert fmt is not None and fmt.name == "openalex"
        results = list(parse(io.BytesIO(head + stream.read())))
    assert len(_works(results)) == 2
    assert len(_malformed(results)) == 3


def test_single_pretty_printed_work(samples: Path) -> None:
    ((result),) = _parse_file(samples / "W2741809807.json")
    assert isinstance(result, Parsed)
    work = result.record
    assert isinstance(work, WorkRecord)
    assert result.position == "document (W2741809807)"
    assert work.ids[1] == ExternalId("doi", "10.7717/peerj.4375")
    assert ExternalId("pmc", "5815332") in work.ids
    assert work.authors[1].name == "Haustein, Stefanie"  # as printed on the paper
    assert work.authors[0].affiliation == "Impactstory, Sanford, NC, USA"


def test_jsonl_is_streamed_not_read_whole() -> None:
    line = b'{"id": "https://openalex.org/W1", "title": "Streaming", "referenced_works": []}\n'
    data = line * 20_000

    stream = CountingStream(data)
    results = parse(stream)
    assert isinstance(next(results), Parsed)
    consumed_at_first_record = stream.consumed
    assert len(list(results)) == 19_999
    assert consumed_at_first_record < len(data) // 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # pretty-printed with the first key on the opening line (jq -c style wrapping)
        ('{"meta": {"count": 1},\n "results": [\n  {"id": 1}\n ]}\n', ["document"]),
        # a one-element list whose element is a whole value on line 2
        ('[\n  {"id": 1}\n]\n', ["document"]),
        # JSON Lines whose first line is broken: the rest still streams line by line
        ('{"id": 1, "title": \n{"id": 2}\n\n{"id": 3}\n', ["line 1", "line 2", "line 4"]),
        ('{"id": 1}\n', ["line 1"]),
        ("\n\n", []),
    ],
)
def test_json_records_tells_documents_from_json_lines(text: str, expected: list[str]) -> None:
    pieces = json_records(io.BytesIO(text.encode()), DEFAULT_LIMITS, PAGE_KEYS)
    positions = [p.where for p in pieces if not isinstance(p, JsonItem) or p.key is None]
    assert positions == expected


def test_sniff_accepts_openalex_only(samples: Path, data_dir: Path) -> None:
    for name in ("works-page.json", "part_000.jsonl", "W2741809807.json"):
        assert sniff((samples / name).read_bytes()[:SNIFF_BYTES], name)
    s2_paper = data_dir / "s2-api" / "paper.json"
    assert not sniff(s2_paper.read_bytes(), "paper.json")
    assert not sniff(b'{"corpusid": 1, "title": "x"}\n', "papers.jsonl")
    assert not sniff(b'{"id": "0704.0001", "submitter": "Pavel Nadolsky"}\n', "arxiv.json")


def test_detect_format_picks_openalex_for_samples(samples: Path) -> None:
    for path in samples.iterdir():
        fmt = detect_format(path.read_bytes()[:SNIFF_BYTES], path.name)
        assert fmt is not None and fmt.name == "openalex", path.name


# --- the real recording ----------------------------------------------------------------


@pytest.mark.shared
def test_real_response_has_49_works(shared_dir: Path) -> None:
    results = _parse_file(shared_dir / WORKS_JSON)
    works = _works(results)
    assert len(works) == 49
    assert _malformed(results) == []
    assert sum(len(work.references) for work in works.values()) == 930
    assert sum(1 for work in works.values() if work.abstract) == 46
    orcids = [a.orcid for work in works.values() for a in work.authors if a.orcid]
    assert len(orcids) == 120
    # 164 authorships, of which 3 are OpenAlex's NULL AUTHOR_ID placeholder.
    assert sum(len(work.authors) for work in works.values()) == 161


@pytest.mark.shared
def test_real_first_work(shared_dir: Path) -> None:
    work = _works(_parse_file(shared_dir / WORKS_JSON))["W2068311567"]
    assert work.title.startswith("Redefining climate regions in the United States of America")
    assert work.abstract is not None
    assert work.abstract.startswith(
        "Existing climate classification has not been designed for an efficient handling"
    )
    assert work.ids[:2] == (
        ExternalId("openalex", "W2068311567"),
        ExternalId("doi", "10.4081/gh.2014.294"),
    )
    assert ExternalId("pubmed", "25599636") in work.ids
    assert work.reported_citations == 8
    assert work.published == date(2014, 12, 1)
    assert work.venue == "Geospatial Health"
    assert work.categories[0] == "Health, Toxicology and Mutagenesis"
    assert [author.name for author in work.authors] == [
        "Alexander Liss",
        "Magaly Koch",
        "Elena N. Naumova",
    ]
    assert work.authors[1].orcid == "0000-0002-6186-1619"
    assert work.authors[0].affiliation == "Institute for Forecasting; Tufts University"
    assert len(work.references) == 50


@pytest.mark.shared
def test_real_placeholder_authors_and_arxiv_ids(shared_dir: Path) -> None:
    works = _works(_parse_file(shared_dir / WORKS_JSON))
    benin = works["W4206064211"]
    assert benin.author_count == 7
    assert len(benin.authors) == 4
    arxiv = {
        key: [i.value for i in work.ids if i.scheme == "arxiv"]
        for key, work in works.items()
        if any(i.scheme == "arxiv" for i in work.ids)
    }
    assert arxiv == {
        "W4365441044": ["2304.04761"],
        "W4387635986": ["2310.08532"],
        "W4307407919": ["2208.03461"],
        "W4385568269": ["2306.14003"],
    }


@pytest.mark.shared
def test_real_response_detected_as_openalex(shared_dir: Path) -> None:
    head = (shared_dir / WORKS_JSON).read_bytes()[:SNIFF_BYTES]
    fmt = detect_format(head, "works.json")
    assert fmt is not None and fmt.name == "openalex"

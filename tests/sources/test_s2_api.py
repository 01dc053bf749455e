from __future__ import annotations

import gzip
import io
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from paperscope.domain import AuthorRecord, CitationRecord, ExternalId, WorkRecord
from paperscope.sources.base import Empty, Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import SNIFF_BYTES
from paperscope.sources.s2_api import parse, sniff

S2_API = Path("data/recordings/semantic-scholar-api")
TURING = "2d5673caa9e6af3a7b82a43f19ee920992db07ad"


def _parse_file(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _records(results: list[ParseResult], kind: type) -> list:  # type: ignore[type-arg]
    return [r.record for r in results if isinstance(r, Parsed) and isinstance(r.record, kind)]


def _malformed(results: list[ParseResult]) -> list[Malformed]:
    return [result for result in results if isinstance(result, Malformed)]


def _kinds(results: list[ParseResult]) -> Counter[str]:
    return Counter(
        type(r.record).__name__ if isinstance(r, Parsed) else "Malformed" for r in results
    )


@pytest.fixture
def samples(data_dir: Path) -> Path:
    return data_dir / "s2-api"


# --- hand-written samples ---------------------------------------------------------------


def test_paper_fields(samples: Path) -> None:
    results = _parse_file(samples / "paper.json")
    paper = results[0]
    assert isinstance(paper, Parsed) and isinstance(paper.record, WorkRecord)
    work = paper.record
    assert paper.position == "document (s2:204e3073870fae3d05bcbc2f6a8e263d9b72e776)"
    assert work.title == "Attention is All you Need"
    assert work.ids == (
        ExternalId("s2", "204e3073870fae3d05bcbc2f6a8e263d9b72e776"),
        ExternalId("corpusid", "13756489"),
        ExternalId("dblp", "conf/nips/VaswaniSPUJGKP17"),
        ExternalId("mag", "2963403868"),
        ExternalId("arxiv", "1706.03762"),  # version dropped
    )
    assert work.published == date(2017, 6, 12)
    assert work.year == 2017
    assert work.venue == "Neural Information Processing Systems"  # publicationVenue first
    assert work.categories == ("Computer Science", "Linguistics")
    assert work.reported_citations == 118000
    assert [a.name for a in work.authors] == ["Ashish Vaswani", "Noam Shazeer"]
    assert work.author_count == 3  # the nameless third author is counted
    assert work.authors[0].source_id == ExternalId("s2", "40348417")
    assert work.authors[1].source_id is None
    assert work.references == (
        ExternalId("s2", "43428880d75b3a14257c3ee9bda054e61eb869c0"),
        ExternalId("doi", "10.3115/v1/d14-1179"),
    )


def test_paper_citations_and_unresolved_references(samples: Path) -> None:
    results = _parse_file(samples / "paper.json")
    assert _kinds(results) == Counter(WorkRecord=4, CitationRecord=3)
    this = ExternalId("s2", "204e3073870fae3d05bcbc2f6a8e263d9b72e776")
    edges = _records(results, CitationRecord)
    assert (
        CitationRecord(ExternalId("s2", "df2b0e26d0599ce3e70df8a9da02e51594e0e992"), this) in edges
    )
    # a citing paper without a title still gives its edge
    assert (
        CitationRecord(ExternalId("s2", "9405cc0d6169988371b2755e573cc28650d14dfe"), this) in edges
    )
    # the one reference with no id at all is kept as an edge to an unknown work
    assert CitationRecord(this, None) in edges
    titles = {work.title for work in _records(results, WorkRecord)}
    assert "Learning Phrase Representations using RNN Encoder-Decoder" in titles


def test_batch_skips_nulls_and_quarantines_bad_items(samples: Path) -> None:
    results = _parse_file(samples / "batch.json")
    (work,) = _records(results, WorkRecord)
    assert work.title == "How Much Should We Trust Differences-in-Differences Estimates?"
    assert ExternalId("doi", "10.2139/ssrn.288970") in work.ids
    assert ExternalId("pmc", "1234567") in work.ids
    assert work.venue == "Quarterly Journal of Economics"
    bad = [(m.position, m.field) for m in _malformed(results)]
    assert bad == [
        ("document, item 2", "title"),
        ("document, item 3", "publicationDate"),
        ("document, item 4", None),
    ]


def test_responses_jsonl(samples: Path) -> None:
    results = _parse_file(samples / "responses.jsonl")
    (author,) = _records(results, AuthorRecord)
    assert author.ids == (ExternalId("s2", "1741101"), ExternalId("orcid", "0000-0002-4985-5284"))
    assert author.reported_h_index == 2
    assert author.reported_papers == 3
    assert author.reported_citations == 150
    assert author.affiliations == ("Allen Institute for AI",)
    assert author.homepage == "https://allenai.org"
    assert [p.title for p in author.papers] == [
        "Construction of the Literature Graph in Semantic Scholar",
        "Open Information Extraction from the Web",
    ]
    works = {w.key: w for w in _records(results, WorkRecord)}
    s2orc = works[ExternalId("s2", "5c5751d45e298cea054f32b392c12c61027d2fe7")]
    assert ExternalId("acl", "2020.acl-main.447") in s2orc.ids
    snippet_paper = works[ExternalId("corpusid", "19170988")]
    assert snippet_paper.authors[0].name == "Alan Turing"
    assert len(works) == 5
    bad = {(m.position, m.field) for m in _malformed(results)}
    assert bad == {("line 1, papers[2]", "title"), ("line 4", "error"), ("line 8", None)}


def test_cassette_edges_and_errors(samples: Path) -> None:
    results = _parse_file(samples / "citations-cassette.yaml")
    edges = _records(results, CitationRecord)
    cited = ExternalId("corpusid", "14514057")
    citing = ExternalId("s2", "344e7fb2000d9063cbc9deb550e46946bafe3c90")
    assert CitationRecord(citing, cited, ("as shown by [12]", "following [12]"), True) in edges
    doi = ExternalId("doi", "10.2139/ssrn.2250500")
    assert (
        CitationRecord(doi, ExternalId("s2", "e945ca4fdcf45b1a118f1462db7afa12629a131f")) in edges
    )
    assert CitationRecord(doi, None) in edges
    assert len(edges) == 3
    reasons = {m.position: (m.field, m.reason) for m in _malformed(results)}
    assert reasons == {
        "interaction 1 (GET /graph/v1/paper/CorpusID:14514057/citations), data[1]": (
            "paperId",
            "citing paper 'Present Bias Predicts Low Adoption of Profitable Technologies'"
            " has no id",
        ),
        "interaction 3 (GET /graph/v1/paper/0)": (
            "response",
            "HTTP 404: Paper with id 0 not found",
        ),
        "interaction 4 (GET /graph/v1/paper/search)": (
            "response",
            "HTTP 429: Too Many Requests. Please wait and try again or apply for a key for "
            "higher rate limits.",
        ),
    }


def test_cassette_with_gzipped_binary_body_and_broken_interactions() -> None:
    body = gzip.compress(b'{"paperId": "649def34f8be52c8b66281af98ae884c09aef38b", "title": "S2"}')
    cassette = {
        "interactions": [
            {
                "request": {
                    "method": "GET",
                    "uri": "https://api.semanticscholar.org/graph/v1/paper/x",
                },
                "response": {"status": {"code": 200}, "body": {"string": body}},
            },
            {"request": {"uri": "https://api.semanticscholar.org/graph/v1/paper/y"}},
        ],
        "version": 1,
    }
    text = yaml.safe_dump(cassette)
    assert "!!binary" in text
    results = list(parse(io.BytesIO(text.encode())))
    (work,) = _records(results, WorkRecord)
    assert work.title == "S2"
    (bad,) = _malformed(results)
    assert bad.position == "interaction 2 (GET /graph/v1/paper/y)"
    assert bad.reason.startswith("no HTTP status")


def test_invalid_cassette_yaml_is_one_malformed() -> None:
    text = b"interactions:\n- request: {uri: [unclosed\n"
    (bad,) = list(parse(io.BytesIO(text)))
    assert isinstance(bad, Malformed)
    assert bad.position == "cassette"
    assert bad.reason.startswith("invalid YAML")


def test_sniff_accepts_s2_api_only(samples: Path, data_dir: Path) -> None:
    for path in samples.iterdir():
        assert sniff(path.read_bytes()[:SNIFF_BYTES], path.name), path.name
    bulk = data_dir / "s2-bulk" / "papers-sample.jsonl"
    assert not sniff(bulk.read_bytes(), bulk.name)
    openalex = data_dir / "openalex" / "works-page.json"
    assert not sniff(openalex.read_bytes(), openalex.name)
    assert not sniff(
        b"interactions:\n- request:\n    uri: https://export.arxiv.org/api\n", "x.yaml"
    )
    assert not sniff(b'{"error": "Paper with id 0 not found"}', "error.json")


def test_detect_format_picks_s2_api_for_samples(samples: Path) -> None:
    for path in samples.iterdir():
        fmt = detect_format(path.read_bytes()[:SNIFF_BYTES], path.name)
        assert fmt is not None and fmt.name == "s2-api", path.name


# --- the real recordings ----------------------------------------------------------------


@pytest.mark.shared
def test_real_turing_paper(shared_dir: Path) -> None:
    results = _parse_file(shared_dir / S2_API / "Paper.json")
    paper = results[0]
    assert isinstance(paper, Parsed) and isinstance(paper.record, WorkRecord)
    work = paper.record
    assert work.key == ExternalId("s2", TURING)
    assert work.title == "Computing Machinery and Intelligence"
    assert work.reported_citations == 10059
    assert work.year == 1950
    assert work.published == date(1950, 10, 1)
    assert work.venue == "Mind"
    assert ExternalId("doi", "10.1093/mind/lix.236.433") in work.ids
    assert ExternalId("corpusid", "14636783") in work.ids
    assert [a.name for a in work.authors] == ["A. Turing"]
    assert work.categories == ("Computer Science", "Sociology")
    assert work.abstract is not None and work.abstract.startswith("I propose to consider")
    # 14 references: 8 resolved, 6 that S2 could not match to any paper
    assert len(work.references) == 8
    edges = _records(results, CitationRecord)
    assert sum(1 for e in edges if e.citing == work.key and e.cited is None) == 6
    assert sum(1 for e in edges if e.cited == work.key) == 1000
    assert _kinds(results) == Counter(WorkRecord=1 + 1000 + 8, CitationRecord=1006)


@pytest.mark.shared
def test_real_turing_author(shared_dir: Path) -> None:
    results = _parse_file(shared_dir / S2_API / "Author.json")
    assert _malformed(results) == []
    (author,) = _records(results, AuthorRecord)
    assert author.key == ExternalId("s2", "2262347")
    assert author.name == "A. Turing"
    assert author.reported_h_index == 23
    assert author.reported_papers == 60
    assert author.reported_citations == 12415
    assert len(author.papers) == 60
    counts = sorted((p.reported_citations or 0 for p in author.papers), reverse=True)
    assert max(h for h in range(61) if sum(1 for c in counts if c >= h) >= h) == 23
    assert sum(counts) == 12416  # one more than S2 reports: the recording is inconsistent


@pytest.mark.shared
def test_real_null_heavy_paper(shared_dir: Path) -> None:
    (bad,) = _parse_file(shared_dir / S2_API / "PaperWithNullValues.json")
    assert isinstance(bad, Malformed)
    assert bad.field == "title"
    assert TURING in bad.reason


@pytest.mark.shared
def test_real_citation_and_reference_items(shared_dir: Path) -> None:
    (citing,) = _records(_parse_file(shared_dir / S2_API / "Citation.json"), WorkRecord)
    assert citing.title == "Learning to Throw With a Handful of Samples Using Decision Transformers"
    assert ExternalId("doi", "10.1109/lra.2022.3229266") in citing.ids
    (cited,) = _records(_parse_file(shared_dir / S2_API / "Reference.json"), WorkRecord)
    assert cited.title == "Neural Variational Inference and Learning in Belief Networks"
    assert ExternalId("arxiv", "1402.0030") in cited.ids


@pytest.mark.shared
def test_real_not_found_cassette(shared_dir: Path) -> None:
    results = _parse_file(shared_dir / S2_API / "test_not_found.yaml")
    assert [(m.position, m.reason) for m in _malformed(results)] == [
        ("interaction 1 (GET /graph/v1/paper/0)", "HTTP 404: Paper with id 0 not found"),
        ("interaction 2 (GET /graph/v1/author/0)", "HTTP 404: Author with id 0 not found"),
    ]
    assert len(results) == 2


@pytest.mark.shared
def test_real_paginated_citations_cassette(shared_dir: Path) -> None:
    results = _parse_file(shared_dir / S2_API / "test_get_paper_citations.yaml")
    edges = _records(results, CitationRecord)
    assert len(edges) == 1873
    assert {edge.cited for edge in edges} == {ExternalId("corpusid", "14514057")}
    assert len({edge.citing for edge in edges}) == 1873
    # 8 of the 1,881 citing papers have no S2 id: no edge can be drawn from them
    bad = _malformed(results)
    assert len(bad) == 8
    assert {m.field for m in bad} == {"paperId"}


@pytest.mark.shared
def test_real_batch_with_not_found_ids(shared_dir: Path) -> None:
    results = _parse_file(shared_dir / S2_API / "test_get_papers_not_found_warning.yaml")
    works = _records(results, WorkRecord)
    assert [w.title for w in works] == [
        "How Much Should We Trust Differences-in-Differences Estimates?",
        "The Miracle of Microfinance? Evidence from a Randomized Evaluation",
        "Improving Third-Party Audits and Regulatory Compliance in India",
    ]
    assert works[0].reported_citations == 10670
    assert _malformed(results) == []
    authors = _records(
        _parse_file(shared_dir / S2_API / "test_get_authors_not_found_warning.yaml"), AuthorRecord
    )
    assert [a.name for a in authors] == ["E. Dijkstra", "D. Parnas", "I. Sommerville"]


@pytest.mark.shared
def test_real_pages_and_error_cassettes(shared_dir: Path) -> None:
    def parsed(name: str) -> list[ParseResult]:
        return _parse_file(shared_dir / S2_API / name)

    author_papers = parsed("test_get_author_papers.yaml")
    assert len(_records(author_papers, WorkRecord)) == 875
    bulk = parsed("test_search_paper_bulk_retrieval_traversing_results.yaml")
    assert len({w.key for w in _records(bulk, WorkRecord)}) == 2674
    assert len(_records(parsed("test_search_author.yaml"), AuthorRecord)) == 59
    assert [type(r) for r in parsed("test_empty_paginated_results.yaml")] == [Empty]
    assert [type(r) for r in parsed("test_get_available_releases.yaml")] == [
        Empty
    ]  # datasets endpoints: no papers
    (bad_request,) = parsed("test_bad_query_parameters.yaml")
    assert isinstance(bad_request, Malformed)
    assert bad_request.reason == "HTTP 400: Unrecognized or unsupported fields: [unknown]"
    (forbidden,) = parsed("test_debug.yaml")
    assert isinstance(forbidden, Malformed) and forbidden.reason == "HTTP 403: Forbidden"
    # a search asked only for `year`: title-less papers are what was asked for, not damage
    assert [type(r) for r in parsed("test_search_paper_year.yaml")] == [Empty]


@pytest.mark.shared
def test_real_recordings_detected_as_s2_api(shared_dir: Path) -> None:
    folder = shared_dir / S2_API
    names = ["Paper.json", "Author.json", "PaperWithNullValues.json", "test_not_found.yaml"]
    names += [path.name for path in folder.glob("test_*.yaml")]
    for name in names:
        fmt = detect_format((folder / name).read_bytes()[:SNIFF_BYTES], name)
        assert fmt is not None and fmt.name == "s2-api", name

"""Hugging Face Daily Papers API: the daily list and the single-paper endpoint."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from paperscope.domain import AbstractRecord, AuthorName, CodeLink, ExternalId, WorkRecord
from paperscope.sources.base import Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.hf_daily import FORMATS, parse
from paperscope.sources.reading import SNIFF_BYTES

(HF_DAILY,) = FORMATS
DAILY = "daily_papers-2024-01-08.json"
PAPER = "paper-2312.00752.json"


def _results(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _works(results: list[ParseResult]) -> dict[str, WorkRecord]:
    works = [r.record for r in results if isinstance(r, Parsed)]
    return {w.key.value: w for w in works if isinstance(w, WorkRecord)}


@pytest.fixture(scope="module")
def samples(data_dir: Path) -> Path:
    return data_dir / "hf-daily"


def test_daily_list_entry_with_github_repo(samples: Path) -> None:
    works = _works(_results(samples / DAILY))
    assert list(works) == ["2401.02954", "2401.04081", "2401.01335"]
    deepseek = works["2401.02954"]
    assert deepseek.ids == (ExternalId("arxiv", "2401.02954"), ExternalId("hf", "2401.02954"))
    assert deepseek.title == "DeepSeek LLM: Scaling Open-Source Language Models with Longtermism"
    assert deepseek.abstract is not None and "\n" not in deepseek.abstract
    assert (deepseek.published, deepseek.year, deepseek.upvotes) == (date(2024, 1, 5), 2024, 40)
    assert deepseek.featured == date(2024, 1, 8)  # the day the daily list showed it
    assert deepseek.code_links == (
        CodeLink("https://github.com/deepseek-ai/DeepSeek-LLM", "githubRepo"),
    )
    assert deepseek.keywords[:2] == ("scaling laws", "large language models")
    assert deepseek.url == "https://huggingface.co/papers/2401.02954"
    assert len(deepseek.authors) == 4
    # A claimed author carries the HF user name; the others have no id.
    assert deepseek.authors[2] == AuthorName("Deli Chen", source_id=ExternalId("hf", "delichen"))
    assert deepseek.authors[1] == AuthorName("Xiao Bi")


def test_daily_list_entry_without_github_repo_and_unicode(samples: Path) -> None:
    works = _works(_results(samples / DAILY))
    moe = works["2401.04081"]
    assert moe.code_links == () and moe.keywords == ()
    assert [a.name for a in moe.authors][:3] == ["Maciej Pióro", "Kamil Ciebiera", "Krystian Król"]
    assert len(moe.authors) == 5  # hidden authors are still authors
    spin = works["2401.01335"]
    assert [a.name for a in spin.authors] == ["张 伟", "José Hernández-Orallo"]
    assert spin.code_links == (CodeLink("https://github.com/uclaml/SPIN", "githubRepo"),)


def test_ai_summary_is_a_separate_abstract_record(samples: Path) -> None:
    results = _results(samples / DAILY)
    summaries = [
        r for r in results if isinstance(r, Parsed) and isinstance(r.record, AbstractRecord)
    ]
    assert len(summaries) == 1
    assert summaries[0].record == AbstractRecord(
        ExternalId("arxiv", "2401.02954"),
        "Scaling-law guided training of 7B and 67B open models that rival larger proprietary "
        "systems.",
        kind="ai_summary",
    )
    assert summaries[0].position == "entry 1 (id 2401.02954)"


def test_missing_title_and_id_are_malformed(samples: Path) -> None:
    results = _results(samples / DAILY)
    bad = [r for r in results if isinstance(r, Malformed)]
    assert [(m.position, m.field) for m in bad] == [
        ("entry 3 (id 2401.03065)", "title"),
        ("entry 4", "id"),
    ]
    assert json.loads(bad[0].raw)["paper"]["id"] == "2401.03065"


def test_single_paper_endpoint(samples: Path) -> None:
    results = _results(samples / PAPER)
    works = _works(results)
    mamba = works["2312.00752"]
    assert mamba.title == "Mamba: Linear-Time Sequence Modeling with Selective State Spaces"
    assert mamba.authors == (
        AuthorName("Albert Gu", source_id=ExternalId("hf", "albertgu")),
        AuthorName("Tri Dao"),
    )
    assert (mamba.published, mamba.upvotes) == (date(2023, 12, 1), 129)
    assert mamba.featured is None  # a single-paper response says nothing of a daily list
    assert mamba.code_links == (CodeLink("https://github.com/state-spaces/mamba", "githubRepo"),)
    assert "hardware-aware algorithm" in mamba.keywords
    assert len(results) == 2  # the work and its ai_summary


def test_document_that_is_not_json() -> None:
    results = list(parse(io.BytesIO(b'[{"paper": {"id": "2401.00001", ')))
    assert len(results) == 1 and isinstance(results[0], Malformed)
    assert results[0].position == "document" and "invalid JSON" in results[0].reason


def test_versioned_and_non_arxiv_ids() -> None:
    paper = {"id": "2401.00001v2", "title": "T", "authors": [], "upvotes": 0, "publishedAt": ""}
    other = dict(paper, id="hf-internal-42")
    works = _works(list(parse(io.BytesIO(json.dumps([paper, other]).encode()))))
    assert works["2401.00001"].ids == (
        ExternalId("arxiv", "2401.00001"),
        ExternalId("hf", "2401.00001v2"),
    )
    assert works["hf-internal-42"].ids == (ExternalId("hf", "hf-internal-42"),)


def test_sniff_and_detect(samples: Path) -> None:
    for name in (DAILY, PAPER):
        head = (samples / name).read_bytes()[:SNIFF_BYTES]
        assert HF_DAILY.sniff(head, name)
        detected = detect_format(head, name)
        assert detected is not None and detected.name == "hf-daily"


def test_sniff_rejects_s2_and_openalex_json() -> None:
    s2_paper = (
        b'{"paperId": "649def34f8be52c8b66281af98ae884c09aef38b", "title": "A", "year": 2020}'
    )
    s2_search = b'{"total": 1, "offset": 0, "data": [{"paperId": "1", "title": "A"}]}'
    openalex = b'{"meta": {"count": 1}, "results": [{"id": "https://openalex.org/W1"}]}'
    s2_batch = b'[{"paperId": "1", "title": "A", "publicationDate": "2020-01-01"}]'
    for head in (s2_paper, s2_search, openalex, s2_batch, b"[]"):
        assert not HF_DAILY.sniff(head, "response.json")
    assert HF_DAILY.sniff(b"[]", "daily_papers-2024-01-06.json")  # a day without papers

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from paperscope.domain import AuthorRecord, ExternalId, WorkRecord
from paperscope.sources.base import Malformed, Parsed, ParseResult
from paperscope.sources.detect import detect_format
from paperscope.sources.listing_text import (
    FORMATS,
    parse_listing,
    sniff,
)

PAGES = Path("fixtures/pages")
PROFILE = PAGES / "author-profile-haoyu-ren.txt"
DAILY = PAGES / "daily-papers-search.txt"
TODAY = date(2026, 11, 21)


def _parse(path: Path, reference_year: int | None = None) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse_listing(stream, reference_year, today=TODAY))


def _parse_text(text: str, reference_year: int | None = None) -> list[ParseResult]:
    return list(parse_listing(io.BytesIO(text.encode()), reference_year, today=TODAY))


def _records(results: list[ParseResult]) -> list[WorkRecord]:
    works = [r.record for r in results if isinstance(r, Parsed)]
    assert all(isinstance(w, WorkRecord) for w in works)
    return works  # type: ignore[return-value]


def _profile(results: list[ParseResult]) -> AuthorRecord:
    (author,) = [r.record for r in results if isinstance(r, Parsed)]
    assert isinstance(author, AuthorRecord)
    return author


def _by_title(works: tuple[WorkRecord, ...] | list[WorkRecord], prefix: str) -> WorkRecord:
    (work,) = [w for w in works if w.title.startswith(prefix)]
    return work


# --- hand-written samples ---------------------------------------------------------------


@pytest.fixture
def samples(data_dir: Path) -> Path:
    return data_dir / "listing-text"


def test_profile_sample_header(samples: Path) -> None:
    author = _profile(_parse(samples / "profile-sample.txt", 2026))
    assert author.name == "Zoë Łukasiewicz-Müller"
    assert author.key == ExternalId("listing", "zoe-łukasiewicz-muller")
    assert author.primary_category == "RO"
    assert author.reported_h_index == 12
    assert author.reported_papers == 48
    assert author.reported_citations == 1234
    assert author.reported_novelty == 38.5
    assert author.reported_ai_score == 71.2
    assert [p.title for p in author.papers] == [
        "3D Scene Graphs for Legged Robots in 2025: A Benchmark",
        "Spiking Networks That Count",
        "Smith, Jones and Brown",
        "Multi-Agent Coordination without Communication",
    ]


def test_profile_sample_entries(samples: Path) -> None:
    papers = _profile(_parse(samples / "profile-sample.txt", 2026)).papers
    scene, spiking, smith, agents = papers
    assert scene.source_score == 100.0
    assert scene.categories == ("RO",)
    assert scene.published == date(2026, 3, 3)
    assert scene.year == 2026
    assert (scene.code_badge, scene.authors_truncated, scene.comments) == (True, True, None)
    assert [a.name for a in scene.authors] == [
        "Zoë Łukasiewicz-Müller",
        "José Ángel Núñez",
        "Björn Þórsson",
    ]
    assert scene.author_count is None
    assert scene.abstract is not None and scene.abstract.endswith("/-/tree/main.")
    assert "\n" not in scene.abstract  # the two abstract lines are joined
    assert scene.code_links == ()  # the ingest scans the abstract, the parser does not
    assert spiking.source_score is None
    assert spiking.comments is None
    assert [a.name for a in spiking.authors] == ["Zoë Łukasiewicz-Müller"]
    assert spiking.published == date(2024, 1, 9)
    assert smith.categories == ("HC",)
    assert (smith.code_badge, smith.authors_truncated) == (True, False)
    assert [a.name for a in smith.authors] == [
        "Lars van der Berg",
        "Zoë Łukasiewicz-Müller",
        "Mei Chen",
    ]
    assert agents.abstract is None
    assert [a.name for a in agents.authors] == ["Zoë Łukasiewicz-Müller", "Kenji Sato"]


def test_profile_sample_quarantines_an_impossible_date(samples: Path) -> None:
    bad = [r for r in _parse(samples / "profile-sample.txt", 2026) if isinstance(r, Malformed)]
    assert len(bad) == 1
    assert bad[0].position == "line 27 (paper 3)"
    assert bad[0].field == "published"
    assert "A Paper Whose Date Cannot Exist" in bad[0].raw


def test_reference_year_pins_dates_without_a_year(samples: Path) -> None:
    papers = _profile(_parse(samples / "profile-sample.txt", 2019)).papers
    assert papers[0].published == date(2019, 3, 3)
    assert papers[1].published == date(2024, 1, 9)  # a printed year is never replaced


def test_unpinned_year_is_today_unless_that_is_in_the_future() -> None:
    page = "A B\n\nh-index1\n1papers\n2citations\n\n{}\nA Title\n\nA B\n"
    (march,) = _profile(_parse_text(page.format("CVMar 3"))).papers
    (december,) = _profile(_parse_text(page.format("CVDec 24"))).papers
    assert march.published == date(2026, 3, 3)
    assert december.published == date(2025, 12, 24)


def test_daily_sample(samples: Path) -> None:
    results = _parse(samples / "daily-sample.txt", 2026)
    works = _records(results)
    assert [w.title for w in works] == [
        "4D Gaussian Avatars from a Single Phone Video",
        "Sparse Mixture Routing: Experts That Rest",
        "Tabular Reasoning with Program Sketches",
        "Knowledge Distillation for Tiny Speech Models",
        "A Title With No Abstract",
    ]
    avatars, sparse, tabular, speech, bare = works
    assert avatars.key == ExternalId("listing", "4d-gaussian-avatars-from-a-single-phone-video")
    assert (avatars.author_count, avatars.published, avatars.upvotes) == (
        1,
        date(2026, 3, 10),
        1200,
    )
    assert (sparse.author_count, sparse.published, sparse.upvotes) == (11, date(2023, 2, 28), 3)
    assert sparse.abstract is not None
    assert sparse.abstract.startswith("Mixture-of-experts models waste compute on idle experts. We")
    assert sparse.abstract.endswith("huggingface.co/rest-ai/sparse-moe-7b.")
    assert (tabular.author_count, tabular.published, tabular.upvotes) == (None, None, None)
    assert (
        tabular.abstract == "Large language models struggle with tables; we sketch programs first."
    )
    assert speech.author_count is None
    assert speech.comments == "organisation: Speech_Lab_Org"
    assert (speech.published, speech.upvotes) == (date(2026, 3, 2), 15)
    assert (bare.abstract, bare.author_count, bare.published, bare.year) == (
        None,
        3,
        date(2021, 1, 5),
        2021,
    )
    assert all(w.authors == () for w in works)
    (bad,) = [r for r in results if isinstance(r, Malformed)]
    assert (bad.position, bad.field) == ("line 50 (listed under Mar 14)", "published")
    assert bad.raw.startswith("A Paper With A Broken Date")


def test_feed_details_without_a_title_are_quarantined() -> None:
    results = _parse_text(
        "Daily Papers\n\n  • 2 authors\n·\nFeb 2, 2024\n\nReal Title\n\nAn abstract.\n"
    )
    assert isinstance(results[0], Malformed)
    assert results[0].field == "title"
    assert [w.title for w in _records(results)] == ["Real Title"]


def test_feed_lone_line_between_entries_is_quarantined_but_chrome_is_not() -> None:
    page = (
        "Daily Papers\n\nSign in\n\nFirst\n\nAbstract one.\n\n  • 2 authors\n·\nFeb 2, 2024\n\n"
        "Stray line\n\nSecond\n\nAbstract two.\n\n  • 3 authors\n·\nFeb 3, 2024 7\n\nFooter\n"
    )
    results = _parse_text(page)
    assert [w.title for w in _records(results)] == ["First", "Second"]
    (bad,) = [r for r in results if isinstance(r, Malformed)]
    assert bad.raw == "Stray line"


def test_feed_day_header_with_a_year_pins_the_year() -> None:
    page = "Daily Papers\n\nDec 31, 2019\n\nA Title\n\nAn abstract.\n\n  • 2 authors\n·\nDec 15 4\n"
    (work,) = _records(_parse_text(page))
    assert (work.published, work.upvotes) == (date(2019, 12, 15), 4)


# --- sniffing ---------------------------------------------------------------------------


def test_sniff_accepts_both_samples(samples: Path) -> None:
    for name in ("profile-sample.txt", "daily-sample.txt"):
        assert sniff((samples / name).read_bytes(), name)


@pytest.mark.parametrize(
    "head",
    [
        b"@article{key,\n  title = {Daily Papers},\n  note = {h-index 3}\n}\n",
        b'{"title": "Daily Papers", "authors": 2}\n',
        b'<?xml version="1.0"?>\n<feed><title>Daily Papers</title></feed>\n',
        b"Just some notes.\nDaily Papers are nice.\n",
        b"W1\tW2\n",
    ],
)
def test_sniff_rejects_other_content(head: bytes) -> None:
    assert not sniff(head, "page.txt")


def test_detect_format_picks_listing_text_for_samples(samples: Path) -> None:
    for name in ("profile-sample.txt", "daily-sample.txt"):
        detected = detect_format((samples / name).read_bytes(), name)
        assert detected is not None and detected.name == "listing-text"


def test_format_registration() -> None:
    (fmt,) = FORMATS
    assert fmt.name == "listing-text"
    works = _records(
        list(fmt.parse(io.BytesIO(b"Daily Papers\n\nT\n\nA.\n\n  \xe2\x80\xa2 2 authors\n")))
    )
    assert [(w.title, w.author_count) for w in works] == [("T", 2)]


# --- the real pages in ../shared --------------------------------------------------------


@pytest.mark.shared
def test_real_profile(shared_dir: Path) -> None:
    results = _parse(shared_dir / PROFILE, 2026)
    assert not [r for r in results if isinstance(r, Malformed)]
    author = _profile(results)
    assert author.key == ExternalId("listing", "haoyu-ren")
    assert (author.name, author.primary_category) == ("Haoyu Ren", "CV")
    assert (author.reported_h_index, author.reported_papers, author.reported_citations) == (
        31,
        17,
        605,
    )
    assert (author.reported_novelty, author.reported_ai_score) == (46.0, 56.0)
    papers = author.papers
    assert len(papers) == 17
    pgpo = papers[0]
    assert pgpo.title.startswith("Not All Tokens See Equally: Perception-Grounded Policy")
    assert (pgpo.source_score, pgpo.categories, pgpo.published) == (99.7, ("AI",), date(2026, 4, 2))
    assert (pgpo.code_badge, pgpo.authors_truncated) == (True, True)
    assert [a.name for a in pgpo.authors] == ["Zekai Ye", "Qiming Li", "Xiaocheng Feng"]
    assert pgpo.abstract is not None
    assert pgpo.abstract.endswith("Code will be published on https://github.com/Yzk1114/PGPO.")
    reptile = _by_title(papers, "TinyReptile")
    assert [a.name for a in reptile.authors] == ["Haoyu Ren", "Darko Anicic", "Thomas A. Runkler"]
    assert (reptile.source_score, reptile.published, reptile.comments) == (
        None,
        date(2023, 4, 11),
        None,
    )
    assert _by_title(papers, "On-Device Continual").published == date(2025, 12, 15)
    assert _by_title(papers, "Multilingual OCR").source_score == 32.6
    assert [p.title for p in papers if p.code_badge] == [
        pgpo.title,
        "How to Manage Tiny Machine Learning at Scale: An Industrial Perspective",
    ]
    assert sum(1 for p in papers if p.source_score is not None) == 4
    assert sorted({c for p in papers for c in p.categories}) == [
        "AI",
        "CV",
        "DC",
        "IV",
        "LG",
        "SE",
    ]
    assert papers[-1].published == date(2017, 11, 11)
    assert papers[-1].abstract is not None
    assert papers[-1].abstract.endswith("existing deep super resolution networks.")


@pytest.mark.shared
def test_real_daily_page(shared_dir: Path) -> None:
    results = _parse(shared_dir / DAILY, 2025)
    assert not [r for r in results if isinstance(r, Malformed)]
    works = _records(results)
    assert len(works) == 38
    assert all(r.position.endswith("(listed under Dec 31)") for r in results)
    first = works[0]
    assert first.title == "Preference-free Alignment Learning with Regularized Relevance Reward"
    assert first.key == ExternalId(
        "listing", "preference-free-alignment-learning-with-regularized-relevance-reward"
    )
    assert (first.author_count, first.published, first.upvotes) == (2, date(2024, 2, 2), None)
    assert first.abstract is not None
    assert first.abstract.endswith("Our code is available at https://github.com/naver-ai/RRR.")
    zero_shot = _by_title(works, "Zero-Shot Multi-Spectral Learning")
    assert (zero_shot.author_count, zero_shot.published, zero_shot.upvotes) == (
        7,
        date(2025, 9, 23),
        2,
    )
    factuality = _by_title(works, "Fine-tuning Language Models for Factuality")
    assert (factuality.published, factuality.upvotes) == (date(2023, 11, 14), 2)
    derl = _by_title(works, "Differentiable Evolutionary Reinforcement Learning")
    assert (derl.author_count, derl.upvotes, derl.comments) == (
        None,
        1,
        "organisation: DERL_Group",
    )
    assert derl.published == date(2025, 12, 15)
    assert _by_title(works, "IC-Custom").author_count == 14
    assert _by_title(works, "CODA-Prompt").author_count == 9
    without_details = [w.title.split(":")[0] for w in works if w.published is None]
    assert without_details == ["Knapsack RL", "TimeLens", "MoRel"]
    assert all(w.abstract for w in works)
    assert sum(1 for w in works if w.upvotes is not None) == 5
    assert (
        works[-1].title
        == "Trainable Fixed-Point Quantization for Deep Learning Acceleration on FPGAs"
    )
    assert (works[-1].author_count, works[-1].published) == (7, date(2024, 1, 30))


@pytest.mark.shared
def test_real_daily_page_dates_without_a_year_are_before_the_day_header(shared_dir: Path) -> None:
    # Captured on Dec 31 of some year before today (2026-11-21): "Dec 15" is last December.
    works = _records(_parse(shared_dir / DAILY))
    assert _by_title(works, "Differentiable Evolutionary").published == date(2025, 12, 15)
    assert _by_title(works, "Zero-Shot Multi-Spectral").published == date(2025, 9, 23)


@pytest.mark.shared
def test_detect_format_picks_listing_text_for_real_pages(shared_dir: Path) -> None:
    for path in (PROFILE, DAILY):
        detected = detect_format((shared_dir / path).read_bytes()[:65536], path.name)
        assert detected is not None and detected.name == "listing-text"


def test_profile_title_that_reads_like_a_meta_line() -> None:
    page = (
        "A B\n\nh-index1\n2papers\n2citations\n\n"
        "CVMar 3, 2020\nMarch 5\n\nA B\n\nLGMay 1, 2021\nT\n"
    )
    first, second = _profile(_parse_text(page)).papers
    assert (first.title, first.published, [a.name for a in first.authors]) == (
        "March 5",
        date(2020, 3, 3),
        ["A B"],
    )
    assert (second.title, second.categories) == ("T", ("LG",))

"""BibTeX: hand-written samples (LaTeX, @string, crossref, malformed entries) and ACM-CR."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperscope.domain import ExternalId, WorkRecord
from paperscope.sources import bibtex
from paperscope.sources.base import Empty, Malformed, Parsed, ParseResult
from paperscope.sources.bibtex import FORMATS, parse, sniff
from paperscope.sources.detect import detect_format
from paperscope.sources.reading import SNIFF_BYTES, open_members, peek

FORMAT = FORMATS[0]
ACM_CR_TARBALL = Path("data/acm-cr/acm-dl-bibtex.tar.gz")


def _parse_file(path: Path) -> list[ParseResult]:
    with path.open("rb") as stream:
        return list(parse(stream))


def _parse_text(text: str) -> list[ParseResult]:
    return list(parse(io.BytesIO(text.encode("utf-8"))))


def _works(results: list[ParseResult]) -> dict[str, WorkRecord]:
    works: dict[str, WorkRecord] = {}
    for result in results:
        if isinstance(result, Parsed):
            assert isinstance(result.record, WorkRecord)
            key = result.position.split("(key ")[1].split(")")[0]
            works[key] = result.record
    return works


def _malformed(results: list[ParseResult]) -> list[Malformed]:
    return [result for result in results if isinstance(result, Malformed)]


@pytest.fixture(scope="module")
def sample(data_dir: Path) -> list[ParseResult]:
    return _parse_file(data_dir / "bibtex" / "sample.bib")


@pytest.fixture(scope="module")
def sample_works(sample: list[ParseResult]) -> dict[str, WorkRecord]:
    return _works(sample)


def test_sample_parses_every_entry(sample: list[ParseResult]) -> None:
    assert _malformed(sample) == []
    assert len(sample) == 7  # @preamble, @string and @comment are not entries


def test_acm_style_entry(sample_works: dict[str, WorkRecord]) -> None:
    work = sample_works["10.1145/3383583.3398517"]
    assert work.ids == (ExternalId("doi", "10.1145/3383583.3398517"),)
    assert work.title == "Large-Scale Evaluation of Keyphrase Extraction Models"
    assert [a.name for a in work.authors] == ["Ygor Gallina", "Florian Boudin", "Béatrice Daille"]
    assert work.year == 2020
    assert work.published == date(2020, 8, 1)  # `month = aug`, the standard macro; day 1
    # @string macro joined with a quoted string by `#`
    assert work.venue == "Proceedings of the ACM/IEEE Joint Conference on Digital Libraries in 2020"
    assert work.keywords == ("natural language processing", "keyphrase generation", "evaluation")
    assert work.abstract == (
        "Keyphrase extraction models are usually evaluated under different, "
        "not directly comparable, experimental setups."
    )
    assert work.url == "https://doi.org/10.1145/3383583.3398517"
    assert work.categories == ()


def test_quoted_values_latex_and_doi_url(sample_works: dict[str, WorkRecord]) -> None:
    work = sample_works["Mueller2019"]
    assert work.ids == (ExternalId("doi", "10.1162/coli_a_00123"),)
    assert work.title == "BERT Meets LaTeX: α-Tuning of Naïve Models"
    # "and others" is not an author
    assert [a.name for a in work.authors] == ["Jörg Müller", "Çağrı Öztürk", "René François"]
    assert work.venue == "Journal of Computational Linguistics"
    assert work.year == 2019
    assert work.published == date(2019, 3, 1)
    assert work.comments == "Code at https://github.com/example/bert-latex"


def test_names_nested_braces_and_arxiv(sample_works: dict[str, WorkRecord]) -> None:
    work = sample_works["smith2021arxiv"]
    assert work.ids == (ExternalId("arxiv", "2104.12255"),)
    assert [a.name for a in work.authors] == [
        "John Smith Jr.",
        "Barnes and Noble, Inc.",
        "Jane van der Berg",
    ]
    assert work.title == 'Deep Learning with Nested Braces and Quotes: "Hello"'
    assert work.categories == ("cs.CL",)
    assert work.published == date(2021, 4, 25)  # from biblatex `date`


def test_parenthesised_entry_without_doi_keeps_its_key(sample_works: dict[str, WorkRecord]) -> None:
    work = sample_works["knuth1984"]
    assert work.ids == (ExternalId("bibkey", "knuth1984"),)
    assert work.title == "The TeXbook"
    assert work.published is None
    assert work.year == 1984


def test_crossref_parent_after_and_before_child(sample_works: dict[str, WorkRecord]) -> None:
    early, late = sample_works["child2022"], sample_works["late2022"]
    for child in (early, late):
        assert child.venue == "Proceedings of the Workshop on Streaming Parsers"
        assert child.year == 2022
        assert child.published == date(2022, 6, 1)
    assert [a.name for a in early.authors] == [
        "Anna Nowak",
        "Jan Łukasiewicz",
        "Søren Østergaard",
        "Pál Erdős",
    ]
    assert early.title == "Crossref Children Inherit Their Venue"  # the title is not inherited


def test_malformed_entries_are_reported_and_parsing_goes_on(data_dir: Path) -> None:
    results = _parse_file(data_dir / "bibtex" / "malformed.bib")
    assert sorted(_works(results)) == ["good1", "good2", "good3"]
    problems = {m.position: (m.field, m.reason) for m in _malformed(results)}
    assert problems == {
        "entry 2 (key unbalanced, line 7)": (
            "title",
            "unbalanced braces: the value runs into the next entry",
        ),
        "entry 4 (key notitle, line 17)": ("title", "missing title"),
        "entry 5 (key badyear, line 22)": ("year", "unparseable year 'in press'"),
        "entry 6 (key nocomma, line 27)": (
            "key",
            "expected ',' after the citation key, found 'title = {Missing Com'",
        ),
        "entry 7 (key orphan, line 32)": (
            "title",
            "missing title (crossref 'nowhere' not found in the file)",
        ),
    }
    unbalanced = next(m for m in _malformed(results) if "unbalanced" in m.position)
    assert unbalanced.raw.startswith("@article{unbalanced,")
    assert "good2" not in unbalanced.raw


def test_small_chunks_give_the_same_records(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = data_dir / "bibtex" / "sample.bib"
    expected = _parse_file(path)
    monkeypatch.setattr(bibtex, "_CHUNK_CHARS", 7)
    assert _parse_file(path) == expected


def test_text_between_entries_and_same_line_entries() -> None:
    results = _parse_text(
        "junk @ sign and text\n"
        '@article{a, title={First}, year=2001} @article{b, title = "Second", year = {2002}}\n'
        "@misc{c,title={Third},}"
    )
    works = _works(results)
    assert [w.title for w in works.values()] == ["First", "Second", "Third"]
    assert works["a"].year == 2001


def test_entry_with_unclosed_quote_is_malformed() -> None:
    results = _parse_text('@article{q, title = "Never closed}\n\n@article{r, title={Fine}}\n')
    assert [w.title for w in _works(results).values()] == ["Fine"]
    (problem,) = _malformed(results)
    assert problem.field == "title"
    assert problem.reason.startswith("unbalanced quotes")


def test_html_entities_and_wrapped_lines_are_cleaned() -> None:
    (result,) = _parse_text(
        "@Article{\t  10.5555/1,\n  author\t= {Khalifa, Mohamed},\n"
        "  title\t\t= {Applying Semantic Networks to\n\t\t  Hypertext Design},\n"
        "  publisher\t= {John Wiley &amp; Sons, Inc.},\n  journal = {J. A &amp; B},\n"
        "  year\t\t= {2010},\n  month\t\t= jun,\n  pages\t\t= {1--2}\n}\n"
    )
    assert isinstance(result, Parsed)
    work = result.record
    assert isinstance(work, WorkRecord)
    assert work.title == "Applying Semantic Networks to Hypertext Design"
    assert work.venue == "J. A & B"
    assert work.ids == (ExternalId("doi", "10.5555/1"),)
    assert work.published == date(2010, 6, 1)


def test_repeated_field_keeps_the_first_value() -> None:
    (result,) = _parse_text("@article{d, title = {One}, title = {Two}, year = {2000}}")
    assert isinstance(result, Parsed)
    assert isinstance(result.record, WorkRecord)
    assert result.record.title == "One"


def test_sniff_recognises_bibtex_only() -> None:
    assert sniff(b"% comment\n\n@inproceedings{10.1145/1,\nauthor = {A}}", "x.txt")
    assert sniff(b"\xef\xbb\xbf@string{acm = {ACM}}", "refs")
    assert sniff(b"@misc{key}\n", "refs.bib")  # a .bib name is a tie-break, not a must
    assert not sniff(b"@misc{key}\n", "refs.txt")
    assert not sniff(b'{"bibtex": "@article{x,\\n title={T}}"}', "x.json")
    assert not sniff(b"<feed>\n@article{x, title={T}}</feed>", "x.xml")
    assert not sniff(b"Follow @someone on social media, {braces} too", "page.txt")
    readme = b"Please cite:\n@inproceedings{Ammar2018,\n  title={Construction}\n}\n"
    assert not sniff(readme, "README.txt")
    assert sniff(readme, "refs.bib")


def test_detect_format_picks_bibtex(data_dir: Path) -> None:
    for name in ("sample.bib", "malformed.bib"):
        head = (data_dir / "bibtex" / name).read_bytes()[:SNIFF_BYTES]
        detected = detect_format(head, name)
        assert detected is not None
        assert detected.name == "bibtex"


@pytest.mark.shared
@pytest.mark.slow
def test_whole_acm_cr_collection(shared_dir: Path) -> None:
    tarball = shared_dir / ACM_CR_TARBALL
    total, malformed, files = 0, [], 0
    wanted = {"10.1145/3383583.3398517", "10.5555/1869347.1869363", "10.1145/3397271.3402425"}
    found: dict[str, WorkRecord] = {}
    for member, stream in open_members(tarball):
        if not member.inner_name.endswith(".bib"):
            continue
        files += 1
        head, replay = peek(stream)
        assert detect_format(head, "no-hint") is FORMAT, member.name  # by content alone
        for result in parse(replay):
            total += 1
            if isinstance(result, Malformed):
                malformed.append(result)
            elif (key := result.position.split("(key ")[1][:-1]) in wanted:
                assert isinstance(result.record, WorkRecord)
                found[key] = result.record
    assert files == 903
    assert total == 113_512
    assert malformed == []

    keyphrases = found["10.1145/3383583.3398517"]  # acm-dl/jcdl/jcdl-2020.bib
    assert [a.name for a in keyphrases.authors] == [
        "Ygor Gallina",
        "Florian Boudin",
        "Béatrice Daille",
    ]
    assert keyphrases.title == "Large-Scale Evaluation of Keyphrase Extraction Models"
    assert keyphrases.venue == (
        "Proceedings of the ACM/IEEE Joint Conference on Digital Libraries in 2020"
    )
    assert keyphrases.keywords == (
        "natural language processing",
        "keyphrase generation",
        "evaluation",
    )

    jasist = found["10.5555/1869347.1869363"]  # tab-aligned, wrapped @Article, `month = aug`
    assert jasist.title == (
        "Applying Semantic Networks to Hypertext Design: Effects on Knowledge Structure "
        "Acquisition and Problem Solving"
    )
    assert jasist.published == date(2010, 8, 1)
    assert jasist.ids == (ExternalId("doi", "10.5555/1869347.1869363"),)

    hinton = found["10.1145/3397271.3402425"]  # acm-dl/sigir/sigir-2020.bib
    assert [a.name for a in hinton.authors] == ["Geoffrey Hinton"]
    assert hinton.title == "The Next Generation of Neural Networks"
    assert hinton.abstract is not None and hinton.abstract.startswith("The most important")


_BIB_LIKE = st.text(alphabet='@{}(),=#"% \n\tabtiley0123\\-', max_size=300)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), _BIB_LIKE.map(lambda text: text.encode())))
def test_never_raises_on_arbitrary_input(data: bytes) -> None:
    for result in parse(io.BytesIO(data)):
        assert isinstance(result, Parsed | Malformed | Empty)


@settings(max_examples=200, deadline=None)
@given(_BIB_LIKE)
def test_a_good_entry_after_any_junk_still_parses(junk: str) -> None:
    results = _parse_text(junk + "\n@article{last, title = {Survivor}, year = {2020}}\n")
    assert _works(results)["last"].title == "Survivor"


def test_zotero_arxiv_preprints_get_their_arxiv_id(data_dir: Path) -> None:
    """Zotero writes an arXiv preprint's id only in its DataCite DOI, URL and note."""
    works = _works(_parse_file(data_dir / "library" / "zotero.bib"))
    assert works["vaswani_attention_2017"].ids == (
        ExternalId("doi", "10.48550/arxiv.1706.03762"),
        ExternalId("arxiv", "1706.03762"),
    )
    [only_url] = _works(
        _parse_text("@misc{k, title = {T}, url = {https://arxiv.org/abs/2104.12255v3}}")
    ).values()
    assert only_url.ids == (ExternalId("arxiv", "2104.12255"),)
    assert works["he_deep_2016"].ids == (ExternalId("doi", "10.1109/cvpr.2016.90"),)

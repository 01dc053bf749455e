"""Library import and export on SQLite and PostgreSQL: a Zotero-style export in BibTeX, RIS
and CSL-JSON matched by DOI, arXiv id and title + year, unmatched items kept and matched by a
later ingest, unreadable items reported, and the round trip that keeps every item's title,
authors, year and DOI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import bibtexparser
import pytest
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from library_helpers import LIBRARY, SAMPLES, kept, user, with_catalogue
from sqlalchemy import func, select

from paperscope.accounts import library, library_pages
from paperscope.accounts.clock import utcnow
from paperscope.accounts.library_import import ImportReport, import_library
from paperscope.config import Settings
from paperscope.errors import NotFoundError, QueryError
from paperscope.export.formats import FORMATS
from paperscope.export.library import library_export
from paperscope.export.works import Selection, export_works
from paperscope.ingest import ingest_paths
from paperscope.pipeline.runner import run_stage
from paperscope.pipeline.stages import RunOptions
from paperscope.search.keyword import refresh_keyword_index
from paperscope.store import Store
from paperscope.store.accounts_schema import library_items, library_unmatched

TITLES = {
    "attention": "Attention Is All You Need",
    "keyphrase": "Large-Scale Evaluation of Keyphrase Extraction Models",
    "bert": "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    "resnet": "Deep Residual Learning for Image Recognition",
}


def _import(store: Store, user_id: int, name: str, **options: object) -> ImportReport:
    data = (LIBRARY / name if "/" not in name else Path(name)).read_bytes()
    with store.transaction() as connection:
        return import_library(
            connection,
            user_id,
            io.BytesIO(data),
            name,
            utcnow(),
            **options,  # type: ignore[arg-type]
        )


@pytest.fixture
def catalogue(store: Store) -> Store:
    return with_catalogue(store)


@pytest.mark.parametrize("format_name", sorted(SAMPLES))
def test_import_matches_by_doi_arxiv_then_title_and_keeps_the_rest(
    catalogue: Store, format_name: str
) -> None:
    ada = user(catalogue, "ada@example.org")
    report = _import(catalogue, ada, SAMPLES[format_name])
    assert report.format == format_name
    assert report.matched == {"doi": 1, "arxiv": 1, "title": 1}
    assert (report.unmatched, report.already, report.unreadable) == (3, 0, 0)
    assert report.problems == ()
    with catalogue.connect() as connection:
        page = library_pages.library_page(connection, ada, library_pages.LibraryFilter())
        saved = {e.work.title for e in page.entries if isinstance(e, library.LibraryItem)}
        waiting = {e.record.title for e in page.entries if isinstance(e, library.UnmatchedItem)}
        tags = {t.tag: t.count for t in page.tags}
    assert saved == {TITLES["attention"], TITLES["keyphrase"], TITLES["bert"]}
    assert TITLES["resnet"] in waiting and len(waiting) == 3
    assert page.counts == library_pages.LibraryCounts(all=6, unread=6, unmatched=3)
    assert tags["Computer Science - Machine Learning"] == 1 and tags["games"] == 1
    again = _import(catalogue, ada, SAMPLES[format_name], tag="zotero")
    assert again.already == 6 and again.unmatched == 0 and sum(again.matched.values()) == 0
    with catalogue.connect() as connection:
        assert library_pages.counts(connection, ada).all == 6  # nothing duplicated
        assert {t.tag: t.count for t in library_pages.tag_counts(connection, ada)}["zotero"] == 6


@pytest.mark.parametrize("source", sorted(SAMPLES))
def test_round_trip_keeps_every_items_title_authors_year_and_doi(
    catalogue: Store, source: str
) -> None:
    original = (LIBRARY / SAMPLES[source]).read_bytes()
    expected = kept(source, original)
    assert len(expected) == 6
    ada = user(catalogue, "ada@example.org")
    _import(catalogue, ada, SAMPLES[source])
    for target in ("bibtex", "ris", "csl-json"):
        with catalogue.connect() as connection:
            text = library_export(connection, ada, target)
        assert kept(target, text.encode()) == expected, (source, target)


def test_exports_are_read_by_independent_readers(catalogue: Store) -> None:
    ada = user(catalogue, "ada@example.org")
    _import(catalogue, ada, "zotero.bib")
    with catalogue.connect() as connection:
        bib = library_export(connection, ada, "bibtex")
        csl = library_export(connection, ada, "csl-json")
    parsed = bibtexparser.parse_string(bib)
    assert parsed.failed_blocks == [] and len(parsed.entries) == 6
    assert len({entry.key for entry in parsed.entries}) == 6
    source = CiteProcJSON(json.loads(csl))
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, citeproc_formatter.plain)
    for item in json.loads(csl):
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = "\n".join(str(entry) for entry in bibliography.bibliography())
    assert len(bibliography.bibliography()) == 6
    assert "Vaswani, A. et al. (2017) “Attention Is All You Need”" in rendered
    assert "Müller, J. and Öztürk, Ç. (2018) “Über die Verarbeitung" in rendered
    assert "https://doi.org/10.1038/nature16961" in rendered


def test_unreadable_items_are_reported_with_their_position(catalogue: Store) -> None:
    ada = user(catalogue, "ada@example.org")
    ris = _import(catalogue, ada, str(LIBRARY.parent / "ris" / "malformed.ris"))
    assert ris.unreadable == 5 and ris.unmatched == 1
    assert [p.position for p in ris.problems] == [
        "line 1",
        "record 1 (line 3)",
        "record 2 (line 8)",
        "record 3 (line 12)",
        "record 5 (line 24)",
    ]
    csl = _import(catalogue, ada, str(LIBRARY.parent / "csl-json" / "malformed.json"))
    assert csl.unreadable == 5 and csl.already == 1  # the good item, the same DOI as RIS's
    assert csl.problems[1].field == "title" and csl.problems[1].reason == "missing title"
    with pytest.raises(QueryError, match=r"is in the aan-[a-z]+ format"):
        _import(catalogue, ada, str(LIBRARY.parent / "aan" / "acl-metadata-sample.txt"))


def test_hostile_fields_are_cleaned_and_bounded(catalogue: Store) -> None:
    ada = user(catalogue, "ada@example.org")
    title = "Nul\x00 and \x07bell <script>alert(1)</script> " + "x" * 5000
    data = json.dumps(
        [
            {
                "type": "article",
                "title": title,
                "DOI": "10.1/" + "y" * 600,
                "author": [{"family": "A\x00B"}],
            }
        ]
    ).encode()
    with catalogue.transaction() as connection:
        report = import_library(connection, ada, io.BytesIO(data), "x.json", utcnow())
    assert report.unmatched == 1
    with catalogue.connect() as connection:
        [entry] = library_pages.entries(connection, ada)
    assert isinstance(entry, library.UnmatchedItem)
    assert "\x00" not in entry.record.title and len(entry.record.title) == 1000
    assert entry.record.title.startswith("Nul and bell <script>")
    assert entry.record.authors == ("A B",) and entry.record.doi is None  # too long to be one


def test_a_later_ingest_matches_what_an_import_kept(catalogue: Store, tmp_path: object) -> None:
    ada = user(catalogue, "ada@example.org")
    _import(catalogue, ada, "zotero.ris")
    with catalogue.transaction() as connection:
        [resnet] = [
            e
            for e in library_pages.entries(connection, ada)
            if isinstance(e, library.UnmatchedItem) and e.record.title == TITLES["resnet"]
        ]
        library.set_note(connection, ada, resnet.ref, "Read section 3 again.")
        library.set_read(connection, ada, resnet.ref, True, utcnow())
    settings = Settings(_env_file=None, data_dir=tmp_path, embedding_model="hashing")  # type: ignore[call-arg]
    result = run_stage(catalogue, settings, "ingest", RunOptions(paths=(LIBRARY / "later.bib",)))
    assert "library items matched 1" in result.summary
    with catalogue.connect() as connection:
        [moved] = [
            e
            for e in library_pages.entries(connection, ada)
            if isinstance(e, library.LibraryItem) and e.work.title == TITLES["resnet"]
        ]
        assert moved.note == "Read section 3 again." and moved.read
        assert moved.tags == ("vision",) and moved.imported is not None
        assert library_pages.counts(connection, ada).unmatched == 2
        assert connection.execute(select(func.count()).select_from(library_unmatched)).scalar() == 2


def test_notes_read_state_tags_search_and_isolation(catalogue: Store) -> None:
    ada, bob = user(catalogue, "ada@example.org"), user(catalogue, "bob@example.org")
    _import(catalogue, ada, "zotero.json")
    with catalogue.transaction() as connection:
        entries = {e.ref: e for e in library_pages.entries(connection, ada)}
        bert = next(r for r, e in entries.items() if r.kind == "work" and "BERT" in e.work.title)  # type: ignore[union-attr]
        go = next(r for r, e in entries.items() if r.kind == "unmatched" and "Go" in e.record.title)  # type: ignore[union-attr]
        library.set_note(connection, ada, bert, "Masked LM <b>pretraining</b>; compare with GPT.")
        library.set_read(connection, ada, bert, True, utcnow())
        library.set_tags(connection, ada, go, ["rl", "to read"])
        for ref in (bert, go):
            for change in (
                lambda c, r=ref: library.set_note(c, bob, r, "mine now"),
                lambda c, r=ref: library.set_read(c, bob, r, True, utcnow()),
                lambda c, r=ref: library.set_tags(c, bob, r, ["stolen"]),
            ):
                with pytest.raises(NotFoundError):
                    change(connection)
            library.remove_item(connection, bob, ref)  # removes nothing of Ada's
    with catalogue.connect() as connection:

        def titles(**wanted: object) -> list[str]:
            page = library_pages.library_page(
                connection, ada, library_pages.LibraryFilter(**wanted)
            )  # type: ignore[arg-type]
            return sorted(
                e.work.title if isinstance(e, library.LibraryItem) else e.record.title
                for e in page.entries
            )

        assert titles(text="GPT") == [TITLES["bert"]]  # the note
        assert titles(text="devlin") == [TITLES["bert"]]  # an author
        assert titles(text="silver go") == [
            "Mastering the game of Go with deep neural networks and tree search"
        ]
        assert titles(text='"to read"') == titles(tag="to read") == titles(tag="rl")
        assert titles(text="transduction") == [TITLES["attention"]]  # the abstract
        assert TITLES["bert"] not in titles(state="unread") and len(titles(state="unread")) == 5
        assert titles(state="read") == [TITLES["bert"]]
        assert len(titles(state="unmatched")) == 3
        assert titles(text="zzzz") == []
        assert library_pages.entries(connection, bob) == []
        assert library_pages.counts(connection, ada).all == 6
        assert connection.execute(select(func.count()).select_from(library_items)).scalar() == 3
    with pytest.raises(QueryError):
        library_pages.check_filter(None, "x" * 300, "all", 1)
    with pytest.raises(QueryError):
        library_pages.check_filter(None, None, "everything", 1)
    with pytest.raises(QueryError):
        library.clean_note("x" * (library.MAX_NOTE_CHARS + 1))


def test_an_export_written_page_by_page_is_the_export_in_one_page(catalogue: Store) -> None:
    ingest_paths(catalogue, [LIBRARY.parent / "bibtex" / "sample.bib"])
    refresh_keyword_index(catalogue)
    for name in ("bibtex", "ris", "csl-json", "jsonl"):
        whole, paged = io.StringIO(), io.StringIO()
        count = export_works(catalogue, Selection(), FORMATS[name], whole)
        assert export_works(catalogue, Selection(), FORMATS[name], paged, size=2) == count == 9
        assert paged.getvalue() == whole.getvalue(), name
        if name != "jsonl":
            assert len(kept(name, whole.getvalue().encode())) == 9
    query = io.StringIO()
    assert export_works(catalogue, Selection(query="keyphrase"), FORMATS["ris"], query, size=1) == 1
    author = io.StringIO()
    export_works(catalogue, Selection(author="vaswani"), FORMATS["jsonl"], author, size=1)
    [row] = [json.loads(line) for line in author.getvalue().splitlines()]
    assert row["identifiers"] == {"arxiv": "1706.03762"} and row["categories"] == ["cs.CL"]


def test_a_file_in_another_encoding_is_read_as_ingest_reads_it(catalogue: Store) -> None:
    """A UTF-16 RIS (EndNote on Windows) and a cp1252 BibTeX: read through the shared
    reader, the items kept with their accents, and the report says how they were decoded."""
    ada = user(catalogue, "ada@example.org")
    ris = (
        "TY  - JOUR\r\nTI  - Über naïve “quotes”\r\nAU  - Müller, Jörg\r\nPY  - 2019\r\nER  - \r\n"
    )
    bib = "@article{k, title = {Café résumé – ‘quoted’}, author = {Françoise, René}, year = 2020}\n"
    titles = []
    for name, data, note in (
        ("endnote.ris", ris.encode("utf-16"), "UTF-16"),
        ("old.bib", bib.encode("cp1252"), "cp1252"),
    ):
        with catalogue.transaction() as connection:
            report = import_library(connection, ada, io.BytesIO(data), name, utcnow())
        assert report.unmatched == 1 and report.unreadable == 0, report
        assert report.encoding is not None and note in report.encoding
        assert note in report.summary
    with catalogue.connect() as connection:
        titles = sorted(e.record.title for e in library_pages.entries(connection, ada))  # type: ignore[union-attr]
    assert titles == ["Café résumé – ‘quoted’", "Über naïve “quotes”"]


_PIECES = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\n",
    b"ER  - \n",
    b"TY  - JOUR\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b"@article{",
    b"\\u0000",
    b"\\ud800",
    b"PY  - 99999999999\n",
    b'"issued": {"date-parts": [[99999999999]]}',
    b"year = {99999999999},",
    b"x" * 3000,
]


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_mangled_library_file_is_reported_never_raised(
    catalogue: Store, data: st.DataObject
) -> None:
    """Any bytes made from the Zotero samples: the import reports what it could not read, or
    refuses a file it does not recognise (QueryError, a 400 on the web); nothing else escapes,
    and the database takes every item it keeps (both databases)."""
    name = data.draw(st.sampled_from(sorted(SAMPLES.values())))
    payload = bytearray((LIBRARY / name).read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(payload)))
        if data.draw(st.booleans()):
            payload[at:at] = data.draw(st.sampled_from(_PIECES))
        else:
            del payload[at : at + data.draw(st.integers(1, 300))]
    ada = user(catalogue, "ada@example.org")
    try:
        with catalogue.transaction() as connection:
            report = import_library(connection, ada, io.BytesIO(bytes(payload)), name, utcnow())
    except QueryError:
        return
    assert report.read + report.unreadable >= 1 or not payload.strip()

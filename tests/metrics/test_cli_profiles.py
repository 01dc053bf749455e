"""`paperscope author`, `paperscope score` and `paperscope pages` from the command line (SQLite)."""

from __future__ import annotations

import json
from datetime import date

from metrics_helpers import METRICS_DATA, header_numbers, ingest, page_entries
from sqlalchemy import insert, update
from typer.testing import CliRunner

from paperscope.cli import app
from paperscope.cli.profile_text import CONFIDENCE_LABEL, NOTE_LABEL, SECTION_MARK
from paperscope.store import Store
from paperscope.store.schema import authorships, people, works

runner = CliRunner()
PAGE = METRICS_DATA / "profile-jun-park.txt"
TODAY = date.today()


def test_author_prints_the_page_layout_and_json(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    ingest(store, PAGE)
    store.close()
    scored = runner.invoke(app, ["score", "-d", sqlite_url])
    assert scored.exit_code == 0, scored.output
    assert "score (full" in scored.output

    text = runner.invoke(app, ["author", "Jun Park", "-d", sqlite_url, "--today", str(TODAY)])
    assert text.exit_code == 0, text.output
    assert text.output.startswith("Jun Park\n\nCV\nh-index0\n4papers\n0citations\n")
    assert page_entries(text.output, TODAY) == page_entries(PAGE.read_text("utf-8"), TODAY)

    data = json.loads(
        runner.invoke(app, ["author", "Jun Park", "--format", "json", "-d", sqlite_url]).output
    )
    assert data["papers"] == 4 and data["provisional"] is True
    assert data["identity_confidence"] is None and data["identity_note"] is None
    assert CONFIDENCE_LABEL not in text.output and NOTE_LABEL not in text.output
    assert data["works"][0]["title"] == "Video Diffusion with Sparse Keyframes"
    assert data["works"][0]["code_urls"] == ["https://gitlab.com/jpark/sparse-keyframes"]
    assert "h-index" in data["explanations"]


def test_namesakes_are_listed_then_profiled_one_by_one(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    ingest(store, PAGE)
    with store.transaction() as connection:
        person = connection.execute(
            insert(people).values(canonical_name="Jun Park")
        ).inserted_primary_key[0]
        robotics = works.c.title.like("Tactile%")
        ids = [
            row[0]
            for row in connection.execute(
                works.select().where(robotics).with_only_columns(works.c.id)
            )
        ]
        connection.execute(
            update(authorships)
            .where(authorships.c.work_id.in_(ids))
            .where(authorships.c.name_key == "jun park")
            .values(person_id=person)
        )
    store.close()
    result = runner.invoke(app, ["author", "Jun Park", "-d", sqlite_url, "--today", str(TODAY)])
    assert result.exit_code == 0, result.output
    intro, *sections = result.output.split("\n" + SECTION_MARK)
    assert intro.startswith("'Jun Park' matches 2 people")
    assert f"person {person}" in intro and "provisional" in intro and "Eliza Grant" in intro
    entries: dict[str, object] = {}
    for section in sections:
        body = section.split("\n", 1)[1].lstrip("\n")
        entries.update(page_entries(body, TODAY))
    assert entries == page_entries(PAGE.read_text("utf-8"), TODAY)
    one = runner.invoke(app, ["author", str(person), "-d", sqlite_url])
    assert one.exit_code == 0 and "1papers" in one.output


# A note that reads, line by line, like a paper's meta line and a header metric: printed on
# one labelled line, none of it may reach the parser as an entry or a number.
NOTE = (
    "2 people print this name; this one: 4 works 2022–2026 with Eliza Grant.\nJan 9\n"
    "99papers\nKept apart from Jun Park, 3 works 2015–2017 (strongest same-person link "
    "0.161 < threshold 0.97; 0 shared co-authors)."
)


def _resolved_jun_park(url: str) -> int:
    store = Store.open(url)
    ingest(store, PAGE)
    with store.transaction() as connection:
        person = connection.execute(
            insert(people).values(canonical_name="Jun Park", confidence=0.8734, note=NOTE)
        ).inserted_primary_key[0]
        connection.execute(
            update(authorships).where(authorships.c.name_key == "jun park").values(person_id=person)
        )
    store.close()
    return int(person)


def test_author_says_how_sure_and_why_in_text_and_json(sqlite_url: str) -> None:
    person = _resolved_jun_park(sqlite_url)
    text = runner.invoke(app, ["author", str(person), "-d", sqlite_url, "--today", str(TODAY)])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    confidence = next(line for line in lines if line.startswith(CONFIDENCE_LABEL))
    assert confidence.startswith(f"{CONFIDENCE_LABEL}0.87. How sure paperscope is")
    note = next(line for line in lines if line.startswith(NOTE_LABEL))
    assert note == NOTE_LABEL + " ".join(NOTE.split())
    # In the header, after the metrics and before the paper list.
    assert lines.index("AI Score-") < lines.index(confidence) < lines.index("4 Papers")
    assert page_entries(text.output, TODAY) == page_entries(PAGE.read_text("utf-8"), TODAY)
    assert header_numbers(text.output, TODAY) == {"h_index": 0, "papers": 4, "citations": 0}

    data = json.loads(
        runner.invoke(app, ["author", str(person), "--format", "json", "-d", sqlite_url]).output
    )
    assert data["provisional"] is False
    assert data["identity_confidence"] == 0.8734 and data["identity_note"] == NOTE


def test_author_errors_are_clear(sqlite_url: str) -> None:
    missing = runner.invoke(app, ["author", "Nobody Here", "-d", sqlite_url])
    assert missing.exit_code != 0
    bad = runner.invoke(app, ["author", "Nobody", "--sort", "random", "-d", sqlite_url])
    assert bad.exit_code != 0


def test_pages_stores_the_author_pages_the_site_then_reads(sqlite_url: str) -> None:
    from paperscope.metrics.author_pages import author_page

    store = Store.open(sqlite_url)
    ingest(store, PAGE)
    store.close()
    assert runner.invoke(app, ["score", "-d", sqlite_url]).exit_code == 0
    done = runner.invoke(app, ["pages", "--min-works", "3", "-d", sqlite_url])
    assert done.exit_code == 0, done.output
    assert "1 name pages, 1 person pages stored" in done.output, done.output
    store = Store.open(sqlite_url)
    with store.connect() as connection:
        page = author_page(connection, name="Jun Park", complete=False)
        assert page.stored_on == date.today()
        assert page.profile.header.papers >= 3
    store.close()
    refused = runner.invoke(app, ["pages", "--min-works", "0", "-d", sqlite_url])
    assert refused.exit_code != 0

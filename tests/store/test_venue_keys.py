"""`works.venue_key`: the rules (store/venues.py), migration 0008 filling it for stored works,
and ingest keeping it in step with the venue."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select, text

from paperscope.sources.synthetic import SYNTHETIC_FORMAT
from paperscope.store import Store
from paperscope.store.database import MIGRATIONS_DIR
from paperscope.store.schema import works
from paperscope.store.venues import venue_key
from stages import ingest

CHI = "chi conference on human factors in computing systems"


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("Proceedings of the 2019 CHI Conference on Human Factors in Computing Systems", CHI),
        ("Proceedings of the 2020 CHI Conference on Human Factors in Computing Systems", CHI),
        (
            "CHI '13 Extended Abstracts on Human Factors in Computing Systems",
            "chi extended abstracts on human factors in computing systems",
        ),
        ("ICPR (3)", "icpr"),
        ("ICPR (II)", "icpr"),
        ("ACL 2019", "acl"),
        ("ACL (Volume 1: Long Papers)", "acl"),
        ("SemEval-2007", "semeval"),
        (
            "In Proceedings of the Third International Joint Conference on NLP",
            "international joint conference on nlp",
        ),
        (
            "Proceedings of the 26th ACM SIGKDD Conference on Knowledge Discovery & Data Mining",
            "acm sigkdd conference on knowledge discovery and data mining",
        ),
        ("  Café   Conférence  2020 ", "cafe conference"),
        ("J. Am. Soc. Inf. Sci. Technol.", "j am soc inf sci technol"),
        ("Lecture Notes vol. 3", "lecture notes"),
        ("Workshop II", "workshop ii"),
        ("2019", "2019"),  # nothing but an edition: the folded text stays
        ("(3)", "3"),
        ("<script>alert('v')</script> Workshop & Co 2020", "script alert v script workshop and co"),
    ],
)
def test_venue_key_folds_editions_and_volumes(printed: str, key: str) -> None:
    assert venue_key(printed) == key
    assert venue_key(key) == key  # idempotent: a page addressed by its key finds the same works


def test_no_venue_has_no_key() -> None:
    assert venue_key(None) is None
    assert venue_key("   ") is None
    assert venue_key("x" * 10_000) == "x" * 500  # long text is cut before it is keyed


def test_venue_keys_of_the_aan_venues_are_idempotent(shared_dir: Path) -> None:
    metadata = (shared_dir / "data" / "aan" / "acl-metadata.txt").read_text(errors="replace")
    venues = set(re.findall(r"^venue = \{(.*)\}$", metadata, re.M))
    keys = {venue_key(v) for v in venues}
    assert len(venues) > 400 and None not in keys
    assert all(venue_key(k) == k for k in keys if k)
    assert len(keys) < len(venues)  # years and ordinals of one venue fold together


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    return config


def test_migration_0008_fills_the_keys_of_stored_works(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        config = _config(database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0006_name_key_bytewise")
        connection.execute(
            text("INSERT INTO works (title, title_key, venue) VALUES (:t, :k, :v)"),
            [
                {
                    "t": "A",
                    "k": "a",
                    "v": "Proceedings of the 2019 CHI Conference on Human "
                    "Factors in Computing Systems",
                },
                {"t": "B", "k": "b", "v": "ICPR (3)"},
                {"t": "C", "k": "c", "v": None},
            ],
        )
    engine.dispose()
    store = Store.open(database_url)  # migrates to the newest revision
    with store.connect() as connection:
        keys = dict(connection.execute(select(works.c.title, works.c.venue_key)).all())
    store.close()
    assert keys == {"A": CHI, "B": "icpr", "C": None}


def _record(key: str, venue: str | None, title: str = "A widget") -> str:
    return json.dumps(
        {
            "id": f"synthetic-{key}",
            "title": title,
            "abstract": "About widgets.",
            "authors": ["Ada Lovelace"],
            "published": "2020-01-02",
            "featured": None,
            "categories": ["cs.LG"],
            "upvotes": 0,
            "code": None,
            "references": [],
            "venue": venue,
        }
    )


def test_ingest_keeps_the_key_in_step_with_the_venue(store: Store, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text(_record("w1", "ACL 2019") + "\n" + _record("w2", None, "Other") + "\n")
    ingest(store, first, format_name=SYNTHETIC_FORMAT.name)
    corrected = tmp_path / "corrected.jsonl"  # the source corrects itself: its venue changes
    corrected.write_text(
        _record("w1", "EMNLP (2)") + "\n" + _record("w2", "ICPR 2016", "Other") + "\n"
    )
    with store.connect() as connection:
        before = dict(connection.execute(select(works.c.title, works.c.venue_key)).all())
    ingest(store, corrected, format_name=SYNTHETIC_FORMAT.name)
    with store.connect() as connection:
        after = dict(connection.execute(select(works.c.title, works.c.venue_key)).all())
        rows = connection.execute(select(works.c.venue, works.c.venue_key)).all()
    assert before == {"A widget": "acl", "Other": None}
    assert after == {"A widget": "emnlp", "Other": "icpr"}
    assert all(venue_key(venue) == key for venue, key in rows)

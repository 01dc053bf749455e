"""The reference profile page that merges three people: after ingest + resolve, the
image-restoration works and the TinyML works are different people, each with a note."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from paperscope.identity.manage import people_named, person_details
from paperscope.identity.resolve import resolve_people
from paperscope.ingest import ingest_paths
from paperscope.store import Store
from paperscope.store.schema import authorships, works

pytestmark = pytest.mark.shared

RESTORATION = {"CT-SRCNN", "DN-ResNet", "Deep Robust Single Image", "TW-SMNet"}
TINYML = {"TinyOL", "TinyReptile", "TinyMetaFed", "How to Manage Tiny", "The Synergy of"}
VISION_LANGUAGE = {"Not All Tokens", "Reinforcement Learning with Robust", "Visual Preference"}


def _short(title: str, prefixes: set[str]) -> str | None:
    return next((p for p in prefixes if title.startswith(p)), None)


def test_haoyu_ren_is_not_one_undifferentiated_person(shared_dir: Path, sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    ingest_paths(store, [shared_dir / "fixtures/pages/author-profile-haoyu-ren.txt"])
    with store.transaction() as connection:
        resolve_people(connection)
    with store.connect() as connection:
        ids = people_named(connection, "Haoyu Ren")
        details = {pid: person_details(connection, pid) for pid in ids}
        vision_people = connection.execute(
            select(authorships.c.person_id, works.c.title)
            .join(works, works.c.id == authorships.c.work_id)
            .where(authorships.c.name_key == "haoyu ren")
        ).all()
    store.close()

    def person_of(prefixes: set[str]) -> set[int]:
        return {pid for pid, d in details.items() for w in d.works if _short(w.title, prefixes)}

    restoration, tinyml = person_of(RESTORATION), person_of(TINYML)
    assert len(restoration) == 1, "the four image-restoration works are one person"
    assert restoration.isdisjoint(tinyml), "restoration and TinyML are different people"
    assert len(ids) >= 2
    for pid in restoration | tinyml:
        note = details[pid].note or ""
        assert "people print this name" in note and "Kept apart from Haoyu Ren" in note
    # The vision-language works do not print the name (et al.): nobody of that name gets them.
    assert not any(_short(title, VISION_LANGUAGE) for _, title in vision_people)

"""The venue, category and author-page tests' corpus: tests/data/web/explore.jsonl (one venue
printed four ways, a rising term, cross-listed categories, hostile text) with two resolved
people (Ada Lovelace, Grace Hopper); the other authors stay provisional."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update

from paperscope.config import Settings
from paperscope.sources.synthetic import SYNTHETIC_FORMAT
from paperscope.store import Store
from paperscope.store.schema import authorships, people, work_ids
from stages import ingest

CORPUS = Path(__file__).parent.parent / "data" / "web" / "explore.jsonl"
VENUE = "Proceedings of the 2019 Conference on Tiny Widgets"
HOSTILE_VENUE = "<script>alert('v')</script> Workshop & Co 2020"
HOSTILE_TITLE = "<script>alert('t')</script> Graph Transformer & <b>bold</b>"
HOSTILE_COAUTHOR = "Mallory <img src=x onerror=alert(1)> & Co"


@dataclass(frozen=True, slots=True)
class ExploreCorpus:
    store: Store
    settings: Settings
    work: dict[str, int]
    """Work id of each record (`e1` ... `e20`)."""
    ada: int
    grace: int


def _person(store: Store, name: str) -> int:
    with store.transaction() as connection:
        created = connection.execute(
            insert(people).values(canonical_name=name, confidence=1.0)
        ).inserted_primary_key
        assert created is not None
        person = int(created[0])
        connection.execute(
            update(authorships).where(authorships.c.name == name).values(person_id=person)
        )
    return person


def build_explore(url: str, data_dir: Path) -> ExploreCorpus:
    from paperscope.embeddings.encoders import get_encoder
    from paperscope.embeddings.vectors import embed_works
    from paperscope.metrics.scoring import run_score

    store = Store.open(url)
    ingest(store, CORPUS, format_name=SYNTHETIC_FORMAT.name)
    with store.connect() as connection:
        rows = connection.execute(
            select(work_ids.c.value, work_ids.c.work_id).where(work_ids.c.scheme == "listing")
        )
        work = {value.rsplit("-", 1)[-1]: work_id for value, work_id in rows}
    ada, grace = _person(store, "Ada Lovelace"), _person(store, "Grace Hopper")
    settings = Settings(data_dir=data_dir, embedding_model="hashing", database_url=url)
    embed_works(store, get_encoder("hashing", data_dir))
    with store.transaction() as connection:
        run_score(connection, full=True, embedding_model="hashing")
    return ExploreCorpus(store, settings, work, ada, grace)

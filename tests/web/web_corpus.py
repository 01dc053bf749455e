"""The web tests' corpus: tests/data/web/corpus.jsonl ingested, two people of one name (with
the confidence and note `resolve` stores; the namesake's note is hostile), embeddings
(hashing encoder) and scores."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update

from paperscope.config import Settings
from paperscope.sources.synthetic import SYNTHETIC_FORMAT
from paperscope.store import Store
from paperscope.store.schema import authorships, people, work_ids
from stages import ingest

CORPUS = Path(__file__).parent.parent / "data" / "web" / "corpus.jsonl"
HAOYU_CONFIDENCE = 0.873
HAOYU_NOTE = (
    "Other people print this name; this one: 2021–2024 with Darko Anicic. Kept apart "
    "from Haoyu Ren, 2022 (strongest same-person link 0.161 < threshold 0.97; "
    "0 shared co-authors)."
)
HOSTILE_NOTE = (
    "Kept apart from Haoyu <script>alert('note')</script> Ren & <b>co</b>, 2021–2024 with A & B."
)


@dataclass(frozen=True, slots=True)
class WebCorpus:
    store: Store
    settings: Settings
    work: dict[str, int]
    """Work id of each record key (`synthetic-day-1` ...)."""
    haoyu: int
    """The TinyML Haoyu Ren (person id)."""
    namesake: int
    """The image-restoration Haoyu Ren (person id)."""


def _assign_people(store: Store, work: dict[str, int]) -> tuple[int, int]:
    """What `resolve` would do for the two Haoyu Rens: two people, one name."""
    theirs = [work["synthetic-other-1"]]
    with store.transaction() as connection:
        first = connection.execute(
            insert(people).values(
                canonical_name="Haoyu Ren", confidence=HAOYU_CONFIDENCE, note=HAOYU_NOTE
            )
        ).inserted_primary_key
        second = connection.execute(
            insert(people).values(canonical_name="Haoyu Ren", confidence=1.0, note=HOSTILE_NOTE)
        ).inserted_primary_key
        assert first is not None and second is not None
        mine, other = int(first[0]), int(second[0])
        named = authorships.c.name == "Haoyu Ren"
        connection.execute(
            update(authorships)
            .where(named, authorships.c.work_id.in_(theirs))
            .values(person_id=other)
        )
        connection.execute(
            update(authorships)
            .where(named, authorships.c.work_id.not_in(theirs))
            .values(person_id=mine)
        )
    return mine, other


def build_corpus(url: str, data_dir: Path) -> WebCorpus:
    from paperscope.embeddings.encoders import get_encoder
    from paperscope.embeddings.vectors import embed_works
    from paperscope.metrics.scoring import run_score

    store = Store.open(url)
    ingest(store, CORPUS, format_name=SYNTHETIC_FORMAT.name)
    with store.transaction() as connection:
        rows = connection.execute(
            select(work_ids.c.value, work_ids.c.work_id).where(work_ids.c.scheme == "listing")
        )
        work = {value: work_id for value, work_id in rows}
    haoyu, namesake = _assign_people(store, work)
    settings = Settings(data_dir=data_dir, embedding_model="hashing", database_url=url)
    embed_works(store, get_encoder("hashing", data_dir))
    with store.transaction() as connection:
        run_score(connection, full=True, embedding_model="hashing")
    return WebCorpus(store, settings, work, haoyu, namesake)

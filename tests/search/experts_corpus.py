"""The expert-finding tests' corpus: tests/data/experts/corpus.jsonl ingested (works on
graph neural networks for molecules, image restoration and speech, with affiliations and
citations), two resolved people printing "Wei Zhang" (the molecule one and the image one),
Alice Smith resolved, everyone else provisional (not resolved yet), hashing embeddings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update

from paperscope.config import Settings
from paperscope.sources.synthetic import SYNTHETIC_FORMAT
from paperscope.store import Store
from paperscope.store.schema import authorships, people, work_ids
from stages import ingest

CORPUS = Path(__file__).parent.parent / "data" / "experts" / "corpus.jsonl"
TOPIC = "graph neural networks for molecules"


@dataclass(frozen=True, slots=True)
class ExpertsCorpus:
    store: Store
    settings: Settings
    work: dict[str, int]
    """Work id of each record key (`gnn-1` ...)."""
    alice: int
    molecule_wei: int
    image_wei: int


def _person(store: Store, name: str, work_ids_: list[int]) -> int:
    with store.transaction() as connection:
        key = connection.execute(insert(people).values(canonical_name=name)).inserted_primary_key
        assert key is not None
        connection.execute(
            update(authorships)
            .where(authorships.c.name == name, authorships.c.work_id.in_(work_ids_))
            .values(person_id=int(key[0]))
        )
    return int(key[0])


def build_experts_corpus(url: str, data_dir: Path, embed: bool = True) -> ExpertsCorpus:
    from paperscope.embeddings.encoders import get_encoder
    from paperscope.embeddings.vectors import embed_works

    store = Store.open(url)
    ingest(store, CORPUS, format_name=SYNTHETIC_FORMAT.name)
    with store.connect() as connection:
        rows = connection.execute(
            select(work_ids.c.value, work_ids.c.work_id).where(work_ids.c.scheme == "listing")
        )
        work = {value: work_id for value, work_id in rows}
    alice = _person(store, "Alice Smith", [work["gnn-1"], work["gnn-2"], work["gnn-3"]])
    molecule_wei = _person(store, "Wei Zhang", [work["gnn-1"]])
    image_wei = _person(store, "Wei Zhang", [work["img-1"], work["img-2"]])
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data_dir, embedding_model="hashing", database_url=url
    )
    if embed:
        embed_works(store, get_encoder("hashing", data_dir))
    return ExpertsCorpus(store, settings, work, alice, molecule_wei, image_wei)

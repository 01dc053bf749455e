"""The two Jane Does (tests/data/identity/two-jane-does.jsonl), ingested and resolved: helpers
of the claims tests (accounts and web) and the resolve tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from paperscope.config import Settings
from paperscope.pipeline.runner import run_stages
from paperscope.pipeline.stages import Run, RunOptions
from paperscope.store import Store
from paperscope.store.schema import authorships, work_ids

JANES = Path(__file__).parent / "data" / "identity" / "two-jane-does.jsonl"
FOLDING = {"1501.00001", "1602.00002", "1703.00003"}


def pipeline(store: Store, settings: Settings, *stages: str, full: bool = False) -> None:
    """Run stages over the Jane Does through the one runner (what the CLI and cron run)."""
    quiet = settings.model_copy(update={"identity_topics": "none"})
    run_stages(Run(store, quiet, RunOptions(paths=(JANES,), full=full)), list(stages))


def janes(store: Store) -> dict[int, set[str]]:
    """Person id -> arXiv ids of the works where Jane Doe (or J. Doe) is that person."""
    with store.connect() as connection:
        rows = connection.execute(
            select(authorships.c.person_id, work_ids.c.value)
            .join(work_ids, work_ids.c.work_id == authorships.c.work_id)
            .where(authorships.c.name.in_(["Jane Doe", "J. Doe"]), work_ids.c.scheme == "arxiv")
        ).all()
    out: dict[int, set[str]] = {}
    for person, arxiv in rows:
        out.setdefault(person, set()).add(arxiv)
    return out


def person_with(store: Store, works: set[str]) -> int:
    return next(p for p, w in janes(store).items() if w == works)


def work_row(store: Store, arxiv: str) -> int:
    with store.connect() as connection:
        return int(
            connection.execute(
                select(work_ids.c.work_id).where(
                    work_ids.c.scheme == "arxiv", work_ids.c.value == arxiv
                )
            ).scalar_one()
        )

"""Shared by the search tests (imported by name: ``from conftest import`` would pick up
whichever test folder's conftest module was imported first)."""

from __future__ import annotations

from pathlib import Path

from paperscope.store import Store

SAMPLE = Path(__file__).parent.parent / "data" / "search" / "arxiv-sample.jsonl"


def title_id(store: Store, title_start: str) -> int:
    from sqlalchemy import select

    from paperscope.store.schema import works

    with store.connect() as connection:
        query = select(works.c.id).where(works.c.title.like(f"{title_start}%"))
        return int(connection.execute(query).scalar_one())

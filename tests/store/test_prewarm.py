"""Reading the database ahead as the server starts: the site's tables and indexes (not the
pipeline's), within the memory budget; on PostgreSQL through pg_prewarm, and a clear
reason when the user may not create it."""

from __future__ import annotations

import os

from sqlalchemy import text
from sqlalchemy.engine import make_url

from paperscope.store import Store
from paperscope.store.prewarm import NOT_SERVED, memory_budget, prewarm


def test_the_sites_tables_and_indexes_are_read_ahead(store: Store) -> None:
    done = prewarm(store, 10**12)
    assert done.not_done is None and done.relations == len(done.names) > 0
    if store.dialect == "postgresql":
        names = set(done.names)
        assert {"works", "authorships", "people", "uq_authorships_work_position"} <= names
        assert not names & NOT_SERVED
        assert any(name.startswith("pg_toast.") for name in names)  # long values too
    else:
        assert done.names[0].endswith(".db")
        assert done.bytes >= os.path.getsize(str(store.engine.url.database))


def test_nothing_past_the_budget_is_read(store: Store) -> None:
    everything = prewarm(store, 10**12)
    half = prewarm(store, everything.bytes // 2)
    assert half.bytes <= everything.bytes // 2
    if store.dialect == "postgresql":
        assert 0 < half.relations < everything.relations
    else:
        assert half.relations == 0 and half.not_done and "larger" in half.not_done
    nothing = prewarm(store, 0)
    assert nothing.relations == 0 and nothing.not_done


def test_a_user_who_may_not_create_pg_prewarm_is_told_why(store: Store) -> None:
    if store.dialect != "postgresql":
        assert prewarm(store, 10**12).not_done is None  # SQLite needs nothing created
        return
    role = f"reader_{os.getpid()}"
    with store.transaction() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
    url = make_url(str(store.engine.url.render_as_string(hide_password=False)))
    reader = Store.open(url.set(username=role).render_as_string(hide_password=False), migrate=False)
    try:
        done = prewarm(reader, 10**12)
    finally:
        reader.close()
        with store.transaction() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
    assert done.relations == 0 and done.not_done and "pg_prewarm" in done.not_done


def test_the_budget_is_a_share_of_the_memory_available() -> None:
    assert 0 <= memory_budget(0.25) <= memory_budget(0.5)


def test_the_relations_read_most_come_first(store: Store) -> None:
    if store.dialect != "postgresql":
        return  # one file: nothing to order
    with store.connect() as connection:
        for _ in range(30):
            connection.execute(text("SELECT * FROM content_state")).all()
        connection.execute(text("SELECT pg_stat_force_next_flush()"))
        connection.commit()
    done = prewarm(store, 10**12)
    assert done.names[0] == "content_state"

"""`paperscope follow add|remove|list` and `paperscope home` on SQLite and PostgreSQL: the
same follows and feed as /api/following and /api/home, errors as exit codes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from corpus import add_person, add_work
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from paperscope.accounts.clock import utcnow
from paperscope.accounts.users import start_session, user_for_email
from paperscope.cli import app
from paperscope.config import Settings
from paperscope.errors import PaperscopeError
from paperscope.store import Store
from paperscope.web.app import create_app
from paperscope.web.sessions import SESSION_COOKIE

runner = CliRunner()


def _run(database_url: str, *args: str) -> tuple[int, str]:
    """Exit code and output; a PaperscopeError as `main` reports it (its code, its text)."""
    result = runner.invoke(app, [*args, "-d", database_url])
    if isinstance(result.exception, PaperscopeError):
        return result.exception.exit_code, str(result.exception)
    return result.exit_code, result.output


def _signed_in(settings: Settings, store: Store, email: str) -> TestClient:
    with store.transaction() as connection:
        user = user_for_email(connection, email, utcnow(), verified=True)
        session = start_session(connection, user.id, utcnow())
    client = TestClient(create_app(settings, store))
    client.cookies.set(SESSION_COOKIE, session)
    return client


def test_follow_list_home_and_remove_agree_with_the_api(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    grace = add_person(store, "Grace Hopper")
    hers = add_work(store, "Compilers", authors=(("G. Hopper", grace),), published=date(2026, 1, 5))
    parsing = add_work(store, "Parsing", venue="ACL 2019", published=date(2026, 2, 5))
    user = ("--user", "ada@example.org")
    code, out = _run(database_url, "follow", "add", "person", str(grace), *user)
    assert code == 0 and "following the person Grace Hopper" in out, out
    code, out = _run(database_url, "follow", "add", "venue", "ACL 2020", *user, "--format", "json")
    assert code == 0, out
    assert (json.loads(out)["value"], json.loads(out)["label"]) == ("acl", "ACL 2019")
    code, out = _run(database_url, "follow", "add", "category", "cs.XX", *user)
    assert code == 1 and "no work lists the category" in out

    code, out = _run(database_url, "home", *user)
    assert code == 0, out
    assert out.index("Parsing") < out.index("Compilers")
    assert "why: you follow the person Grace Hopper: by Grace Hopper (as “G. Hopper”)" in out
    assert "why: you follow the venue ACL 2019: in ACL 2019" in out

    client = _signed_in(Settings(data_dir=tmp_path), store, "ada@example.org")
    code, out = _run(database_url, "home", *user, "--format", "json")
    assert code == 0 and json.loads(out) == client.get("/api/home").json()
    assert [e["work"]["work_id"] for e in json.loads(out)["entries"]] == [parsing, hers]
    code, out = _run(database_url, "follow", "list", *user, "--format", "json")
    assert code == 0 and json.loads(out) == client.get("/api/following").json()

    code, out = _run(database_url, "follow", "remove", "venue", "Proceedings of ACL", *user)
    assert code == 0 and "no longer following the venue ACL 2019" in out, out
    code, out = _run(database_url, "follow", "list", *user)
    assert code == 0 and out.splitlines()[0] == "1 followed" and "Grace Hopper" in out
    code, out = _run(database_url, "follow", "remove", "venue", "ACL", *user)
    assert code == 1 and "you do not follow" in out
    code, out = _run(database_url, "home", "--user", "nobody@example.org")
    assert code == 1 and "no user" in out
    code, out = _run(database_url, "home", *user, "--page", "0")
    assert code == 2

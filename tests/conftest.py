"""Shared fixtures: sample data, the ../shared folder, and databases."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mailsink import MailServer
from paperscope.config import Settings
from paperscope.store import Store
from pgserver import PgServer, find_pg_bin, start_server

TESTS_DIR = Path(__file__).parent
DATA_DIR = TESTS_DIR / "data"
SHARED_DIR = TESTS_DIR.parent.parent / "shared"


@pytest.fixture(autouse=True)
def _no_title_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands resolve people without MiniLM title embeddings (loading torch for every
    command test would cost minutes); tests/identity/test_topics.py covers that path."""
    monkeypatch.setenv("PAPERSCOPE_IDENTITY_TOPICS", "none")


@pytest.fixture(scope="session", autouse=True)
def _one_identity_model_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test's `resolve` (in this process and the commands it starts) keeps the trained
    identity model in one folder shared by the test workers: trained once a run rather than
    once a test (~12 s each; the claims tests alone resolved in ~20 fixtures).
    tests/identity/test_model.py covers keeping it per data folder."""
    shared = tmp_path_factory.getbasetemp().parent / "identity-models"
    shared.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as session:
        session.setenv("PAPERSCOPE_IDENTITY_MODEL_DIR", str(shared))
        yield


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) on a loopback port, collecting what it receives."""
    with MailServer() as server:
        yield server


@pytest.fixture
def mail_settings(tmp_path: Path, mail_server: MailServer) -> Settings:
    """Settings whose digests and sign-in links go to `mail_server`."""
    return Settings(
        data_dir=tmp_path / "data",
        base_url="http://paperscope.test",
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_security="none",
        mail_from="paperscope <digest@paperscope.test>",
        embedding_model="hashing",
    )


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Small hand-written samples, one folder per format."""
    return DATA_DIR


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The real data beside the project; tests using it skip when it is absent."""
    if not (SHARED_DIR / "data").is_dir():
        pytest.skip(
            "../shared is absent: real-data tests need the shared folder beside the project"
        )
    return SHARED_DIR


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole session (installed by `make test`)."""
    if find_pg_bin() is None:
        message = "PostgreSQL is not installed: `make test` installs it (Debian postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = start_server()
    yield server
    server.stop()


_database_counter = itertools.count()


def _fresh_pg_database(server: PgServer) -> str:
    return server.new_database(f"test_{os.getpid()}_{next(_database_counter)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'paperscope.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Makes fresh, empty database URLs: tests using it run on SQLite and on PostgreSQL."""
    names = itertools.count()
    if request.param == "sqlite":
        return lambda: f"sqlite:///{tmp_path / f'paperscope-{next(names)}.db'}"
    server = request.getfixturevalue("pg_server")
    return lambda: _fresh_pg_database(server)


@pytest.fixture
def database_url(new_database_url: Callable[[], str]) -> str:
    """A fresh, empty database URL (SQLite and PostgreSQL)."""
    return new_database_url()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    yield opened
    opened.close()

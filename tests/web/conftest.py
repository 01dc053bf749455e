"""Fixtures for the web tests: the hand-written corpus in SQLite and PostgreSQL (built once
per worker and backend), a test client of the app over it, and for the account pages a
loopback SMTP server with settings pointing at it."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from explore_corpus import ExploreCorpus, build_explore
from fastapi.testclient import TestClient
from web_corpus import WebCorpus, build_corpus

from paperscope.config import Settings
from paperscope.web.app import create_app

_names = itertools.count()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def web_corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebCorpus]:
    data_dir = tmp_path_factory.mktemp("web")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'web.db'}"
    else:
        server = request.getfixturevalue("pg_server")
        url = server.new_database(f"web_{os.getpid()}_{next(_names)}")
    corpus = build_corpus(url, data_dir)
    yield corpus
    corpus.store.close()


@pytest.fixture(scope="session")
def web_client(web_corpus: WebCorpus) -> Iterator[TestClient]:
    app = create_app(web_corpus.settings, web_corpus.store)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def settings(mail_settings: Settings) -> Settings:
    """The account pages' settings: mail goes to the test SMTP server (tests/conftest.py)."""
    return mail_settings


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def explore_corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ExploreCorpus]:
    """The venue, category and author-page corpus (tests/web/explore_corpus.py)."""
    data_dir = tmp_path_factory.mktemp("explore")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'explore.db'}"
    else:
        server = request.getfixturevalue("pg_server")
        url = server.new_database(f"explore_{os.getpid()}_{next(_names)}")
    corpus = build_explore(url, data_dir)
    yield corpus
    corpus.store.close()


@pytest.fixture(scope="session")
def explore_client(explore_corpus: ExploreCorpus) -> Iterator[TestClient]:
    app = create_app(explore_corpus.settings, explore_corpus.store)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client

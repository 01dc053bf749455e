"""Fixtures of the notify tests: a loopback SMTP server, settings pointing at it, works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mailsink import MailServer

from paperscope.config import Settings


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


@pytest.fixture
def mail_settings(tmp_path: Path, mail_server: MailServer) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        base_url="http://paperscope.test",
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_security="none",
        mail_from="paperscope <digest@paperscope.test>",
        embedding_model="hashing",
    )

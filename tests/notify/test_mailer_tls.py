"""The mailer against real SMTP servers with STARTTLS, implicit TLS (SSL) and AUTH."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailsink import Sink, free_port
from paperscope.config import Settings
from paperscope.notify import mailer
from paperscope.notify.mailer import SendError, send_one
from paperscope.notify.messages import link_message

NOW = datetime(2026, 11, 20, 8, 0)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def trust(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The client trusts the test certificate (as it would trust a real CA)."""
    original = ssl.create_default_context

    def trusting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        return original(cafile=str(certificate[0]))

    monkeypatch.setattr(mailer, "ssl", SimpleNamespace(create_default_context=trusting))


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"digest", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path], trust: None) -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        tls_context=_server_context(certificate),
        require_starttls=True,
        authenticator=_authenticator,
        auth_require_tls=True,
    )
    controller.start()
    yield sink, port
    controller.stop()


def _settings(port: int, security: str, password: str | None) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=security,
        smtp_username="digest" if password else None,
        smtp_password=password,
        mail_from="paperscope <digest@paperscope.test>",
    )


def _message(settings: Settings):  # type: ignore[no-untyped-def]
    return link_message(settings, "ada@example.org", "signin", "http://x/signin?t=1", "", NOW)


def test_starttls_with_auth(starttls_server: tuple[Sink, int]) -> None:
    sink, port = starttls_server
    settings = _settings(port, "starttls", "s3cret")
    send_one(settings, _message(settings))
    assert [str(m["To"]) for m in sink.messages] == ["ada@example.org"]


def test_wrong_password_and_missing_starttls_fail(starttls_server: tuple[Sink, int]) -> None:
    sink, port = starttls_server
    for settings in (_settings(port, "starttls", "wrong"), _settings(port, "none", None)):
        with pytest.raises(SendError):
            send_one(settings, _message(settings))
    assert sink.messages == []


def test_implicit_tls(certificate: tuple[Path, Path], trust: None) -> None:
    sink, port = Sink(), free_port()
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, ssl_context=_server_context(certificate)
    )
    controller.start()
    try:
        settings = _settings(port, "ssl", None)
        send_one(settings, _message(settings))
        assert len(sink.messages) == 1
    finally:
        controller.stop()

"""The secret key, signed one-time tokens and their stored hashes.

The key is `Settings.secret_key`, or a random key created once in `data_dir/secret_key`
(mode 0600). Emailed tokens are `<random>.<hmac>`: the HMAC rejects forged links before the
database is asked, and only a SHA-256 of the token is stored, so a leaked table cannot be
turned into working links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from paperscope.config import Settings

SECRET_FILE = "secret_key"


def load_secret(settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def mac(secret: bytes, purpose: str, message: str) -> str:
    digest = hmac.new(secret, f"{purpose}\x00{message}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_signed_token(secret: bytes, purpose: str) -> str:
    raw = secrets.token_urlsafe(32)
    return f"{raw}.{mac(secret, purpose, raw)}"


def same_mac(given: str, expected: str) -> bool:
    """Whether `given` (untrusted text: a token, a form field) is `expected`, in constant
    time. Compared as bytes: `hmac.compare_digest` raises TypeError on a str holding a
    non-ASCII character, which a visitor can send."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def signature_ok(secret: bytes, purpose: str, token: str) -> bool:
    raw, dot, signature = token.partition(".")
    if not dot or not raw or len(token) > 200:
        return False
    return same_mac(signature, mac(secret, purpose, raw))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

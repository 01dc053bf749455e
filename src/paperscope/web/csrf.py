"""CSRF protection: a signed double-submit token bound to the browser and its session.

Every visitor gets a random `ps_csrf` cookie (HttpOnly, SameSite=Lax); forms carry
`csrf_token = HMAC(secret, cookie | session cookie)`. A forged form from another site can
neither read the cookie nor compute the HMAC, and signing in or out changes the token.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from paperscope.accounts.keys import mac, same_mac
from paperscope.web.sessions import SESSION_COOKIE

CSRF_COOKIE = "ps_csrf"
FIELD = "csrf_token"


def _seed(request: Request) -> str:
    seed = getattr(request.state, "csrf_seed", None)
    if seed is None:
        seed = request.cookies.get(CSRF_COOKIE) or ""
        if not 20 <= len(seed) <= 100:
            seed = secrets.token_urlsafe(32)
            request.state.csrf_new = True
        request.state.csrf_seed = seed
    return str(seed)


def csrf_token(request: Request, secret: bytes) -> str:
    session = getattr(request.state, "session_override", None)
    if session is None:
        session = request.cookies.get(SESSION_COOKIE, "")
    return mac(secret, "csrf", f"{_seed(request)}|{session}")


def check_csrf(request: Request, secret: bytes, submitted: Any) -> None:
    """403 unless the form's token matches this browser's cookie (and session)."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not isinstance(submitted, str):
        raise HTTPException(403, "The form expired or came from another site; reload and retry.")
    expected = mac(secret, "csrf", f"{cookie}|{request.cookies.get(SESSION_COOKIE, '')}")
    if not same_mac(submitted, expected):
        raise HTTPException(403, "The form expired or came from another site; reload and retry.")


def install_csrf(app: FastAPI, secure: bool) -> None:
    """The middleware that gives every visitor a `ps_csrf` cookie (the template globals
    `csrf_field()` and `csrf_token()` are registered by `templating.build_templates`)."""

    async def ensure_cookie(request: Request, call_next: RequestResponseEndpoint) -> Response:
        _seed(request)
        response = await call_next(request)
        if getattr(request.state, "csrf_new", False):
            response.set_cookie(
                CSRF_COOKIE,
                request.state.csrf_seed,
                httponly=True,
                samesite="lax",
                secure=secure,
                path="/",
            )
        return response

    app.add_middleware(BaseHTTPMiddleware, dispatch=ensure_cookie)

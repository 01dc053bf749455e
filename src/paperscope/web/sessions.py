"""Session cookies: a random id (only its hash is stored), HttpOnly, SameSite=Lax, and
Secure whenever the public base URL is https."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from paperscope.accounts.clock import utcnow
from paperscope.accounts.users import SESSION_TTL, User, session_user
from paperscope.store import Store

SESSION_COOKIE = "ps_session"


def current_user(request: Request, store: Store) -> User | None:
    if hasattr(request.state, "user"):
        user: User | None = request.state.user
        return user
    session_id = request.cookies.get(SESSION_COOKIE)
    user = None
    if session_id and len(session_id) <= 100:
        with store.connect() as connection:
            user = session_user(connection, session_id, utcnow())
    request.state.user = user
    return user


def set_session_cookie(response: Response, session_id: str, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def clear_session_cookie(response: Response, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)

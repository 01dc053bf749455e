"""What the account routes need, as FastAPI dependencies a handler states in its signature.

`Context` is the app's `WebContext` (settings, store, secret key); `CurrentUser` the
signed-in user or None; `SignedIn` the signed-in user, else 401; `CheckedForm` the posted
form once its CSRF token has been checked, else 403; `ClientAddress` the client's IP (the
sign-in and subscribe rate limits count per address). FastAPI resolves them in the order a
signature lists them, so `user: SignedIn, form: CheckedForm` answers 401 before it reads
the form. `in_transaction` runs a change off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from paperscope.accounts.users import User
from paperscope.store import Store
from paperscope.web import sessions
from paperscope.web.context import WebContext, context_of
from paperscope.web.csrf import FIELD, check_csrf

T = TypeVar("T")

Context = Annotated[WebContext, Depends(context_of)]


def current_user(request: Request, ctx: Context) -> User | None:
    """The user whose session cookie came with the request, or None."""
    return sessions.current_user(request, ctx.store)


CurrentUser = Annotated[User | None, Depends(current_user)]


def require_user(user: CurrentUser) -> User:
    if user is None:
        raise HTTPException(401, "Please sign in first.")
    return user


SignedIn = Annotated[User, Depends(require_user)]


async def checked_form(request: Request, ctx: Context) -> FormData:
    """The posted form, if its CSRF token is this browser's (403 otherwise)."""
    form = await request.form()
    check_csrf(request, ctx.secret, form.get(FIELD))
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


async def in_transaction(store: Store, change: Callable[[Connection], T]) -> T:
    """`change(connection)` in one transaction, in a worker thread."""

    def run() -> T:
        with store.transaction() as connection:
            return change(connection)

    return await run_in_threadpool(run)

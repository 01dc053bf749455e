"""Sign-in by emailed link, and sign-out.

POST /signin mails a one-time link (rate-limited, the same answer for known and unknown
addresses); the link opens GET /signin/verify, whose button POSTs the token back and gets
the session cookie. Every POST carries the CSRF token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from paperscope.accounts import users as accounts
from paperscope.accounts.clock import utcnow
from paperscope.accounts.users import LinkError
from paperscope.notify import signup
from paperscope.web.dependencies import CheckedForm, ClientAddress, Context, in_transaction
from paperscope.web.links import link_not_valid, link_page, send_link
from paperscope.web.params import form_text
from paperscope.web.rendering import render
from paperscope.web.sessions import SESSION_COOKIE, clear_session_cookie, set_session_cookie

router = APIRouter(include_in_schema=False)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request) -> HTMLResponse:
    return render(request, "accounts/signin.html", ps_title="Sign in")


@router.post("/signin", response_class=HTMLResponse)
async def signin(
    request: Request, ctx: Context, form: CheckedForm, client: ClientAddress
) -> HTMLResponse:
    email = form_text(form, "email")
    return await send_link(
        request,
        email,
        lambda: signup.request_signin(ctx.store, ctx.settings, ctx.secret, email, client, utcnow()),
    )


@router.get("/signin/verify", response_class=HTMLResponse)
def signin_verify_form(request: Request, ctx: Context) -> HTMLResponse:
    return link_page(request, ctx, "signin", "/signin/verify", "Sign in")


@router.post("/signin/verify")
async def signin_verify(request: Request, ctx: Context, form: CheckedForm) -> Response:
    token = form_text(form, "token")
    try:
        _user, session_id = await run_in_threadpool(
            lambda: signup.complete_signin(ctx.store, ctx.secret, token, utcnow())
        )
    except LinkError as error:
        return link_not_valid(request, error)
    response = RedirectResponse("/library", status_code=303)
    set_session_cookie(response, session_id, ctx.secure_cookies)
    return response


@router.post("/signout")
async def signout(request: Request, ctx: Context, _form: CheckedForm) -> Response:
    session_id = request.cookies.get(SESSION_COOKIE, "")
    await in_transaction(ctx.store, lambda c: accounts.end_session(c, session_id))
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response, ctx.secure_cookies)
    return response

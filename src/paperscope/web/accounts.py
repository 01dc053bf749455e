"""Account pages: sign-in by emailed link, library, upvotes, subscriptions, unsubscribe.

`install(app, templates, settings, store)` adds the routes, the CSRF cookie middleware and
the `csrf_field()` template global. State changes are POSTs with a CSRF token, except the
RFC 8058 one-click unsubscribe, which the unguessable token in its URL authorises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import TemplateNotFound, pass_context
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from paperscope.accounts import library
from paperscope.accounts import users as accounts
from paperscope.accounts.clock import utcnow
from paperscope.accounts.keys import load_secret
from paperscope.accounts.users import LinkError, User
from paperscope.config import Settings
from paperscope.errors import NotFoundError, QueryError
from paperscope.notify import signup, subscriptions
from paperscope.notify.mailer import SendError
from paperscope.store import Store
from paperscope.web.csrf import FIELD, check_csrf, install_csrf
from paperscope.web.sessions import (
    SESSION_COOKIE,
    clear_session_cookie,
    current_user,
    set_session_cookie,
)

T = TypeVar("T")
SENT = (
    "If {email} can receive mail, a link is on its way. It works once and expires; "
    "check your inbox (and spam folder)."
)


def _local_path(value: object, default: str = "/library") -> str:
    text = value if isinstance(value, str) else ""
    return text if text.startswith("/") and not text.startswith(("//", "/\\")) else default


def _int(value: object, name: str) -> int:
    if not isinstance(value, str) or not value.isdigit() or len(value) > 12:
        raise QueryError(f"{name} must be a number")
    return int(value)


def _text(form: Any, name: str, default: str = "") -> str:
    value = form.get(name, default)
    return value if isinstance(value, str) else default


def install(app: FastAPI, templates: Jinja2Templates, settings: Settings, store: Store) -> None:
    secret = load_secret(settings)
    secure = settings.base_url.startswith("https://")
    install_csrf(app, templates, secret, secure)

    @pass_context
    def signed_in_user(context: Any) -> User | None:
        """For the base template's header: the signed-in user, or None."""
        return current_user(context["request"], store)

    templates.env.globals["signed_in_user"] = signed_in_user
    router = APIRouter(include_in_schema=False)

    def layout() -> str:
        try:
            templates.env.get_template("base.html")
        except TemplateNotFound:
            return "accounts/_layout.html"
        return "base.html"

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("user", current_user(request, store))
        context.setdefault("ps_title", "")
        context.setdefault("ps_layout", layout())
        context.setdefault("ctx", getattr(request.app.state, "web", None))
        return templates.TemplateResponse(request, f"accounts/{name}", context, status_code=status)

    def message(request: Request, title: str, text: str, status: int = 200) -> HTMLResponse:
        return page(request, "message.html", status, ps_title=title, text=text)

    def need_user(request: Request) -> User:
        user = current_user(request, store)
        if user is None:
            raise HTTPException(401, "Please sign in first.")
        return user

    async def posted(request: Request) -> Any:
        form = await request.form()
        check_csrf(request, secret, form.get(FIELD))
        return form

    async def act(fn: Callable[[], T]) -> T:
        return await run_in_threadpool(fn)

    def client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    async def send_link(request: Request, email: str, fn: Callable[[], object]) -> HTMLResponse:
        try:
            await act(fn)
        except signup.RateLimited as error:
            return message(request, "Slow down", str(error), 429)
        except SendError:
            return message(request, "Mail problem", "The mail could not be sent; try later.", 503)
        return message(request, "Check your inbox", SENT.format(email=email.strip()))

    @router.get("/signin", response_class=HTMLResponse)
    def signin_form(request: Request) -> HTMLResponse:
        return page(request, "signin.html", ps_title="Sign in")

    @router.post("/signin", response_class=HTMLResponse)
    async def signin(request: Request) -> HTMLResponse:
        form = await posted(request)
        email = _text(form, "email")
        return await send_link(
            request,
            email,
            lambda: signup.request_signin(
                store, settings, secret, email, client(request), utcnow()
            ),
        )

    def token_page(request: Request, purpose: str, action: str, title: str) -> HTMLResponse:
        token = request.query_params.get("token", "")
        with store.connect() as connection:
            valid = accounts.peek_link(connection, secret, purpose, token, utcnow())
        if not valid:
            return message(request, "Link not valid", str(LinkError()), 400)
        return page(request, "confirm.html", ps_title=title, action=action, token=token)

    @router.get("/signin/verify", response_class=HTMLResponse)
    def signin_verify_form(request: Request) -> HTMLResponse:
        return token_page(request, "signin", "/signin/verify", "Sign in")

    @router.post("/signin/verify")
    async def signin_verify(request: Request) -> Response:
        form = await posted(request)
        token = _text(form, "token")
        try:
            _user, session_id = await act(
                lambda: signup.complete_signin(store, secret, token, utcnow())
            )
        except LinkError as error:
            return message(request, "Link not valid", str(error), 400)
        response = RedirectResponse("/library", status_code=303)
        set_session_cookie(response, session_id, secure)
        return response

    @router.post("/signout")
    async def signout(request: Request) -> Response:
        await posted(request)
        session_id = request.cookies.get(SESSION_COOKIE, "")

        def end() -> None:
            with store.transaction() as connection:
                accounts.end_session(connection, session_id)

        await act(end)
        response = RedirectResponse("/", status_code=303)
        clear_session_cookie(response, secure)
        return response

    @router.get("/library", response_class=HTMLResponse)
    def library_page(request: Request) -> Response:
        user = current_user(request, store)
        if user is None:
            return RedirectResponse("/signin", status_code=303)
        tag = request.query_params.get("tag") or None
        with store.connect() as connection:
            saved = library.items(connection, user.id, tag)
            tags = library.all_tags(connection, user.id)
            upvoted = library.upvoted(connection, user.id)
        return page(
            request,
            "library.html",
            ps_title="Library",
            items=saved,
            tags=tags,
            tag=tag,
            upvoted=upvoted,
        )

    @router.post("/library/save")
    async def library_save(request: Request) -> Response:
        user = need_user(request)
        form = await posted(request)
        work_id = _int(form.get("work_id"), "work_id")
        tags = library.parse_tags(_text(form, "tags"))

        def save() -> None:
            with store.transaction() as connection:
                library.save(connection, user.id, work_id, tags, utcnow())

        await act(save)
        return RedirectResponse(_local_path(form.get("next")), status_code=303)

    @router.post("/library/remove")
    async def library_remove(request: Request) -> Response:
        user = need_user(request)
        form = await posted(request)
        work_id = _int(form.get("work_id"), "work_id")

        def remove() -> None:
            with store.transaction() as connection:
                library.remove(connection, user.id, work_id)

        await act(remove)
        return RedirectResponse(_local_path(form.get("next")), status_code=303)

    @router.post("/upvote")
    async def upvote(request: Request) -> Response:
        user = need_user(request)
        form = await posted(request)
        work_id = _int(form.get("work_id"), "work_id")

        def toggle() -> bool:
            with store.transaction() as connection:
                return library.toggle_upvote(connection, user.id, work_id, utcnow())

        await act(toggle)
        return RedirectResponse(_local_path(form.get("next"), f"/paper/{work_id}"), 303)

    @router.get("/library/export.bib", response_class=PlainTextResponse)
    def library_export(request: Request) -> Response:
        user = need_user(request)
        from paperscope.web.bibtex import bibtex
        from paperscope.web.papers import paper_page

        tag = request.query_params.get("tag") or None
        with store.connect() as connection:
            saved = library.items(connection, user.id, tag)
            text = "\n".join(bibtex(paper_page(connection, i.work_id, [], None)) for i in saved)
        return PlainTextResponse(
            text,
            media_type="application/x-bibtex; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="library.bib"'},
        )

    @router.get("/subscriptions", response_class=HTMLResponse)
    def subscriptions_page(request: Request) -> Response:
        user = current_user(request, store)
        if user is None:
            return RedirectResponse("/signin", status_code=303)
        with store.connect() as connection:
            mine = subscriptions.for_user(connection, user.id)
            tags = library.all_tags(connection, user.id)
        return page(
            request,
            "subscriptions.html",
            ps_title="Subscriptions",
            subs=mine,
            tags=tags,
            describe=subscriptions.describe,
            kinds=subscriptions.KINDS,
        )

    @router.post("/subscriptions/{subscription_id}/end")
    async def subscription_end(request: Request, subscription_id: int) -> Response:
        user = need_user(request)
        await posted(request)

        def end() -> None:
            with store.transaction() as connection:
                subscriptions.end_for_user(connection, user.id, subscription_id, utcnow())

        await act(end)
        return RedirectResponse("/subscriptions", status_code=303)

    @router.get("/subscribe", response_class=HTMLResponse)
    def subscribe_form(request: Request) -> HTMLResponse:
        q = request.query_params
        return page(
            request,
            "subscribe.html",
            ps_title="Subscribe",
            kinds=subscriptions.KINDS,
            kind=q.get("kind", "trending"),
            value=q.get("value", ""),
        )

    @router.post("/subscribe", response_class=HTMLResponse)
    async def subscribe(request: Request) -> HTMLResponse:
        form = await posted(request)
        user = current_user(request, store)
        email = _text(form, "email")

        def run() -> bool:
            return signup.request_subscription(
                store,
                settings,
                secret,
                raw_email=email,
                kind=_text(form, "kind", "trending"),
                value=_text(form, "value"),
                period=_text(form, "period", "daily"),
                nothing_new=_text(form, "nothing_new", "note"),
                client=client(request),
                now=utcnow(),
                signed_in=user,
            )

        if user is not None and (not email.strip() or email.strip().lower() == user.email):
            await act(run)
            return message(request, "Subscribed", "Your subscription is active.")
        return await send_link(request, email, run)

    @router.get("/subscribe/confirm", response_class=HTMLResponse)
    def confirm_form(request: Request) -> HTMLResponse:
        return token_page(request, "confirm", "/subscribe/confirm", "Confirm your subscription")

    @router.post("/subscribe/confirm", response_class=HTMLResponse)
    async def confirm(request: Request) -> HTMLResponse:
        form = await posted(request)
        token = _text(form, "token")
        try:
            found = await act(lambda: signup.confirm_subscription(store, secret, token, utcnow()))
        except LinkError as error:
            return message(request, "Link not valid", str(error), 400)
        text = f"You will receive a {found.period} digest of {subscriptions.describe(found)}."
        return message(request, "Subscription confirmed", text)

    def by_token(token: str) -> subscriptions.Subscription:
        with store.connect() as connection:
            found = subscriptions.from_unsubscribe_token(connection, secret, token)
        if found is None:
            raise NotFoundError("this unsubscribe link is not valid")
        return found

    @router.get("/unsubscribe/{token}", response_class=HTMLResponse)
    def unsubscribe_form(request: Request, token: str) -> HTMLResponse:
        found = by_token(token)
        return page(
            request,
            "unsubscribe.html",
            ps_title="Unsubscribe",
            sub=found,
            what=subscriptions.describe(found),
            token=token,
        )

    @router.post("/unsubscribe/{token}", response_class=HTMLResponse)
    async def unsubscribe(request: Request, token: str) -> HTMLResponse:
        found = by_token(token)

        def end() -> None:
            with store.transaction() as connection:
                subscriptions.end(connection, found.id, utcnow())

        await act(end)
        return message(request, "Unsubscribed", "You will not receive this digest any more.")

    app.include_router(router)

"""Digest subscriptions: subscribe (double opt-in by emailed link, or at once for the
signed-in user's own address), confirm, manage and end, and the one-click unsubscribe.

Every POST carries the CSRF token except the RFC 8058 one-click unsubscribe, which the
unguessable token in its URL authorises.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from paperscope.accounts import library
from paperscope.accounts.clock import utcnow
from paperscope.accounts.users import LinkError, User
from paperscope.errors import NotFoundError, QueryError
from paperscope.notify import signup, subscriptions
from paperscope.untrusted import parse_id
from paperscope.web.context import WebContext
from paperscope.web.dependencies import (
    CheckedForm,
    ClientAddress,
    Context,
    CurrentUser,
    SignedIn,
    in_transaction,
)
from paperscope.web.links import link_not_valid, link_page, send_link
from paperscope.web.params import form_text
from paperscope.web.rendering import message, render

router = APIRouter(include_in_schema=False)


def path_subscription_id(request: Request) -> int:
    """The `{subscription_id}` of the path, checked before the user and the form (FastAPI
    checks plain parameters only after every dependency): a bad id answers 400 whoever asks."""
    number = parse_id(request.path_params["subscription_id"])
    if number is None:
        raise QueryError("subscription_id must be a whole number")
    return number


SubscriptionId = Annotated[int, Depends(path_subscription_id)]


@router.get("/subscriptions", response_class=HTMLResponse)
def subscriptions_page(request: Request, ctx: Context, user: CurrentUser) -> Response:
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    with ctx.store.connect() as connection:
        mine = subscriptions.for_user(connection, user.id)
        tags = library.all_tags(connection, user.id)
    return render(
        request,
        "accounts/subscriptions.html",
        ps_title="Subscriptions",
        subs=mine,
        tags=tags,
        describe=subscriptions.describe,
        kinds=subscriptions.KINDS,
    )


@router.post("/subscriptions/{subscription_id}/end")
async def subscription_end(
    subscription_id: SubscriptionId, ctx: Context, user: SignedIn, _form: CheckedForm
) -> Response:
    await in_transaction(
        ctx.store,
        lambda c: subscriptions.end_for_user(c, user.id, subscription_id, utcnow()),
    )
    return RedirectResponse("/subscriptions", status_code=303)


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(request: Request) -> HTMLResponse:
    q = request.query_params
    return render(
        request,
        "accounts/subscribe.html",
        ps_title="Subscribe",
        kinds=subscriptions.KINDS,
        kind=q.get("kind", "trending"),
        value=q.get("value", ""),
    )


def _subscribe(ctx: WebContext, form: FormData, user: User | None, client: str) -> bool:
    return signup.request_subscription(
        ctx.store,
        ctx.settings,
        ctx.secret,
        raw_email=form_text(form, "email"),
        kind=form_text(form, "kind", "trending"),
        value=form_text(form, "value"),
        period=form_text(form, "period", "daily"),
        nothing_new=form_text(form, "nothing_new", "note"),
        client=client,
        now=utcnow(),
        signed_in=user,
    )


@router.post("/subscribe", response_class=HTMLResponse)
async def subscribe(
    request: Request, ctx: Context, form: CheckedForm, user: CurrentUser, client: ClientAddress
) -> HTMLResponse:
    email = form_text(form, "email")
    if user is not None and (not email.strip() or email.strip().lower() == user.email):
        await run_in_threadpool(_subscribe, ctx, form, user, client)
        return message(request, "Subscribed", "Your subscription is active.")
    return await send_link(request, email, lambda: _subscribe(ctx, form, user, client))


@router.get("/subscribe/confirm", response_class=HTMLResponse)
def confirm_form(request: Request, ctx: Context) -> HTMLResponse:
    return link_page(request, ctx, "confirm", "/subscribe/confirm", "Confirm your subscription")


@router.post("/subscribe/confirm", response_class=HTMLResponse)
async def confirm(request: Request, ctx: Context, form: CheckedForm) -> HTMLResponse:
    token = form_text(form, "token")
    try:
        found = await run_in_threadpool(
            lambda: signup.confirm_subscription(ctx.store, ctx.secret, token, utcnow())
        )
    except LinkError as error:
        return link_not_valid(request, error)
    text = f"You will receive a {found.period} digest of {subscriptions.describe(found)}."
    return message(request, "Subscription confirmed", text)


def _by_token(ctx: WebContext, token: str) -> subscriptions.Subscription:
    with ctx.store.connect() as connection:
        found = subscriptions.from_unsubscribe_token(connection, ctx.secret, token)
    if found is None:
        raise NotFoundError("this unsubscribe link is not valid")
    return found


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_form(request: Request, ctx: Context, token: str) -> HTMLResponse:
    found = _by_token(ctx, token)
    return render(
        request,
        "accounts/unsubscribe.html",
        ps_title="Unsubscribe",
        sub=found,
        what=subscriptions.describe(found),
        token=token,
    )


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(request: Request, ctx: Context, token: str) -> HTMLResponse:
    """RFC 8058 one-click: the unguessable token authorises it, so no CSRF token."""
    found = await run_in_threadpool(_by_token, ctx, token)
    await in_transaction(ctx.store, lambda c: subscriptions.end(c, found.id, utcnow()))
    return message(request, "Unsubscribed", "You will not receive this digest any more.")

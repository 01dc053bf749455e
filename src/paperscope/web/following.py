"""Following: the Follow/Unfollow buttons' POSTs, the Following page and the home feed of the
followed things (`notify.follows`), and the views their JSON twins in `api.py` return.

The pages send a stranger to /signin; the POSTs (each with the CSRF token) and the JSON
answer a stranger 401. A follow id of another user is "not found" (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperscope.accounts.clock import utcnow
from paperscope.accounts.users import User
from paperscope.notify import follows
from paperscope.web.context import WebContext
from paperscope.web.dependencies import CheckedForm, Context, CurrentUser, SignedIn, in_transaction
from paperscope.web.params import form_int, form_text, local_path, parse_int
from paperscope.web.rendering import render

router = APIRouter(include_in_schema=False)
MAX_FEED_PAGE = 1000


@dataclass(frozen=True, slots=True)
class FollowItem:
    id: int
    kind: str
    """person, venue, category, query (a search) or institution."""
    value: str
    """How it is stored: a person id, a venue key, a category, a search or institution."""
    label: str
    description: str
    url: str | None
    """Its page here (institutions have none)."""
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FollowingPage:
    follows: tuple[FollowItem, ...]
    kinds: tuple[str, ...]
    max_follows: int


def follow_item(follow: follows.Follow) -> FollowItem:
    return FollowItem(
        follow.id,
        follow.kind,
        follow.value,
        follow.label,
        follow.description,
        follow.url,
        follow.created_at,
    )


def following_view(ctx: WebContext, user: User) -> FollowingPage:
    with ctx.store.connect() as connection:
        mine = follows.for_user(connection, user.id)
    return FollowingPage(tuple(follow_item(f) for f in mine), follows.KINDS, follows.MAX_FOLLOWS)


def home_view(ctx: WebContext, user: User, page: int) -> follows.HomeFeed:
    with ctx.store.connect() as connection:
        return follows.home_feed(connection, user.id, page)


def feed_page(value: str | None) -> int:
    return parse_int(value, "page", default=1, low=1, high=MAX_FEED_PAGE)


@router.get("/following", response_class=HTMLResponse)
def following_page(request: Request, ctx: Context, user: CurrentUser) -> Response:
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    page = following_view(ctx, user)
    return render(request, "following.html", ps_title="Following", page=page, active="following")


@router.get("/home", response_class=HTMLResponse)
def home_page(request: Request, ctx: Context, user: CurrentUser) -> Response:
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    feed = home_view(ctx, user, feed_page(request.query_params.get("page")))
    return render(request, "home.html", ps_title="Home", feed=feed, active="home")


@router.post("/follow")
async def follow(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    kind = form_text(form, "kind")
    value = form_text(form, "value")
    await in_transaction(ctx.store, lambda c: follows.add(c, user.id, kind, value, utcnow()))
    return RedirectResponse(local_path(form.get("next"), "/following"), status_code=303)


@router.post("/unfollow")
async def unfollow(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    follow_id = form_int(form, "follow_id")
    await in_transaction(ctx.store, lambda c: follows.remove(c, user.id, follow_id))
    return RedirectResponse(local_path(form.get("next"), "/following"), status_code=303)

"""Feedback that trains the feed: "Not interested" and "More like this" on every work entry a
signed-in user sees, the list of both with undo (/feedback), the personal feed (/for-you),
and the confirm page digest e-mails link to (/not-interested/<id>).

The POSTs carry the CSRF token and answer a stranger 401; every change is the signed-in
user's own row (accounts/feedback.py), so nobody gives or sees another's feedback. The
lists (daily, trending, search, similar papers) drop the user's dismissed works through
the `hide_*` helpers, which the pages and their JSON twins both call.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from paperscope.accounts import feedback
from paperscope.accounts.clock import utcnow
from paperscope.errors import NotFoundError
from paperscope.notify.feed import PersonalFeed, personal_feed
from paperscope.read.lists import DailyList
from paperscope.read.works import load_works
from paperscope.web.context import WebContext, context_of
from paperscope.web.dependencies import CheckedForm, Context, CurrentUser, SignedIn, in_transaction
from paperscope.web.papers import PaperPage
from paperscope.web.params import RowId, form_int, local_path
from paperscope.web.rendering import render
from paperscope.web.sessions import current_user
from paperscope.web.views import SearchPage, TrendingPage

router = APIRouter(include_in_schema=False)

ACTIONS = {"dismiss": "dismissed", "more": "more"}
"""The POST paths' actions and the feedback each stores (`undo` removes it)."""


def hidden_for(request: Request) -> frozenset[int]:
    """The works the signed-in user marked "not interested" (none for a visitor)."""
    ctx = context_of(request)
    user = current_user(request, ctx.store)
    if user is None:
        return frozenset()
    with ctx.store.connect() as connection:
        return feedback.hidden_ids(connection, user.id)


def hide_daily(page: DailyList, hidden: frozenset[int]) -> DailyList:
    if not hidden:
        return page
    return replace(page, entries=tuple(feedback.without_hidden(page.entries, hidden)))


def hide_trending(page: TrendingPage, hidden: frozenset[int]) -> TrendingPage:
    if not hidden:
        return page
    return replace(page, entries=tuple(e for e in page.entries if e.entry.work_id not in hidden))


def hide_search(page: SearchPage, hidden: frozenset[int]) -> SearchPage:
    if not hidden:
        return page
    kept = tuple(r for r in page.results if r.entry.work_id not in hidden)
    return replace(page, results=kept)


def hide_paper(page: PaperPage, hidden: frozenset[int]) -> PaperPage:
    """The paper page without dismissed works among its similar papers (the paper itself
    stays: its page was asked for by id)."""
    if not hidden:
        return page
    return replace(page, similar=tuple(feedback.without_hidden(page.similar, hidden)))


def for_you_view(ctx: WebContext, user_id: int) -> PersonalFeed:
    from paperscope.embeddings.encoders import Encoder, get_encoder
    from paperscope.search.service import active_model

    model = active_model(ctx.store, ctx.settings)

    def encoder() -> Encoder:
        return get_encoder(model, ctx.settings.data_dir)

    with ctx.store.connect() as connection:
        return personal_feed(connection, user_id, encoder)


def feedback_view(ctx: WebContext, user_id: int) -> feedback.FeedbackPage:
    with ctx.store.connect() as connection:
        return feedback.feedback_page(connection, user_id)


async def change(
    ctx: WebContext, user_id: int, action: str, form: FormData
) -> feedback.FeedbackChange:
    """Apply `action` (dismiss, more or undo) to the form's `work_id` for this user."""
    work_id = form_int(form, "work_id")
    if action == "undo":
        return await in_transaction(ctx.store, lambda c: feedback.clear(c, user_id, work_id))
    if action not in ACTIONS:
        raise NotFoundError(f"no feedback action {action[:40]!r}")
    kind = feedback.check_kind(ACTIONS[action])
    return await in_transaction(
        ctx.store, lambda c: feedback.give(c, user_id, work_id, kind, utcnow())
    )


@router.post("/feedback/{action}")
async def feedback_post(action: str, ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    await change(ctx, user.id, action, form)
    return RedirectResponse(local_path(form.get("next"), "/feedback"), status_code=303)


@router.get("/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, ctx: Context, user: CurrentUser) -> Response:
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    page = feedback_view(ctx, user.id)
    return render(request, "accounts/feedback.html", ps_title="Your feedback", page=page)


@router.get("/for-you", response_class=HTMLResponse)
def for_you_page(request: Request, ctx: Context, user: CurrentUser) -> Response:
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    page = for_you_view(ctx, user.id)
    return render(request, "for_you.html", ps_title="For you", page=page, active="for-you")


@router.get("/not-interested/{work_id}", response_class=HTMLResponse)
def not_interested_page(
    request: Request, work_id: RowId, ctx: Context, user: CurrentUser
) -> Response:
    """What a digest's "Not interested" link opens: a confirm form (a GET changes nothing)."""
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    with ctx.store.connect() as connection:
        found = load_works(connection, [work_id])
        current = feedback.kind_of(connection, user.id, work_id)
    if not found:
        raise NotFoundError(f"there is no paper {work_id}")
    return render(
        request,
        "accounts/not_interested.html",
        ps_title="Not interested",
        work=found[0],
        current=current,
    )

"""A signed-in user's library: saved papers with tags, upvotes, and its BibTeX export.

The library page sends a stranger to /signin; the POSTs (save, remove, upvote, each with
the CSRF token) and the export answer a stranger 401. Every query is scoped to the user.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from paperscope.accounts import library
from paperscope.accounts.clock import utcnow
from paperscope.web.bibtex import bibtex
from paperscope.web.dependencies import CheckedForm, Context, CurrentUser, SignedIn, in_transaction
from paperscope.web.papers import paper_page
from paperscope.web.params import form_int, form_text, local_path, parse_text
from paperscope.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/library", response_class=HTMLResponse)
def library_page(request: Request, ctx: Context, user: CurrentUser) -> Response:
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    tag = parse_text(request.query_params.get("tag"), "tag") or None
    with ctx.store.connect() as connection:
        saved = library.items(connection, user.id, tag)
        tags = library.all_tags(connection, user.id)
        upvoted = library.upvoted(connection, user.id)
    return render(
        request,
        "accounts/library.html",
        ps_title="Library",
        items=saved,
        tags=tags,
        tag=tag,
        upvoted=upvoted,
    )


@router.post("/library/save")
async def library_save(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    work_id = form_int(form, "work_id")
    tags = library.parse_tags(form_text(form, "tags"))
    await in_transaction(ctx.store, lambda c: library.save(c, user.id, work_id, tags, utcnow()))
    return RedirectResponse(local_path(form.get("next"), "/library"), status_code=303)


@router.post("/library/remove")
async def library_remove(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    work_id = form_int(form, "work_id")
    await in_transaction(ctx.store, lambda c: library.remove(c, user.id, work_id))
    return RedirectResponse(local_path(form.get("next"), "/library"), status_code=303)


@router.post("/upvote")
async def upvote(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    work_id = form_int(form, "work_id")
    await in_transaction(ctx.store, lambda c: library.toggle_upvote(c, user.id, work_id, utcnow()))
    return RedirectResponse(local_path(form.get("next"), f"/paper/{work_id}"), 303)


@router.get("/library/export.bib", response_class=PlainTextResponse)
def library_export(request: Request, ctx: Context, user: SignedIn) -> Response:
    tag = parse_text(request.query_params.get("tag"), "tag") or None
    with ctx.store.connect() as connection:
        saved = library.items(connection, user.id, tag)
        text = "\n".join(bibtex(paper_page(connection, i.work_id, [], None)) for i in saved)
    return PlainTextResponse(
        text,
        media_type="application/x-bibtex; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="library.bib"'},
    )

"""A signed-in user's library: saved papers in tag folders, notes, read state, search within
it, upvotes; import from and export to reference managers (BibTeX, RIS, CSL-JSON).

The library page sends a stranger to /signin; the POSTs (each with the CSRF token) and the
exports answer a stranger 401. Every query is scoped to the user: another user's item is
"not found" (404). An upload is capped at `MAX_UPLOAD_BYTES` before it is read (413) and
parsed as untrusted input: what cannot be read is listed in the report, never a 500.
"""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from paperscope.accounts import library, library_pages
from paperscope.accounts.clock import utcnow
from paperscope.accounts.library_import import LIBRARY_FORMATS, import_library
from paperscope.errors import QueryError
from paperscope.export.formats import FORMATS
from paperscope.export.library import library_export
from paperscope.sources.base import Limits
from paperscope.web.dependencies import CheckedForm, Context, CurrentUser, SignedIn, in_transaction
from paperscope.web.params import form_int, form_text, local_path, parse_int, parse_text
from paperscope.web.rendering import render

router = APIRouter(include_in_schema=False)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""The largest library file the import form takes (a Zotero export of ~10,000 items)."""
_FORM_OVERHEAD = 64 * 1024
_EXPORTS = {"bib": "bibtex", "ris": "ris", "json": "csl-json"}


def upload_size(request: Request) -> None:
    """413 before the body is read when it is larger than an upload may be; 411 without a
    length (browsers always send one for a form)."""
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise HTTPException(411, "The upload must state its length.")
    if int(length) > MAX_UPLOAD_BYTES + _FORM_OVERHEAD:
        megabytes = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise HTTPException(413, f"The file is too large: at most {megabytes} MB.")


UploadSize = Annotated[None, Depends(upload_size)]


def _next(form: FormData) -> str:
    return local_path(form.get("next"), "/library")


def _item(form: FormData) -> library.ItemRef:
    if "item" in form:
        return library.ItemRef.parse(form_text(form, "item"))
    return library.ItemRef("work", form_int(form, "work_id"))


@router.get("/library", response_class=HTMLResponse)
def library_page(request: Request, ctx: Context, user: CurrentUser) -> Response:
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    query = request.query_params
    wanted = library_pages.check_filter(
        tag=parse_text(query.get("tag"), "tag") or None,
        text=parse_text(query.get("q"), "q") or None,
        state=query.get("state") or "all",
        page=parse_int(query.get("page"), "page", default=1, low=1, high=100_000),
    )
    with ctx.store.connect() as connection:
        page = library_pages.library_page(connection, user.id, wanted)
        upvoted = library.upvoted(connection, user.id)
    return render(
        request,
        "accounts/library.html",
        ps_title="Library",
        page=page,
        wanted=wanted,
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        upvoted=upvoted,
        max_note=library.MAX_NOTE_CHARS,
        max_upload_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
    )


@router.post("/library/save")
async def library_save(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    work_id = form_int(form, "work_id")
    tags = library.parse_tags(form_text(form, "tags"))
    await in_transaction(ctx.store, lambda c: library.save(c, user.id, work_id, tags, utcnow()))
    return RedirectResponse(_next(form), status_code=303)


@router.post("/library/remove")
async def library_remove(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    ref = _item(form)
    await in_transaction(ctx.store, lambda c: library.remove_item(c, user.id, ref))
    return RedirectResponse(_next(form), status_code=303)


@router.post("/library/tags")
async def library_tags(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    ref = _item(form)
    tags = library.parse_tags(form_text(form, "tags"))
    await in_transaction(ctx.store, lambda c: library.set_tags(c, user.id, ref, tags))
    return RedirectResponse(_next(form), status_code=303)


@router.post("/library/note")
async def library_note(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    ref = _item(form)
    note = form_text(form, "note")
    await in_transaction(ctx.store, lambda c: library.set_note(c, user.id, ref, note))
    return RedirectResponse(_next(form), status_code=303)


@router.post("/library/read")
async def library_read(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    ref = _item(form)
    read = form_text(form, "read") == "1"
    await in_transaction(ctx.store, lambda c: library.set_read(c, user.id, ref, read, utcnow()))
    return RedirectResponse(_next(form), status_code=303)


@router.post("/upvote")
async def upvote(ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    work_id = form_int(form, "work_id")
    await in_transaction(ctx.store, lambda c: library.toggle_upvote(c, user.id, work_id, utcnow()))
    ctx.cache.clear()  # upvotes rank the cached trending list: the voter sees it move at once
    return RedirectResponse(local_path(form.get("next"), f"/paper/{work_id}"), 303)


@router.post("/library/import", response_class=HTMLResponse)
async def library_import(
    request: Request, ctx: Context, user: SignedIn, _size: UploadSize, form: CheckedForm
) -> Response:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise QueryError("choose a BibTeX, RIS or CSL-JSON file to import")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"The file is too large: at most {MAX_UPLOAD_BYTES} bytes.")
    tag = form_text(form, "tag").strip() or None
    keyword_tags = form_text(form, "keyword_tags") == "1"
    filename = upload.filename[:200]
    limits = Limits(ctx.settings.max_record_bytes, ctx.settings.max_document_bytes)
    report = await in_transaction(
        ctx.store,
        lambda c: import_library(
            c,
            user.id,
            io.BytesIO(data),
            filename,
            utcnow(),
            tag=tag,
            keyword_tags=keyword_tags,
            limits=limits,
        ),
    )
    return render(
        request,
        "accounts/library_import.html",
        ps_title="Library import",
        report=report,
        filename=filename,
        formats=LIBRARY_FORMATS,
    )


@router.get("/library/export.{extension}", response_class=PlainTextResponse)
def library_download(request: Request, extension: str, ctx: Context, user: SignedIn) -> Response:
    if extension not in _EXPORTS:
        raise HTTPException(404)
    fmt = FORMATS[_EXPORTS[extension]]
    tag = parse_text(request.query_params.get("tag"), "tag") or None
    with ctx.store.connect() as connection:
        text = library_export(connection, user.id, fmt.name, tag)
    return Response(
        text,
        media_type=f"{fmt.media_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="library.{fmt.extension}"'},
    )

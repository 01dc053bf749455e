"""The one helper that renders an HTML page, for the site's pages and the account pages."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from paperscope.web.context import context_of
from paperscope.web.sessions import current_user

LAYOUT = "base.html"


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """`template` with `values` and what every layout uses: `ctx` (the `WebContext`), the
    signed-in `user` (or None), and for the account templates `ps_layout` and `ps_title`."""
    ctx = context_of(request)
    page = {
        "ctx": ctx,
        "user": current_user(request, ctx.store),
        "ps_layout": LAYOUT,
        "ps_title": "",
        **values,
    }
    return ctx.templates.TemplateResponse(request, template, page, status_code=status)


def message(request: Request, title: str, text: str, status: int = 200) -> HTMLResponse:
    """A short page that says one thing (sent, confirmed, a link not valid, slow down)."""
    return render(request, "accounts/message.html", status, ps_title=title, text=text)

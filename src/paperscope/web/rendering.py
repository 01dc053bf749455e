"""The one helper that renders an HTML page, for the site's pages and the account pages."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from paperscope.accounts.roles import is_admin
from paperscope.web.context import WebContext, context_of
from paperscope.web.sessions import current_user

LAYOUT = "base.html"


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """`template` with `values` and what every layout uses: `ctx` (the `WebContext`), the
    signed-in `user` (or None), and for the account templates `ps_layout` and `ps_title`."""
    ctx = context_of(request)
    user = current_user(request, ctx.store)
    page = {
        "ctx": ctx,
        "user": user,
        "user_is_admin": user is not None and _is_admin(ctx, user.id),
        "ps_layout": LAYOUT,
        "ps_title": "",
        **values,
    }
    return ctx.templates.TemplateResponse(request, template, page, status_code=status)


def fragment(ctx: WebContext, template: str, values: dict[str, Any]) -> Markup:
    """`template` rendered without the request: a part of a page that is the same for every
    visitor, to be cached and put in a page by `render`. A template that asks for the request
    (`csrf_field()`, `followed()`, `here()`) fails here rather than showing one visitor's
    state to another."""
    return Markup(ctx.templates.get_template(template).render(values))


def _is_admin(ctx: WebContext, user_id: int) -> bool:
    with ctx.store.connect() as connection:
        return is_admin(connection, user_id)


def message(request: Request, title: str, text: str, status: int = 200) -> HTMLResponse:
    """A short page that says one thing (sent, confirmed, a link not valid, slow down)."""
    return render(request, "accounts/message.html", status, ps_title=title, text=text)

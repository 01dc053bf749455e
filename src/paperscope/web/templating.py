"""The Jinja2 environment: autoescape everywhere, and the filters and globals the templates use.

Only a URL that passes the test `safe_url` (`untrusted.safe_url`: absolute http(s)) may be
put in an `href`: `{% if url is safe_url %}<a href="{{ url }}">{% endif %}`.

The globals are `csrf_field()` (the hidden input every POST form needs), `csrf_token()`,
`signed_in_user()`, `followed(kind, value)` (the signed-in user's follow of it) and
`here()` (this page's path and query, a form's way back); they find the secret and the
store through the request's `WebContext`. The links every list row draws (`person_link`,
`authors_line`, `category_link`, `venue_link`) are built in Python (`web.markup`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from paperscope.accounts.users import User
from paperscope.notify.follows import Follow, find
from paperscope.read.works import category_tag, short_date
from paperscope.untrusted import is_safe_url
from paperscope.web.context import context_of
from paperscope.web.csrf import FIELD, csrf_token
from paperscope.web.markup import authors_line, category_link, person_link, readable, venue_link
from paperscope.web.sessions import current_user

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _request(context: Context) -> Request:
    request: Request = context["request"]
    return request


@pass_context
def signed_in_user(context: Context) -> User | None:
    """The signed-in user, or None (for partials rendered without a `user` value; None in a
    macro imported without context, which cannot see the request)."""
    request = context.get("request")
    if not isinstance(request, Request):
        return None
    return current_user(request, context_of(request).store)


@pass_context
def followed(context: Context, kind: str, value: object) -> Follow | None:
    """The signed-in user's follow of `kind` `value` (for the Follow/Unfollow button)."""
    request = _request(context)
    store = context_of(request).store
    user = current_user(request, store)
    if user is None:
        return None
    with store.connect() as connection:
        return find(connection, user.id, kind, str(value))


@pass_context
def csrf_value(context: Context) -> str:
    """This browser's CSRF token, for a form built by hand."""
    request = _request(context)
    return csrf_token(request, context_of(request).secret)


@pass_context
def csrf_field(context: Context) -> Markup:
    """The hidden input that carries the CSRF token: `{{ csrf_field() }}` in every POST form."""
    token = csrf_value(context)
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD, escape(token))


@pass_context
def here(context: Context) -> str:
    """This page's path and query: where a form on it sends the browser back to."""
    url = _request(context).url
    return url.path + (f"?{url.query}" if url.query else "")


def build_templates() -> Jinja2Templates:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["short_date"] = short_date
    environment.filters["tag"] = lambda category: category_tag(category) or ""
    environment.filters["readable"] = readable
    environment.tests["safe_url"] = is_safe_url  # `{% if url is safe_url %}<a href=...>`
    environment.globals["signed_in_user"] = signed_in_user
    environment.globals["csrf_field"] = csrf_field
    environment.globals["csrf_token"] = csrf_value
    environment.globals["followed"] = followed
    environment.globals["here"] = here
    environment.globals["person_link"] = person_link
    environment.globals["authors_line"] = authors_line
    environment.globals["category_link"] = category_link
    environment.globals["venue_link"] = venue_link
    return Jinja2Templates(env=environment)

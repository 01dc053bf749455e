"""The pages around an emailed one-time link, shared by sign-in and subscribe: the answer
once a link is (or is not) sent, and the page a link opens, whose button POSTs it back (so
a mail scanner that follows the link changes nothing)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from paperscope.accounts import users as accounts
from paperscope.accounts.clock import utcnow
from paperscope.accounts.users import LinkError
from paperscope.notify import signup
from paperscope.notify.mailer import SendError
from paperscope.web.context import WebContext
from paperscope.web.rendering import message, render

SENT = (
    "If {email} can receive mail, a link is on its way. It works once and expires; "
    "check your inbox (and spam folder)."
)


async def send_link(request: Request, email: str, send: Callable[[], object]) -> HTMLResponse:
    """Run `send` (which mails a link) in a worker thread; the same answer whether or not
    the address is known: 429 when rate-limited, 503 when the mail server fails."""
    try:
        await run_in_threadpool(send)
    except signup.RateLimited as error:
        return message(request, "Slow down", str(error), 429)
    except SendError:
        return message(request, "Mail problem", "The mail could not be sent; try later.", 503)
    return message(request, "Check your inbox", SENT.format(email=email.strip()))


def link_page(
    request: Request, ctx: WebContext, purpose: str, action: str, title: str
) -> HTMLResponse:
    """The page an emailed link opens: a button that POSTs its token to `action`, or 400
    when the token is not a valid, unused link for `purpose`."""
    token = request.query_params.get("token", "")
    with ctx.store.connect() as connection:
        valid = accounts.peek_link(connection, ctx.secret, purpose, token, utcnow())
    if not valid:
        return link_not_valid(request, LinkError())
    return render(request, "accounts/confirm.html", ps_title=title, action=action, token=token)


def link_not_valid(request: Request, error: LinkError) -> HTMLResponse:
    return message(request, "Link not valid", str(error), 400)

"""Security headers on every response, and errors turned into clear pages (never a trace)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperscope.errors import ForbiddenError, NotFoundError, PaperscopeError, QueryError

log = logging.getLogger("paperscope.web")

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


HSTS = (b"strict-transport-security", b"max-age=31536000")
"""Sent over https only (a browser ignores it over http): a year of https-only visits."""


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers above to every HTTP response it passes, and
    HSTS when the request came over https (its scheme once a trusted proxy's
    X-Forwarded-Proto is applied) or the public base URL is https (`always_https`)."""

    def __init__(self, app: ASGIApp, always_https: bool = False) -> None:
        self.app = app
        self.always_https = always_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = SECURITY_HEADERS
        if self.always_https or scope.get("scheme") == "https":
            wanted = (*SECURITY_HEADERS, HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in wanted if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """Answer HEAD like GET without the body (FastAPI routes list GET only; monitors, link
    checkers and `curl -I` send HEAD). The headers, Content-Length included, are GET's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def error_response(request: Request, status: int, title: str, message: str) -> Response:
    """A JSON error under /api, otherwise the HTML error page (plain text if that fails)."""
    headers = {k.decode(): v.decode() for k, v in SECURITY_HEADERS}
    if wants_json(request):
        body = {"error": {"status": status, "title": title, "message": message}}
        return JSONResponse(body, status_code=status, headers=headers)
    context = getattr(request.app.state, "web", None)
    if context is not None:
        try:
            html = context.templates.get_template("error.html").render(
                request=request,
                status=status,
                title=title,
                message=message,
                ctx=context,
                active=None,
            )
            return HTMLResponse(html, status_code=status, headers=headers)
        except Exception:  # the error page itself failed: say so plainly
            log.exception("rendering the error page failed")
    return PlainTextResponse(f"{status} {title}: {message}", status_code=status, headers=headers)


async def _query_error(request: Request, error: Exception) -> Response:
    return error_response(request, 400, "Bad request", str(error))


async def _forbidden(request: Request, error: Exception) -> Response:
    return error_response(request, 403, "Forbidden", str(error))


async def _not_found(request: Request, error: Exception) -> Response:
    return error_response(request, 404, "Not found", str(error))


async def _paperscope_error(request: Request, error: Exception) -> Response:
    log.warning("request failed: %s", error)
    return error_response(request, 500, "Server error", "The request could not be completed.")


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(_describe(item) for item in error.errors()[:5])
    return error_response(request, 400, "Bad request", problems or "invalid parameters")


def _describe(item: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("query", "path"))
    return f"{where}: {item.get('msg', 'invalid')}"


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    titles = {404: "Not found", 405: "Method not allowed"}
    title = titles.get(error.status_code, "Error")
    detail = str(error.detail) if error.status_code != 404 else "There is no page at this address."
    response = error_response(request, error.status_code, title, detail)
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


async def _server_error(request: Request, error: Exception) -> Response:
    log.error("unhandled error on %s", request.url.path, exc_info=error)
    return error_response(
        request, 500, "Server error", "Something went wrong on our side; it has been logged."
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(QueryError, _query_error)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(ForbiddenError, _forbidden)
    app.add_exception_handler(PaperscopeError, _paperscope_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _server_error)


class BodyLimit:
    """Pure ASGI middleware: a request body to one of `limits`' paths may hold at most that
    many bytes (413), and must say its length (411), so no handler reads an unbounded body
    (FastAPI reads a JSON body before any dependency could check it)."""

    def __init__(self, app: ASGIApp, limits: dict[str, int]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.get(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length", b"").decode("latin-1")
        problem = None
        if not length.isdigit():
            problem = (411, "Length required", "The request must say its length.")
        elif int(length) > limit:
            problem = (413, "Too large", f"The request is too large (limit {limit} bytes).")
        if problem is None:
            await self.app(scope, receive, send)
            return
        status, title, message = problem
        response = error_response(Request(scope), status, title, message)
        await response(scope, receive, send)

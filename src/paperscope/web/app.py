"""The app factory: `create_app(settings, store)` builds everything; nothing at import time.

Behind a reverse proxy, `PAPERSCOPE_TRUSTED_PROXIES` names the proxies whose
X-Forwarded-For and X-Forwarded-Proto are believed (uvicorn's ProxyHeadersMiddleware): the
client address the rate limits count, and the scheme HSTS and redirects see. A request from
any other address keeps its connecting address, whatever headers it sends."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from paperscope.accounts.keys import load_secret
from paperscope.config import Settings, proxy_list
from paperscope.store import Store
from paperscope.web import (
    admin,
    api,
    claims,
    feedback,
    feeds,
    following,
    library,
    pages,
    people,
    signin,
    subscriptions,
)
from paperscope.web.context import WebContext
from paperscope.web.csrf import install_csrf
from paperscope.web.security import BodyLimit, HeadAsGet, SecurityHeaders, install_error_handlers
from paperscope.web.templating import build_templates

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings, store: Store) -> FastAPI:
    app = FastAPI(
        title="paperscope",
        summary="Daily papers, trending, search, paper pages and author profiles.",
        version="1",
        docs_url=None,
        redoc_url=None,
    )
    context = WebContext(
        settings=settings, store=store, templates=build_templates(), secret=load_secret(settings)
    )
    app.state.web = context
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders, always_https=context.secure_cookies)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit, limits=people.BODY_LIMITS)
    install_csrf(app, context.secure_cookies)  # every visitor gets a ps_csrf cookie
    proxies = proxy_list(settings.trusted_proxies)
    if proxies:  # outermost: the client address and scheme are settled before anything else
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.router)
    app.include_router(people.api_router)  # people search, experts, reviewers (JSON)
    app.include_router(claims.api_router)  # a profile's owner and corrections (JSON)
    app.include_router(admin.api_router)  # the admin page's data (JSON, admins only)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    app.include_router(people.router)  # people search, experts, reviewers (pages)
    app.include_router(signin.router)  # sign-in by emailed link, sign-out
    app.include_router(library.router)  # library, upvotes, BibTeX export
    app.include_router(feedback.router)  # not interested / more like this, the personal feed
    app.include_router(subscriptions.router)  # subscribe, confirm, manage, unsubscribe
    app.include_router(following.router)  # follow, unfollow, Following, the home feed
    app.include_router(claims.router)  # claim a profile, propose corrections
    app.include_router(admin.router)  # /admin: review claims and corrections, runs

    app.state.warm_up = None  # `paperscope serve` sets its warm-up thread (cli.web)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Up; and whether the server is still reading its indexes and the database ahead
        (pages answer meanwhile, slower: a benchmark or a load balancer may wait for "no")."""
        warm_up = app.state.warm_up
        warming = warm_up is not None and warm_up.is_alive()
        return {"status": "ok", "warming": "yes" if warming else "no"}

    return app

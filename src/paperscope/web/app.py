"""The app factory: `create_app(settings, store)` builds everything; nothing at import time."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.web import api, feeds, pages
from paperscope.web.context import WebContext
from paperscope.web.security import SecurityHeaders, install_error_handlers
from paperscope.web.templating import build_templates

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("paperscope.web")


def _install_accounts(app: FastAPI, context: WebContext) -> bool:
    """Sign-in, library and subscriptions (paperscope.web.accounts), when present."""
    try:
        from paperscope.web import accounts
    except ImportError:
        log.warning("paperscope.web.accounts is missing: no sign-in or subscriptions")
        return False
    accounts.install(app, context.templates, context.settings, context.store)
    return True


def create_app(settings: Settings, store: Store) -> FastAPI:
    app = FastAPI(
        title="paperscope",
        summary="Daily papers, trending, search, paper pages and author profiles.",
        version="1",
        docs_url=None,
        redoc_url=None,
    )
    context = WebContext(settings=settings, store=store, templates=build_templates())
    app.state.web = context
    context.templates.env.globals["accounts_enabled"] = False
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    context.templates.env.globals["accounts_enabled"] = _install_accounts(app, context)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app

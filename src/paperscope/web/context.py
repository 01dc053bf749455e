"""What every request handler needs, built once by `create_app` and kept on `app.state`."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from paperscope.config import Settings
from paperscope.sources.synthetic import FORMAT_NAME as SYNTHETIC_FORMAT
from paperscope.store import Store
from paperscope.store.schema import source_records
from paperscope.web.cache import PageCache


@dataclass(slots=True)
class WebContext:
    settings: Settings
    store: Store
    templates: Jinja2Templates
    secret: bytes  # the key of emailed links, CSRF tokens and unsubscribe links
    cache: PageCache = field(default_factory=PageCache)
    _synthetic: bool | None = field(default=None)

    @property
    def synthetic(self) -> bool:
        """Whether the database holds synthetic demo data (then every page says so)."""
        if self._synthetic is None:
            query = select(source_records.c.id).where(source_records.c.format == SYNTHETIC_FORMAT)
            with self.store.connect() as connection:
                self._synthetic = connection.execute(query.limit(1)).first() is not None
        return self._synthetic

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies are Secure: whenever the public base URL is https."""
        return self.settings.base_url.startswith("https://")


def context_of(request: Request) -> WebContext:
    """The app's `WebContext` (every handler's way to the settings, store and templates)."""
    context: WebContext = request.app.state.web
    return context

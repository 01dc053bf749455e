"""The Jinja2 environment: autoescape everywhere, and the filters the templates use."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from paperscope.read.works import category_tag, short_date

TEMPLATES_DIR = Path(__file__).parent / "templates"


# Control characters (but tab and newline), lone surrogates, private use, bidi overrides.
_UNREADABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff"
    "\u202a-\u202e\u2066-\u2069\U000f0000-\U0010ffff]"
)


def readable(text: str | None) -> str:
    """Untrusted text made displayable: NFC; control characters, lone surrogates, private-use
    and bidirectional-override characters dropped. (Escaping is the template's job.)"""
    if not text:
        return ""
    cleaned = _UNREADABLE.sub("", text)
    return cleaned if cleaned.isascii() else unicodedata.normalize("NFC", cleaned)


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
    return Jinja2Templates(env=environment)

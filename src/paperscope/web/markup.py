"""The links drawn on every row of every list: a person, a work's authors, a category, a venue.

They were Jinja macros; a Daily Papers page of 100 works calls them some 700 times, and a
macro call costs Jinja tens of microseconds of bookkeeping, which made them a third of the
page's rendering (bench/page_render.py). Built here with `markupsafe` they produce the same
HTML: the text escaped, the query values percent-encoded as Jinja's `urlencode` does. They
format plain strings around `escape` (`Markup`'s own `%` wraps every argument in a helper
object, which costs as much again).
Registered as template globals by `templating.build_templates`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup, escape

from paperscope.read.works import WorkSummary, category_tag

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


def _query_value(text: str) -> str:
    """`text` percent-encoded as Jinja's `urlencode` filter encodes a string ('/' kept)."""
    return quote(text.encode("utf-8"), safe="/")


def person_link(name: str, person_id: int | None, key: str | None = None) -> Markup:
    """A person's page: by id once resolved, else by the person key, else by printed name."""
    shown = escape(readable(name))
    if person_id is not None:
        return Markup(f'<a href="/author/{int(person_id)}">{shown}</a>')
    if key:
        return Markup(f'<a href="/author?person={_query_value(key)}">{shown}</a>')
    return Markup(f'<a href="/author?name={_query_value(name)}">{shown}</a>')


def authors_line(entry: WorkSummary) -> Markup:
    """The work's listed authors, each a link, then "et al." when it has more."""
    line = ", ".join([person_link(a.name, a.person_id) for a in entry.authors])
    if entry.authors and entry.author_count > len(entry.authors):
        line += " et al."
    return Markup(line)


@lru_cache(maxsize=4096)  # a corpus has a few hundred categories; every row draws one
def category_link(category: str) -> Markup:
    """The category's tag, linking to its page (/category/cs.CL)."""
    return Markup(
        f'<a class="tag" href="/category/{_query_value(category)}" title="{escape(category)}:'
        f' its most cited papers, people and rising topics">'
        f"{escape(category_tag(category) or '')}</a>"
    )


@lru_cache(maxsize=4096)
def venue_link(venue: str) -> Markup:
    """The venue's name, linking to its page (/venue?name=...)."""
    return Markup(
        f'<a class="venue" href="/venue?name={_query_value(venue)}">{escape(readable(venue))}</a>'
    )

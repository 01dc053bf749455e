"""Two rules for untrusted text that every layer shares: which URLs may become links, and
which strings are row ids.

`safe_url` decides, for ingest (code-link detection, a work's source page), the read model,
the web templates (the Jinja test `safe_url`), feeds and mails alike, whether a URL from a
source may be stored or shown as a link: only an absolute http(s) URL with a host and no
whitespace or control characters. Anything else (`javascript:`, `data:`, `vbscript:`,
`file:`, relative or scheme-relative URLs, text with a tab or newline that a browser would
drop before reading the scheme) is not a link anywhere.

`parse_id` reads a row id from a URL, a form or a command line: ASCII digits only (so
`"²"` or `"٣"`, which `str.isdigit` accepts and `int` then refuses or misreads, are not
ids) within the range of the INTEGER id columns (a larger number, 64-bit overflow included,
is no row, never a database error).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 4096
"""Longer "URLs" are not links (a real one is far shorter; browsers cap around 2 MB)."""

MAX_ID = 2**31 - 1
"""The largest id an INTEGER primary key holds on PostgreSQL (which refuses to compare a
larger bound value with one: "integer out of range"); SQLite's reach 2^63 - 1, beyond which
its driver overflows. No table here comes near either."""

_SAFE_SCHEMES = frozenset({"http", "https"})
# Whitespace and control characters (C0, DEL, C1): browsers strip or drop some of them before
# they read the scheme ("java\tscript:"), and no real link holds one. Quotes, angle brackets
# and the backslash never appear in a well-formed URL either.
_NOT_IN_A_LINK = re.compile(r"[\s\x00-\x1f\x7f-\x9f<>\"\\`]")
_ID = re.compile(r"[0-9]{1,19}")
_CATEGORY = re.compile(
    r"[A-Za-z][A-Za-z0-9-]{0,30}(?:\.[A-Za-z][A-Za-z0-9-]{0,30})?"  # arXiv's cs.CL, its tag CL
    r"|[A-Za-z][A-Za-z0-9-]{0,30}(?: [A-Za-z0-9][A-Za-z0-9-]{0,30}){1,7}"  # Signal Processing
)


def safe_url(value: object) -> str | None:
    """`value` itself when it is a safe absolute http(s) URL, else None."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_LENGTH:
        return None
    if _NOT_IN_A_LINK.search(value):
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not host:
        return None
    return value


def is_safe_url(value: object) -> bool:
    """Whether `value` may be a link (the Jinja test `safe_url`)."""
    return safe_url(value) is not None


def parse_id(value: object) -> int | None:
    """The row id `value` spells in ASCII digits, at most `MAX_ID`, else None."""
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def is_category(text: str) -> bool:
    """Whether `text` may name a category: an arXiv category or its short tag (`cs.CL`,
    `CL`), or a field of study as OpenAlex and Semantic Scholar print them (`Signal
    Processing`, `Human-Computer Interaction`: up to eight words, single spaces)."""
    return _CATEGORY.fullmatch(text) is not None

"""Links no page, feed, mail or JSON answer may offer: the URLs a hostile source can put in
`githubRepo`, a BibTeX `url` or a code link, a database from before the safe-link rule
holding them, and a parser that finds every link a document offers."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from paperscope.store import Store
from paperscope.store.schema import code_links, works
from paperscope.untrusted import is_safe_url

HOSTILE_URLS = (
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert('mixed case')",
    " javascript:alert('leading space')",
    "java\tscript:alert('tab')",
    "java\nscript:alert('newline')",
    "\x01javascript:alert('control')",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/protocol-relative",
)
"""Not one of these may become a link; every one is a string a source field can hold."""

DATA = Path(__file__).parent.parent / "data"

_LINK_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster"})


def write_hostile_sources(folder: Path) -> list[Path]:
    """Source files whose code links and URLs are hostile: the Hugging Face daily sample with
    a hostile `githubRepo` on every paper, and two BibTeX entries with a hostile `url`."""
    daily = json.loads((DATA / "hf-daily" / "daily_papers-2024-01-08.json").read_text())
    for entry, url in zip(daily, itertools.cycle(HOSTILE_URLS), strict=False):
        entry["paper"]["githubRepo"] = url
    hf = folder / "daily_papers-2024-01-08.json"
    hf.write_text(json.dumps(daily))
    bib = folder / "hostile.bib"
    bib.write_text(
        "@article{evil2024,\n  title = {Evil Links},\n  author = {Mallory, Eve},\n"
        "  year = {2024},\n  url = {javascript:alert(document.cookie)}\n}\n"
        "@misc{data2024,\n  title = {Data Links},\n  author = {Mallory, Eve},\n"
        "  year = {2024},\n  url = {data:text/html,<script>alert(1)</script>}\n}\n"
    )
    return [hf, bib]


def plant_hostile_links(store: Store, work_ids: Sequence[int]) -> None:
    """What a database written before the rule may hold: every hostile URL as a code link of
    each work, and one as its source page (`works.url`)."""
    with store.transaction() as connection:
        for number, work_id in enumerate(work_ids):
            connection.execute(
                insert(code_links),
                [{"work_id": work_id, "url": url, "origin": "githubRepo"} for url in HOSTILE_URLS],
            )
            connection.execute(
                update(works)
                .where(works.c.id == work_id)
                .values(url=HOSTILE_URLS[number % len(HOSTILE_URLS)])
            )


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in _LINK_ATTRIBUTES and value is not None:
                self.links.append((tag, name, value))


def html_links(html: str) -> list[tuple[str, str, str]]:
    """Every (tag, attribute, URL) an HTML document links to (entities decoded, as a browser
    reads them)."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser.links


def is_allowed_link(tag: str, value: str) -> bool:
    """A link a page may hold: a path on this site, a fragment, a safe http(s) URL, or the
    empty favicon (`<link rel="icon" href="data:,">`, which is no anchor)."""
    if tag == "link" and value == "data:,":
        return True
    if value.startswith("#") or (value.startswith("/") and not value.startswith(("//", "/\\"))):
        return True
    return is_safe_url(value)


def unsafe_html_links(html: str) -> list[tuple[str, str, str]]:
    return [link for link in html_links(html) if not is_allowed_link(link[0], link[2])]


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON document (keys too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def hostile_strings_in_json(body: str | bytes) -> list[str]:
    """The strings of a JSON answer that a client could render as a javascript:/data: link."""
    return [text for text in strings(json.loads(body)) if _looks_hostile(text)]


def _looks_hostile(text: str) -> bool:
    squeezed = "".join(ch for ch in text if ch > " " and ch != "\x7f").lower()
    return squeezed.startswith(("javascript:", "data:", "vbscript:", "file:", "//"))

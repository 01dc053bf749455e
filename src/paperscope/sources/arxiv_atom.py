"""arXiv API responses (export.arxiv.org/api/query): Atom XML, raw or wrapped in a JSON record.

Two generations are handled alike: the older API (per-element `xmlns:arxiv`, http links) and
the current one (namespaces on the root, https links). A recorded exchange may come wrapped as
`{"url": ..., "status_code": ..., "body": "<?xml ...>"}`; the body is then unwrapped.

An error response is one Atom entry titled `Error` whose id points at `/api/errors#...`; it
yields a single `Malformed` for the whole feed, as does any wrapped HTTP status of 400 or more.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from lxml import etree

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.arxiv_ids import (
    arxiv_id,
    categories_primary_first,
    clean_text,
    doi_ids,
    finished_elements,
    iso_date,
    too_large,
    year_from_id,
)
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    Empty,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    excerpt,
    failure,
    over_cap,
)
from paperscope.sources.reading import TooLarge, peek, read_capped

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
_ENTRY = f"{{{ATOM}}}entry"
_ERROR_ID_MARK = "/api/errors"
_TOTAL_RESULTS = re.compile(rb"totalResults[^>]*>\s*(\d+)\s*<")


def sniff(head: bytes, filename: str) -> bool:
    """An Atom feed that mentions the arXiv API or its schema, raw or inside a JSON wrapper."""
    if b"<feed" not in head or b"www.w3.org/2005/Atom" not in head:
        return False
    if b"arxiv.org/api" not in head and b"arxiv.org/schemas/atom" not in head:
        return False
    start = head.lstrip()[:1]
    if start == b"{":
        return b'"body"' in head
    return start == b"<"


def total_results(document: bytes) -> int | None:
    """The feed's `opensearch:totalResults` (raw or JSON-wrapped), for a harvester's paging."""
    match = _TOTAL_RESULTS.search(document)
    return int(match.group(1)) if match else None


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    found = False
    for result in _results(stream, limits):
        found = True
        yield result
    if not found:
        yield Empty("the feed lists no entries")


def _results(stream: BinaryIO, limits: Limits) -> Iterator[ParseResult]:
    head, stream = peek(stream)
    if head.lstrip()[:1] != b"{":
        yield from _parse_feed(stream, limits)
        return
    try:
        data = read_capped(stream, limits.document_bytes)
    except TooLarge:
        reason = over_cap("the response", limits.document_bytes + 1, limits.document_bytes, DOC)
        yield Malformed("response", None, reason, head.decode("utf-8", "replace")[:2000])
        return
    wrapper, problem = _load_wrapper(data)
    del data
    if wrapper is None:
        yield Malformed("response", "body", problem, head.decode("utf-8", "replace")[:2000])
        return
    body = _body_bytes(wrapper["body"])
    status = wrapper.get("status_code")
    if isinstance(status, int) and status >= 400:
        yield _http_error(status, body, limits)
        return
    yield from _parse_feed(io.BytesIO(body), limits)


DOC = "PAPERSCOPE_MAX_DOCUMENT_BYTES"


def _load_wrapper(data: bytes) -> tuple[dict[str, Any] | None, str]:
    try:
        wrapper = json.loads(data)
    except (ValueError, RecursionError) as error:
        return None, f"invalid JSON wrapper: {failure(error)}"
    if not isinstance(wrapper, dict) or not isinstance(wrapper.get("body"), str):
        return None, "JSON wrapper has no string 'body'"
    return wrapper, ""


def _body_bytes(body: str) -> bytes:
    """The body as the server sent it.

    Recorders that took `response.text` without a charset decoded arXiv's UTF-8 as Latin-1
    (`RamÃ­rez`); encoding back to Latin-1 restores the original bytes exactly when that happened.
    """
    try:
        raw = body.encode("latin-1")
        raw.decode("utf-8")
    except UnicodeError:
        return body.encode("utf-8")
    return raw


def _http_error(status: int, body: bytes, limits: Limits) -> Malformed:
    message = _error_message(body, limits)
    reason = f"arXiv API error (HTTP {status})" + (f": {excerpt(message, 500)}" if message else "")
    return Malformed("response", "feed", reason, body[:2000].decode("utf-8", "replace"))


def _error_message(body: bytes, limits: Limits) -> str | None:
    """The message of the error entry in an error feed, if the body is such a feed."""
    try:
        for entry in finished_elements(io.BytesIO(body), (_ENTRY,), limits):
            if _ERROR_ID_MARK in (_text(entry, f"{{{ATOM}}}id") or ""):
                return _text(entry, f"{{{ATOM}}}summary")
    except (etree.XMLSyntaxError, TooLarge):
        return None
    return None


def _parse_feed(stream: BinaryIO, limits: Limits) -> Iterator[ParseResult]:
    number = 0
    try:
        for entry in finished_elements(stream, (_ENTRY,), limits):
            number += 1
            try:
                yield _entry_result(entry, number)
            except Exception as error:  # one record's failure must not end the file
                yield Malformed(f"entry {number}", None, failure(error), "")
    except etree.XMLSyntaxError as error:
        yield Malformed(f"after entry {number}", "xml", f"broken XML: {error}", "")
    except TooLarge as over:
        yield Malformed(f"after entry {number}", "xml", too_large(over, limits), "")


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path)
    return clean_text(found.text) if found is not None else None


def _entry_result(entry: etree._Element, number: int) -> ParseResult:
    raw = etree.tostring(entry, encoding="unicode", with_tail=False)
    raw_id = _text(entry, f"{{{ATOM}}}id") or ""
    position = f"entry {number} ({raw_id.rsplit('/abs/', 1)[-1] or 'no id'})"
    if _ERROR_ID_MARK in raw_id:
        message = _text(entry, f"{{{ATOM}}}summary") or raw_id.rsplit("#", 1)[-1]
        return Malformed(f"entry {number}", "feed", f"arXiv API error: {message}", raw)
    key = arxiv_id(raw_id)
    if key is None:
        reason = f"not an arXiv id: {raw_id!r}" if raw_id else "entry has no id"
        return Malformed(position, "id", reason, raw)
    title = _text(entry, f"{{{ATOM}}}title")
    if title is None:
        return Malformed(position, "title", "entry has no title", raw)
    return Parsed(_work(entry, key, title), position, raw)


def _work(entry: etree._Element, key: str, title: str) -> WorkRecord:
    published = iso_date(_text(entry, f"{{{ATOM}}}published"))
    return WorkRecord(
        ids=(ExternalId("arxiv", key), *doi_ids(_text(entry, f"{{{ARXIV}}}doi"))),
        title=title,
        abstract=_text(entry, f"{{{ATOM}}}summary"),
        authors=_authors(entry),
        published=published,
        updated=iso_date(_text(entry, f"{{{ATOM}}}updated")),
        year=published.year if published else year_from_id(key),
        categories=_categories(entry),
        venue=_text(entry, f"{{{ARXIV}}}journal_ref"),
        comments=_text(entry, f"{{{ARXIV}}}comment"),
        url=_abs_link(entry),
    )


def _author(element: etree._Element) -> AuthorName:
    affiliations = [
        text
        for found in element.iterfind(f"{{{ARXIV}}}affiliation")
        if (text := clean_text(found.text))
    ]
    return AuthorName(
        name=_text(element, f"{{{ATOM}}}name") or "",
        affiliation="; ".join(affiliations) or None,
    )


def _authors(entry: etree._Element) -> tuple[AuthorName, ...]:
    authors = (_author(element) for element in entry.iterfind(f"{{{ATOM}}}author"))
    return tuple(author for author in authors if author.name)


def _categories(entry: etree._Element) -> tuple[str, ...]:
    primary = entry.find(f"{{{ARXIV}}}primary_category")
    others = (found.get("term", "") for found in entry.iterfind(f"{{{ATOM}}}category"))
    return categories_primary_first(primary.get("term") if primary is not None else None, others)


def _abs_link(entry: etree._Element) -> str | None:
    for link in entry.iterfind(f"{{{ATOM}}}link"):
        if link.get("rel") == "alternate" and link.get("href"):
            return str(link.get("href"))
    return None


FORMATS = (
    Format(
        name="arxiv-atom",
        description="arXiv API Atom XML responses (raw, or JSON-wrapped {url, status_code, body})",
        sniff=sniff,
        parse=parse,
    ),
)

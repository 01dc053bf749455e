"""arXiv OAI-PMH responses (export.arxiv.org/oai2): ListRecords and GetRecord.

Two metadata formats are read: `arXiv` (split author names, `created`/`updated` dates) and
`arXivRaw` (the author line as submitted, in TeX, and one `version` element per version).
Deleted records (`<header status="deleted">`) are skipped: they are not errors. An OAI-PMH
`<error>` yields one `Malformed`, except `noRecordsMatch`, which is an empty result.

A harvester reads the next page's token with `resumption_token(response_bytes)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import BinaryIO, NamedTuple
from xml.sax.saxutils import unescape

from lxml import etree

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.arxiv_ids import (
    abs_url,
    arxiv_id,
    clean_text,
    doi_ids,
    finished_elements,
    iso_date,
    name_from_parts,
    parse_author_line,
    rfc2822_date,
    split_categories,
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
    failure,
)
from paperscope.sources.reading import TooLarge

OAI = "http://www.openarchives.org/OAI/2.0/"
ARXIV_FORMAT = "http://arxiv.org/OAI/arXiv/"
ARXIV_RAW_FORMAT = "http://arxiv.org/OAI/arXivRaw/"
_RECORD = f"{{{OAI}}}record"
_ERROR = f"{{{OAI}}}error"
_EMPTY_RESULT_CODE = "noRecordsMatch"
_RESUMPTION_TOKEN = re.compile(
    rb"<(?:[\w.-]+:)?resumptionToken\b[^>]*?(?:/>|>([^<]*)</(?:[\w.-]+:)?resumptionToken\s*>)"
)


def sniff(head: bytes, filename: str) -> bool:
    """An OAI-PMH response from arXiv's repository (its request URL or metadata namespaces)."""
    if b"<OAI-PMH" not in head or b"openarchives.org/OAI/2.0/" not in head:
        return False
    return b"arxiv.org" in head.lower()


def resumption_token(document: bytes | str) -> str | None:
    """The token to ask for the next page, or None on the last (or only) page.

    Give it the whole response: the token follows the last record. An empty
    `<resumptionToken completeListSize="..."/>` marks the end of a list.
    """
    data = document.encode("utf-8") if isinstance(document, str) else document
    token = None
    for match in _RESUMPTION_TOKEN.finditer(data):
        token = match.group(1)
    if not token or not token.strip():
        return None
    return unescape(token.decode("utf-8").strip(), {"&quot;": '"', "&apos;": "'"})


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    number = 0
    found = False
    try:
        for element in finished_elements(stream, (_RECORD, _ERROR), limits):
            result: ParseResult | None
            if element.tag == _ERROR:
                result = _error_result(element)
            else:
                number += 1
                result = _guarded(element, number)
            if result is not None:
                found = True
                yield result
    except etree.XMLSyntaxError as error:
        found = True
        yield Malformed(f"after record {number}", "xml", f"broken XML: {error}", "")
    except TooLarge as over:
        found = True
        yield Malformed(f"after record {number}", "xml", too_large(over, limits), "")
    if not found:
        yield Empty("no records (noRecordsMatch, or deleted records only)")


def _guarded(element: etree._Element, number: int) -> ParseResult | None:
    try:
        return _record_result(element, number)
    except Exception as error:  # one record's failure must not end the file
        return Malformed(f"record {number}", None, failure(error), "")


def _raw(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode", with_tail=False)


def _error_result(element: etree._Element) -> Malformed | None:
    code = element.get("code") or "unknown"
    if code == _EMPTY_RESULT_CODE:
        return None
    message = clean_text(element.text)
    reason = f"OAI-PMH error {code}" + (f": {message}" if message else "")
    return Malformed("response", "error", reason, _raw(element))


def _record_result(record: etree._Element, number: int) -> ParseResult | None:
    header = record.find(f"{{{OAI}}}header")
    identifier = clean_text(header.findtext(f"{{{OAI}}}identifier")) if header is not None else None
    position = f"record {number} ({identifier or 'no identifier'})"
    if header is not None and header.get("status") == "deleted":
        return None
    metadata = record.find(f"{{{OAI}}}metadata")
    payload = metadata.find("*") if metadata is not None else None  # skips comments
    if payload is None:
        return Malformed(position, "metadata", "record has no metadata", _raw(record))
    if payload.tag == f"{{{ARXIV_FORMAT}}}arXiv":
        reader, namespace = _arxiv_format_details, ARXIV_FORMAT
    elif payload.tag == f"{{{ARXIV_RAW_FORMAT}}}arXivRaw":
        reader, namespace = _arxiv_raw_details, ARXIV_RAW_FORMAT
    else:
        reason = f"unsupported metadata format {payload.tag!r}"
        return Malformed(position, "metadata", reason, _raw(record))
    return _work_result(payload, namespace, reader, identifier, position, _raw(record))


class _Details(NamedTuple):
    """What the two metadata formats write differently."""

    authors: tuple[AuthorName, ...]
    published: date | None
    updated: date | None


_DetailsReader = Callable[[etree._Element], _Details]


def _work_result(
    payload: etree._Element,
    namespace: str,
    reader: _DetailsReader,
    identifier: str | None,
    position: str,
    raw: str,
) -> ParseResult:
    def field(name: str) -> str | None:
        return clean_text(payload.findtext(f"{{{namespace}}}{name}"))

    raw_id = field("id") or identifier
    key = arxiv_id(raw_id)
    if key is None:
        return Malformed(position, "id", f"not an arXiv id: {raw_id!r}", raw)
    title = field("title")
    if title is None:
        return Malformed(position, "title", "record has no title", raw)
    authors, published, updated = reader(payload)
    work = WorkRecord(
        ids=(ExternalId("arxiv", key), *doi_ids(field("doi"))),
        title=title,
        abstract=field("abstract"),
        authors=authors,
        published=published,
        updated=updated,
        year=published.year if published else year_from_id(key),
        categories=split_categories(field("categories")),
        venue=field("journal-ref"),
        comments=field("comments"),
        url=abs_url(key),
    )
    return Parsed(work, position, raw)


def _arxiv_format_details(payload: etree._Element) -> _Details:
    """Authors and dates from the `arXiv` format: names already split and in Unicode."""
    authors = tuple(
        author
        for element in payload.iterfind(f"{{{ARXIV_FORMAT}}}authors/{{{ARXIV_FORMAT}}}author")
        if (author := _split_name_author(element)) is not None
    )
    published = iso_date(payload.findtext(f"{{{ARXIV_FORMAT}}}created"))
    updated = iso_date(payload.findtext(f"{{{ARXIV_FORMAT}}}updated")) or published
    return _Details(authors, published, updated)


def _split_name_author(element: etree._Element) -> AuthorName | None:
    def part(name: str) -> str | None:
        return clean_text(element.findtext(f"{{{ARXIV_FORMAT}}}{name}"))

    keyname = part("keyname")
    if keyname is None:
        return None
    affiliations = [
        text
        for found in element.iterfind(f"{{{ARXIV_FORMAT}}}affiliation")
        if (text := clean_text(found.text))
    ]
    return AuthorName(
        name=name_from_parts(keyname, part("forenames"), part("suffix")),
        affiliation="; ".join(affiliations) or None,
    )


def _arxiv_raw_details(payload: etree._Element) -> _Details:
    """Authors and dates from `arXivRaw`: a TeX author line, and v1's date as publication."""
    authors = parse_author_line(payload.findtext(f"{{{ARXIV_RAW_FORMAT}}}authors"))
    version_dates = [
        found
        for version in payload.iterfind(f"{{{ARXIV_RAW_FORMAT}}}version")
        if (found := rfc2822_date(version.findtext(f"{{{ARXIV_RAW_FORMAT}}}date")))
    ]
    if not version_dates:
        return _Details(authors, None, None)
    return _Details(authors, version_dates[0], version_dates[-1])


FORMATS = (
    Format(
        name="arxiv-oai",
        description="arXiv OAI-PMH ListRecords/GetRecord XML (arXiv and arXivRaw metadata)",
        sniff=sniff,
        parse=parse,
    ),
)

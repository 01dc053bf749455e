"""arXiv: the search API (Atom, paged by start/max_results) and OAI-PMH ListRecords.

The API suits a category and date window; OAI-PMH suits bulk harvesting (arXiv's own advice)
and pages with a resumptionToken. Pages are saved as the XML arXiv sent, which the
`arxiv-atom` and `arxiv-oai` formats read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import httpx
from lxml import etree

from paperscope.harvest.base import Cursor
from paperscope.harvest.http import IncompleteResponseError, RequestSpec
from paperscope.sources.arxiv_atom import total_results
from paperscope.sources.arxiv_oai import resumption_token

API_URL = "https://export.arxiv.org/api/query"
OAI_URL = "https://oaipmh.arxiv.org/oai"


@dataclass(frozen=True, slots=True)
class ArxivQuery:
    """A category and/or a submission date window, or a raw `search_query`."""

    category: str | None = None
    date_from: date | None = None
    date_until: date | None = None
    search: str | None = None
    page_size: int = 100

    def search_query(self) -> str:
        parts = [self.search] if self.search else []
        if self.category:
            parts.append(f"cat:{self.category}")
        if self.date_from or self.date_until:
            start = (self.date_from or date(1991, 1, 1)).strftime("%Y%m%d0000")
            end = (self.date_until or date(9999, 12, 31)).strftime("%Y%m%d2359")
            parts.append(f"submittedDate:[{start} TO {end}]")
        if not parts:
            raise ValueError("an arXiv query needs a category, a date window or a search")
        return " AND ".join(parts)


@dataclass(frozen=True, slots=True)
class ArxivOAIQuery:
    date_from: date | None = None
    date_until: date | None = None
    set: str | None = None
    """An OAI set such as `cs` or `physics:hep-th`."""
    metadata_prefix: str = "arXiv"


def check_xml(body: bytes) -> None:
    try:
        etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise IncompleteResponseError(f"XML does not parse: {error}") from error


@dataclass(frozen=True, slots=True)
class ArxivApiPager:
    query: ArxivQuery
    source: str = "arxiv"
    suffix: str = "xml"
    prefix: str = "page"

    def label(self) -> str:
        return self.query.category or self.query.search or "query"

    def first(self) -> Cursor:
        return 0

    def request(self, cursor: Cursor) -> RequestSpec:
        params = (
            ("search_query", self.query.search_query()),
            ("start", str(cursor)),
            ("max_results", str(self.query.page_size)),
            # A stable order keeps pages from shifting while new papers arrive.
            ("sortBy", "submittedDate"),
            ("sortOrder", "ascending"),
        )
        return RequestSpec("GET", API_URL, params)

    def check(self, body: bytes) -> None:
        check_xml(body)

    def next(self, cursor: Cursor, body: bytes) -> Cursor | None:
        # Advance by what arrived, not by page_size: the API sometimes returns short pages.
        entries = body.count(b"<entry>") + body.count(b"<entry ")
        total = total_results(body)
        after = int(cursor) + entries
        if entries == 0 or total is None or after >= total:
            return None
        return after

    def raw_file(self, spec: RequestSpec, response: httpx.Response) -> bytes:
        return response.content


@dataclass(frozen=True, slots=True)
class ArxivOAIPager:
    query: ArxivOAIQuery
    source: str = "arxiv-oai"
    suffix: str = "xml"
    prefix: str = "page"

    def label(self) -> str:
        return self.query.set or "all"

    def first(self) -> Cursor:
        return ""  # no token yet: the first request carries the selective arguments

    def request(self, cursor: Cursor) -> RequestSpec:
        if cursor:
            # OAI-PMH forbids other arguments next to a resumptionToken.
            return RequestSpec(
                "GET", OAI_URL, (("verb", "ListRecords"), ("resumptionToken", str(cursor)))
            )
        params = [("verb", "ListRecords"), ("metadataPrefix", self.query.metadata_prefix)]
        if self.query.date_from:
            params.append(("from", self.query.date_from.isoformat()))
        if self.query.date_until:
            params.append(("until", self.query.date_until.isoformat()))
        if self.query.set:
            params.append(("set", self.query.set))
        return RequestSpec("GET", OAI_URL, tuple(params))

    def check(self, body: bytes) -> None:
        check_xml(body)

    def next(self, cursor: Cursor, body: bytes) -> Cursor | None:
        return resumption_token(body)

    def raw_file(self, spec: RequestSpec, response: httpx.Response) -> bytes:
        return response.content

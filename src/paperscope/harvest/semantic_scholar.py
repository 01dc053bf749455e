"""Semantic Scholar Graph API: paper batch, author papers, citations, references, bulk search.

Each response is saved as a one-interaction vcrpy-style cassette (request method and URI,
response status and body verbatim) rather than the bare JSON body, because the `s2-api`
format needs the request URI to know which paper a citations/references page is about (the
citation edge), and because an empty page (`{"data": []}`) is otherwise unrecognisable.
Request headers are not saved: they carry the API key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import yaml

from paperscope.harvest.base import Cursor, check_json
from paperscope.harvest.http import IncompleteResponseError, RequestSpec

GRAPH_URL = "https://api.semanticscholar.org/graph/v1"
KINDS = ("batch", "author-papers", "citations", "references", "bulk-search")
BATCH_SIZE = 500  # the API's limit on ids per /paper/batch request
PAPER_FIELDS = (
    "title,abstract,year,venue,publicationDate,authors,externalIds,citationCount,fieldsOfStudy"
)
LINK_FIELDS = "title,year,authors,externalIds,contexts,isInfluential"


@dataclass(frozen=True, slots=True)
class S2Query:
    kind: str
    """One of KINDS."""
    ids: tuple[str, ...] = ()
    """Paper ids for `batch`; one paper id (citations, references) or author id otherwise."""
    query: str | None = None
    """The text of a `bulk-search`."""
    fields: str | None = None
    limit: int = 100
    year: str | None = None
    """`bulk-search` year filter, e.g. `2020-2024`."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown S2 harvest kind {self.kind!r}; known: {', '.join(KINDS)}")
        if self.kind == "bulk-search" and not self.query:
            raise ValueError("an S2 bulk-search needs `query`")
        if self.kind != "bulk-search" and not self.ids:
            raise ValueError(f"an S2 {self.kind} harvest needs `ids`")


@dataclass(frozen=True, slots=True)
class S2Pager:
    query: S2Query
    api_key: str | None = None
    source: str = "s2"
    suffix: str = "yaml"
    prefix: str = "page"

    def label(self) -> str:
        subject = self.query.query if self.query.kind == "bulk-search" else self.query.ids[0]
        return f"{self.query.kind}-{subject}"

    def first(self) -> Cursor:
        return "" if self.query.kind == "bulk-search" else 0

    def request(self, cursor: Cursor) -> RequestSpec:
        headers = (("x-api-key", self.api_key),) if self.api_key else ()
        kind = self.query.kind
        if kind == "batch":
            chunk = self.query.ids[int(cursor) * BATCH_SIZE : (int(cursor) + 1) * BATCH_SIZE]
            params = (("fields", self.query.fields or PAPER_FIELDS),)
            url = f"{GRAPH_URL}/paper/batch"
            return RequestSpec("POST", url, params, {"ids": list(chunk)}, headers)
        if kind == "bulk-search":
            return RequestSpec(
                "GET", f"{GRAPH_URL}/paper/search/bulk", self._bulk(cursor), headers=headers
            )
        return RequestSpec("GET", self._paged_url(), self._paged(cursor), headers=headers)

    def _paged_url(self) -> str:
        subject = quote(self.query.ids[0], safe=":/")
        if self.query.kind == "author-papers":
            return f"{GRAPH_URL}/author/{subject}/papers"
        return f"{GRAPH_URL}/paper/{subject}/{self.query.kind}"

    def _paged(self, cursor: Cursor) -> tuple[tuple[str, str], ...]:
        default = PAPER_FIELDS if self.query.kind == "author-papers" else LINK_FIELDS
        return (
            ("fields", self.query.fields or default),
            ("offset", str(cursor)),
            ("limit", str(self.query.limit)),
        )

    def _bulk(self, cursor: Cursor) -> tuple[tuple[str, str], ...]:
        params = [("query", self.query.query or ""), ("fields", self.query.fields or PAPER_FIELDS)]
        if self.query.year:
            params.append(("year", self.query.year))
        if cursor:
            params.append(("token", str(cursor)))
        return tuple(params)

    def check(self, body: bytes) -> None:
        document = check_json(body)
        expected = list if self.query.kind == "batch" else dict
        if not isinstance(document, expected):
            raise IncompleteResponseError(f"expected a JSON {expected.__name__}")

    def next(self, cursor: Cursor, body: bytes) -> Cursor | None:
        document: Any = json.loads(body)
        kind = self.query.kind
        if kind == "batch":
            after = int(cursor) + 1
            return after if after * BATCH_SIZE < len(self.query.ids) else None
        if kind == "bulk-search":
            token = document.get("token")
            return str(token) if token and document.get("data") else None
        # Paged endpoints omit `next` on the last page.
        after = document.get("next")
        return int(after) if after is not None and document.get("data") else None

    def raw_file(self, spec: RequestSpec, response: httpx.Response) -> bytes:
        request = response.request
        content = request.content.decode("utf-8") if request.content else None
        interaction = {
            "request": {"method": request.method, "uri": str(request.url), "body": content},
            "response": {
                "status": {"code": response.status_code},
                "body": {"string": response.text},
            },
        }
        cassette = {"interactions": [interaction], "version": 1}
        return yaml.safe_dump(cassette, allow_unicode=True, sort_keys=False).encode("utf-8")

"""OpenAlex works, paged with a cursor (`cursor=*`, then `meta.next_cursor`).

`mailto` puts requests in the polite pool; an `api_key` (premium) is sent when configured.
Pages are saved as sent: the `openalex` format reads a `{"meta", "results"}` page.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from paperscope.harvest.base import Cursor, check_json
from paperscope.harvest.http import IncompleteResponseError, RequestSpec

WORKS_URL = "https://api.openalex.org/works"


@dataclass(frozen=True, slots=True)
class OpenAlexQuery:
    filter: str | None = None
    """OpenAlex filter syntax, e.g. `from_publication_date:2024-01-01,concepts.id:C41008148`."""
    search: str | None = None
    per_page: int = 200


@dataclass(frozen=True, slots=True)
class OpenAlexPager:
    query: OpenAlexQuery
    mailto: str | None = None
    api_key: str | None = None
    source: str = "openalex"
    suffix: str = "json"
    prefix: str = "page"

    def label(self) -> str:
        return self.query.filter or self.query.search or "works"

    def first(self) -> Cursor:
        return "*"

    def request(self, cursor: Cursor) -> RequestSpec:
        params = [("per-page", str(self.query.per_page)), ("cursor", str(cursor))]
        if self.query.filter:
            params.append(("filter", self.query.filter))
        if self.query.search:
            params.append(("search", self.query.search))
        if self.mailto:
            params.append(("mailto", self.mailto))
        if self.api_key:
            params.append(("api_key", self.api_key))
        return RequestSpec("GET", WORKS_URL, tuple(params))

    def check(self, body: bytes) -> None:
        page = check_json(body)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise IncompleteResponseError("not an OpenAlex list page (no `results`)")

    def next(self, cursor: Cursor, body: bytes) -> Cursor | None:
        page = check_json(body)
        next_cursor = (page.get("meta") or {}).get("next_cursor")
        # The last page has no next_cursor; an empty page ends the list too.
        if not page["results"] or not next_cursor:
            return None
        return str(next_cursor)

    def raw_file(self, spec: RequestSpec, response: httpx.Response) -> bytes:
        return response.content

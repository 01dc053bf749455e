"""Search: keyword (FTS5 / tsvector), semantic and hybrid ranking, similar papers. The public
API is re-exported here; see docs/search.md.
"""

from __future__ import annotations

from paperscope.search.filters import SearchFilters
from paperscope.search.service import (
    SearchHit,
    SearchRequest,
    SearchResults,
    search,
    search_by_text,
    similar_works,
)

__all__ = [
    "SearchFilters",
    "SearchHit",
    "SearchRequest",
    "SearchResults",
    "search",
    "search_by_text",
    "similar_works",
]

"""Search: keyword (FTS5 / tsvector), embeddings, the vector index, hybrid ranking, similar
papers. The public API is re-exported here; see docs/search.md.
"""

from __future__ import annotations

from paperscope.search.embeddings import Encoder, get_encoder, work_text
from paperscope.search.filters import SearchFilters
from paperscope.search.service import (
    SearchHit,
    SearchRequest,
    SearchResults,
    search,
    search_by_text,
    similar_works,
)
from paperscope.search.vectors import embed_works, load_embeddings

__all__ = [
    "Encoder",
    "SearchFilters",
    "SearchHit",
    "SearchRequest",
    "SearchResults",
    "embed_works",
    "get_encoder",
    "load_embeddings",
    "search",
    "search_by_text",
    "similar_works",
    "work_text",
]

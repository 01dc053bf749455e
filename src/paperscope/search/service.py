"""The search API the CLI and the web app use: keyword, semantic, hybrid and rerank search,
similar papers, and search by a pasted abstract.

Hybrid ranking is reciprocal rank fusion (RRF) of the keyword and the semantic lists;
rerank re-orders the top keyword (BM25) results by RRF of their keyword rank and their
cosine to the query (stored vectors only: no index needed). Keyword search matches every
term, and falls back to any term (saying so) when no work has them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, and_, select

from paperscope.config import Settings
from paperscope.embeddings.encoders import ENCODER_NAMES, Matrix, get_encoder, work_text
from paperscope.embeddings.faiss_index import VectorIndex
from paperscope.embeddings.index import open_index
from paperscope.embeddings.vectors import has_embeddings, load_embeddings
from paperscope.errors import NotFoundError, QueryError
from paperscope.search.bm25 import Bm25Index, bm25_index
from paperscope.search.filtered_vectors import filtered_nearest
from paperscope.search.filters import (
    FilterTerms,
    SearchFilters,
    conditions_of,
    filter_terms,
)
from paperscope.search.keyword import keyword_page
from paperscope.search.query import ParsedQuery, Term, check_length, parse_query
from paperscope.store import Store
from paperscope.store.schema import works
from paperscope.store.search_schema import search_state

MODES = ("keyword", "semantic", "hybrid", "rerank")
MAX_PER_PAGE = 100
MAX_WINDOW = 1000  # semantic, hybrid and rerank rank at most this many results
MAX_PASTED_CHARS = 20_000
RRF_K = 60
HYBRID_CANDIDATES = 200
# Keyword results the rerank mode re-orders (30 beat 20 on ACM-CR, see docs/search.md);
# the results below them follow in keyword order, so every page is cut from one list.
RERANK_CANDIDATES = 30
NO_EMBEDDINGS = "no embeddings yet (run `paperscope enrich`): keyword results"
ANY_TERM = "no work matches every word: showing works that match any of them"


@dataclass(frozen=True, slots=True)
class SearchRequest:
    text: str
    mode: str = "hybrid"
    filters: SearchFilters = field(default_factory=SearchFilters)
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True, slots=True)
class SearchHit:
    work_id: int
    score: float
    keyword_rank: int | None
    semantic_rank: int | None


@dataclass(frozen=True, slots=True)
class SearchResults:
    hits: tuple[SearchHit, ...]
    total: int
    page: int
    per_page: int
    mode: str
    notice: str | None = None


def _check_paging(page: int, per_page: int, window: int | None) -> None:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE} (got {per_page})")
    if page < 1:
        raise QueryError(f"page must be 1 or more (got {page})")
    if window is not None and (page - 1) * per_page >= window:
        raise QueryError(f"page {page} is out of range: ranked results stop at {window}")


# --- keyword ------------------------------------------------------------------------------


def _keyword(
    connection: Connection,
    query: ParsedQuery,
    filters: SearchFilters,
    limit: int,
    offset: int,
    bm25: Bm25Index | None,
    any_term: bool = False,
) -> tuple[list[tuple[int, float]], int, str | None]:
    if any_term:
        page = keyword_page(connection, query, filters, limit, offset, operator="OR", bm25=bm25)
        return list(zip(page.ids, page.scores, strict=True)), page.total, None
    page = keyword_page(connection, query, filters, limit, offset, bm25=bm25)
    notice = None
    if page.total == 0 and len(query.terms) > 1:
        page = keyword_page(connection, query, filters, limit, offset, operator="OR", bm25=bm25)
        notice = ANY_TERM
    return list(zip(page.ids, page.scores, strict=True)), page.total, notice


# --- semantic -----------------------------------------------------------------------------


def active_model(store: Store, settings: Settings) -> str:
    """The configured embedding model, or, if it has no vectors yet, one that has some."""
    with store.connect() as connection:
        query = select(search_state.c.model, search_state.c.generation)
        rows: dict[str, int] = {row[0]: row[1] for row in connection.execute(query)}
    if rows.get(settings.embedding_model) or not rows:
        return settings.embedding_model
    for name in ENCODER_NAMES:
        if rows.get(name):
            return name
    return settings.embedding_model


def warm_keyword_index(store: Store, settings: Settings) -> int | None:
    """Bring the BM25 keyword index in step with the database (rebuilding it if behind),
    and let this process rebuild it in the background whenever a search finds it behind
    again (`paperscope serve` calls it at start). Returns how many works it holds; None
    when settings choose the native ranking."""
    index = bm25_index(store, settings)
    if index is None:
        return None
    index.heal = True
    snapshot = index.rebuild()
    return snapshot.size if snapshot is not None else 0


def warm_vector_index(store: Store, settings: Settings) -> int:
    """Load the active model's vector index into this process, synced with the database, as
    the first semantic search or paper page would otherwise do while its visitor waits (at
    a million works: reading 1.5 GB of IVF lists). `paperscope serve` calls it in a
    background thread at start. Returns how many works it holds.

    The model's encoder is loaded too when there are vectors to search: the first semantic
    search otherwise loads it while its visitor waits (tokenlearn 0.35-0.9 s at a million
    works here, MiniLM seconds); and the index does once what its first search among a
    filter's ids would (`VectorIndex.warm_up`)."""
    model = active_model(store, settings)
    index = open_index(store, settings.data_dir, model)
    if index.size:
        get_encoder(model, settings.data_dir).encode(["warm up"])
        index.warm_up()
    return index.size


def _allowed_ids(connection: Connection, terms: FilterTerms) -> np.ndarray | None:
    if not terms.active:
        return None
    query = select(works.c.id).where(and_(*conditions_of(terms)))
    return np.fromiter(connection.execute(query).scalars(), dtype=np.int64)


def _semantic(
    store: Store, settings: Settings, text: str, filters: SearchFilters, k: int
) -> tuple[list[tuple[int, float]], int] | None:
    """(best-first (work id, cosine), how many works were eligible), or None without vectors."""
    model = active_model(store, settings)
    index = open_index(store, settings.data_dir, model)
    if index.size == 0:
        return None
    encoder = get_encoder(model, settings.data_dir)
    vector = encoder.encode([text])[0]
    return _semantic_by_vector(store, settings, index, vector, filters, k)


def _semantic_by_vector(
    store: Store,
    settings: Settings,
    index: VectorIndex,
    vector: np.ndarray,
    filters: SearchFilters,
    k: int,
) -> tuple[list[tuple[int, float]], int]:
    """The `k` nearest works passing `filters` and how many are eligible (at most
    `MAX_WINDOW`): under filters through the BM25 index's filter fields when it is in step
    (search.filtered_vectors), else among the works the database lists."""
    terms = filter_terms(filters)
    bm25 = bm25_index(store, settings) if terms.active else None
    with store.connect() as connection:
        snapshot = bm25.in_step(connection) if bm25 is not None else None
        found = None
        if snapshot is not None:
            found = filtered_nearest(index, vector, k, snapshot, terms, MAX_WINDOW)
        if found is not None:
            return found
        allowed = _allowed_ids(connection, terms)
    if allowed is not None:
        hits, eligible = index.nearest_among(vector, k, allowed)
    else:
        hits = index.search(vector, k)
        eligible = len(hits) if len(hits) < k else index.size
    return hits, min(eligible, MAX_WINDOW)


# --- fusion -------------------------------------------------------------------------------


def rrf(
    keyword_ids: list[int], semantic_ids: list[int], k: int = RRF_K, weight: float = 1.0
) -> list[SearchHit]:
    """Reciprocal rank fusion: score = 1/(k + keyword rank) + weight/(k + semantic rank)."""
    keyword_rank = {w: r for r, w in enumerate(keyword_ids, 1)}
    semantic_rank = {w: r for r, w in enumerate(semantic_ids, 1)}
    hits = []
    for work_id in dict.fromkeys([*keyword_ids, *semantic_ids]):
        kr, sr = keyword_rank.get(work_id), semantic_rank.get(work_id)
        score = (1 / (k + kr) if kr else 0.0) + (weight / (k + sr) if sr else 0.0)
        hits.append(SearchHit(work_id, score, kr, sr))
    hits.sort(key=lambda hit: (-hit.score, hit.work_id))
    return hits


def rerank(
    keyword_ids: Sequence[int],
    query: Matrix,
    vectors: Mapping[int, Matrix],
    depth: int = RERANK_CANDIDATES,
) -> list[SearchHit]:
    """Re-rank the first ``depth`` of ``keyword_ids`` (best first) by RRF of their keyword
    rank and the rank of their cosine to ``query`` (``vectors``: unit vectors by work id).

    A candidate without a vector keeps only its keyword term of the fusion. The results
    after ``depth`` follow in keyword order, scored as RRF with no semantic rank.
    """
    head = list(keyword_ids[:depth])
    embedded = [work_id for work_id in head if work_id in vectors]
    semantic: list[int] = []
    if embedded:
        scores = np.stack([vectors[work_id] for work_id in embedded]) @ query
        semantic = [embedded[i] for i in np.argsort(-scores, kind="stable")]
    tail = [
        SearchHit(work_id, 1 / (RRF_K + rank), rank, None)
        for rank, work_id in enumerate(keyword_ids[depth:], len(head) + 1)
    ]
    return rrf(head, semantic) + tail


# --- the API ------------------------------------------------------------------------------


def _validate(request: SearchRequest) -> ParsedQuery:
    if request.mode not in MODES:
        raise QueryError(f"unknown search mode {request.mode!r}: use {', '.join(MODES)}")
    window = None if request.mode == "keyword" else MAX_WINDOW
    _check_paging(request.page, request.per_page, window)
    filter_terms(request.filters)  # raises on a malformed filter
    return parse_query(request.text)


def _page(hits: list[SearchHit], request: SearchRequest) -> tuple[SearchHit, ...]:
    start = (request.page - 1) * request.per_page
    return tuple(hits[start : start + request.per_page])


def _keyword_results(
    store: Store,
    settings: Settings,
    query: ParsedQuery,
    request: SearchRequest,
    notice: str | None = None,
    any_term: bool = False,
) -> SearchResults:
    offset = (request.page - 1) * request.per_page
    with store.connect() as connection:
        ranked, total, fallback = _keyword(
            connection,
            query,
            request.filters,
            request.per_page,
            offset,
            bm25_index(store, settings),
            any_term,
        )
    hits = tuple(
        SearchHit(work_id, score, offset + rank, None)
        for rank, (work_id, score) in enumerate(ranked, 1)
    )
    notices = "; ".join(n for n in (notice, fallback) if n) or None
    return SearchResults(hits, total, request.page, request.per_page, "keyword", notices)


def search(store: Store, request: SearchRequest, settings: Settings) -> SearchResults:
    """Run ``request``: QueryError for a bad query, mode, filter or page."""
    query = _validate(request)
    if request.mode == "keyword":
        return _keyword_results(store, settings, query, request)
    if request.mode == "rerank":
        return _rerank_results(store, settings, query, request)
    want = request.page * request.per_page
    k = want if request.mode == "semantic" else max(want, HYBRID_CANDIDATES)
    semantic = _semantic(store, settings, check_length(request.text), request.filters, k)
    if semantic is None:
        return _keyword_results(store, settings, query, request, NO_EMBEDDINGS)
    semantic_hits, eligible = semantic
    if request.mode == "semantic":
        hits = [
            SearchHit(work_id, score, None, rank)
            for rank, (work_id, score) in enumerate(semantic_hits, 1)
        ]
        return SearchResults(
            _page(hits, request), eligible, request.page, request.per_page, "semantic", None
        )
    with store.connect() as connection:
        # Works with every word. (Ranking "any word" matches is a BM25 pass over a large part
        # of the collection, ~1 s at 113k works: the semantic list already covers them.)
        depth = max(want, HYBRID_CANDIDATES)
        bm25 = bm25_index(store, settings)
        keyword_ids = list(
            keyword_page(connection, query, request.filters, depth, count=False, bm25=bm25).ids
        )
    fused = rrf(keyword_ids, [w for w, _ in semantic_hits])[:MAX_WINDOW]
    return SearchResults(
        _page(fused, request), len(fused), request.page, request.per_page, "hybrid", None
    )


def _rerank_results(
    store: Store, settings: Settings, query: ParsedQuery, request: SearchRequest
) -> SearchResults:
    model = active_model(store, settings)
    with store.connect() as connection:
        embedded = has_embeddings(connection, model)
    if not embedded:
        return _keyword_results(store, settings, query, request, NO_EMBEDDINGS)
    with store.connect() as connection:
        limit = max(RERANK_CANDIDATES, request.page * request.per_page)
        bm25 = bm25_index(store, settings)
        ranked, total, notice = _keyword(connection, query, request.filters, limit, 0, bm25)
        keyword_ids = [work_id for work_id, _ in ranked]
        ids, matrix = load_embeddings(connection, model, keyword_ids[:RERANK_CANDIDATES])
    vectors = dict(zip(ids.tolist(), matrix, strict=True))
    vector = np.zeros(0, dtype=np.float32)  # unused when no candidate has a vector
    if vectors:
        vector = get_encoder(model, settings.data_dir).encode([check_length(request.text)])[0]
    hits = rerank(keyword_ids, vector, vectors, RERANK_CANDIDATES)
    return SearchResults(
        _page(hits, request),
        min(total, MAX_WINDOW),
        request.page,
        request.per_page,
        "rerank",
        notice,
    )


def search_by_text(
    store: Store,
    text: str,
    settings: Settings,
    filters: SearchFilters | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    """Works closest in meaning to a pasted text (an abstract, a paragraph)."""
    text = check_length(text, MAX_PASTED_CHARS)
    filters = filters or SearchFilters()
    _check_paging(page, per_page, MAX_WINDOW)
    filter_terms(filters)  # raises on a malformed filter
    semantic = _semantic(store, settings, text, filters, page * per_page)
    request = SearchRequest(text[:2000], "semantic", filters, page, per_page)
    if semantic is None:
        words = _key_terms(text)
        return _keyword_results(store, settings, words, request, NO_EMBEDDINGS, any_term=True)
    hits = [SearchHit(w, s, None, rank) for rank, (w, s) in enumerate(semantic[0], 1)]
    return SearchResults(_page(hits, request), semantic[1], page, per_page, "semantic", None)


def _key_terms(text: str, limit: int = 30) -> ParsedQuery:
    """The first ``limit`` distinct non-stop words of ``text`` (a keyword "more like this")."""
    terms = parse_query(text[:MAX_PASTED_CHARS], MAX_PASTED_CHARS * 2).terms
    words = [Term(t.words[-1:]) for t in terms if not t.is_phrase][:limit]
    return ParsedQuery(tuple(dict.fromkeys(words))) if words else ParsedQuery(terms[:limit])


def similar_works(
    store: Store, work_id: int, settings: Settings, limit: int = 10
) -> tuple[SearchHit, ...]:
    """The works most similar in meaning to ``work_id`` (itself excluded).

    Uses the work's stored vector (or embeds its text if it has none yet); without any
    embeddings, falls back to a keyword "more like this" over its title and abstract.
    """
    if not 1 <= limit <= MAX_PER_PAGE:
        raise QueryError(f"limit must be between 1 and {MAX_PER_PAGE} (got {limit})")
    with store.connect() as connection:
        row = connection.execute(
            select(works.c.title, works.c.abstract).where(works.c.id == work_id)
        ).first()
    if row is None:
        raise NotFoundError(f"no work with id {work_id}")
    model = active_model(store, settings)
    index = open_index(store, settings.data_dir, model)
    if index.size:
        vector = index.vector_of(work_id)
        if vector is None:
            encoder = get_encoder(model, settings.data_dir)
            vector = encoder.encode([work_text(row.title, row.abstract)])[0]
        found = index.search(vector, limit + 1)
        ranked = [(w, s) for w, s in found if w != work_id][:limit]
        return tuple(SearchHit(w, s, None, r) for r, (w, s) in enumerate(ranked, 1))
    query = _key_terms(work_text(row.title, row.abstract))
    # One more than wanted, the work itself dropped after: a filter on `works` would join
    # every match to it before ranking (search.keyword), and no total is shown.
    with store.connect() as connection:
        bm25 = bm25_index(store, settings)
        page = keyword_page(
            connection, query, SearchFilters(), limit + 1, 0, "OR", count=False, bm25=bm25
        )
    others = [(w, s) for w, s in zip(page.ids, page.scores, strict=True) if w != work_id]
    return tuple(SearchHit(w, s, r, None) for r, (w, s) in enumerate(others[:limit], 1))

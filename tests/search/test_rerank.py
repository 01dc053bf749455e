"""The rerank mode: keyword (BM25) candidates re-ordered by RRF with their stored vectors."""

from __future__ import annotations

import numpy as np
import pytest
from search_helpers import title_id
from sqlalchemy import delete

from paperscope.config import Settings
from paperscope.embeddings.encoders import get_encoder
from paperscope.embeddings.vectors import embed_works, load_embeddings, store_vectors
from paperscope.errors import QueryError
from paperscope.search import SearchFilters, SearchRequest, search, service
from paperscope.search.service import ANY_TERM, MAX_WINDOW, NO_EMBEDDINGS, RRF_K, rerank
from paperscope.store import Store
from paperscope.store.search_schema import embeddings


def _ids(store: Store, settings: Settings, request: SearchRequest) -> list[int]:
    return [hit.work_id for hit in search(store, request, settings).hits]


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_rerank_fuses_keyword_and_cosine_ranks() -> None:
    query = _unit(1, 0)
    vectors = {30: _unit(1, 0.1), 10: _unit(1, 1), 20: _unit(0, 1), 50: _unit(1, 0)}
    hits = rerank([10, 20, 30, 40, 50], query, vectors, depth=4)
    # cosine order among the first four: 30, 10, 20 (40 has no vector; 50 is past the depth)
    assert [h.work_id for h in hits] == [10, 30, 20, 40, 50]
    assert [(h.keyword_rank, h.semantic_rank) for h in hits] == [
        (1, 2),
        (3, 1),
        (2, 3),
        (4, None),
        (5, None),
    ]
    assert hits[0].score == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 2))
    assert hits[3].score == pytest.approx(1 / (RRF_K + 4))
    assert hits[4].score == pytest.approx(1 / (RRF_K + 5))
    assert [h.work_id for h in rerank([10, 20], query, {}, depth=4)] == [10, 20]


def test_rerank_without_embeddings_falls_back_to_keyword(
    sample_store: Store, settings: Settings
) -> None:
    results = search(sample_store, SearchRequest("neural", "rerank"), settings)
    assert results.mode == "keyword" and results.notice == NO_EMBEDDINGS
    keyword = _ids(sample_store, settings, SearchRequest("neural", "keyword"))
    assert [hit.work_id for hit in results.hits] == keyword


def test_rerank_reorders_keyword_matches_by_meaning(
    sample_store: Store, settings: Settings
) -> None:
    encoder = get_encoder("hashing", settings.data_dir)
    embed_works(sample_store, encoder)
    keyword = _ids(sample_store, settings, SearchRequest("neural", "keyword"))
    results = search(sample_store, SearchRequest("neural", "rerank"), settings)
    assert results.mode == "rerank" and results.notice is None
    assert results.total == len(keyword) == 3
    reranked = [hit.work_id for hit in results.hits]
    assert sorted(reranked) == sorted(keyword)  # only keyword matches, all of them
    # the expected fusion, from the stored vectors and an independent cosine ranking
    with sample_store.connect() as connection:
        ids, matrix = load_embeddings(connection, "hashing", keyword)
    scores = (matrix @ encoder.encode(["neural"])[0]).tolist()
    cosine = dict(zip(ids.tolist(), scores, strict=True))
    by_meaning = sorted(keyword, key=lambda w: -cosine[w])
    expected = {
        w: 1 / (RRF_K + keyword.index(w) + 1) + 1 / (RRF_K + by_meaning.index(w) + 1)
        for w in keyword
    }
    assert reranked == sorted(keyword, key=lambda w: (-expected[w], w))
    for hit in results.hits:
        assert hit.keyword_rank == keyword.index(hit.work_id) + 1
        assert hit.semantic_rank == by_meaning.index(hit.work_id) + 1


def test_rerank_uses_the_stored_vectors(sample_store: Store, settings: Settings) -> None:
    encoder = get_encoder("hashing", settings.data_dir)
    embed_works(sample_store, encoder)
    keyword = _ids(sample_store, settings, SearchRequest("models", "keyword"))
    last = keyword[-1]
    # the last keyword match gets the query's own vector: the closest in meaning
    with sample_store.transaction() as connection:
        store_vectors(
            connection, "hashing", encoder.version, [(last, "x")], encoder.encode(["models"])
        )
    hits = search(sample_store, SearchRequest("models", "rerank"), settings).hits
    moved = next(hit for hit in hits if hit.work_id == last)
    assert moved.keyword_rank == len(keyword) == 4 and moved.semantic_rank == 1
    assert [hit.work_id for hit in hits].index(last) < 3  # up from fourth


def test_rerank_keeps_a_work_without_vector(sample_store: Store, settings: Settings) -> None:
    embed_works(sample_store, get_encoder("hashing", settings.data_dir))
    missing = title_id(sample_store, "Attention Is What")
    with sample_store.transaction() as connection:
        connection.execute(delete(embeddings).where(embeddings.c.work_id == missing))
    hits = search(sample_store, SearchRequest("neural", "rerank"), settings).hits
    kept = next(hit for hit in hits if hit.work_id == missing)
    assert kept.semantic_rank is None and kept.keyword_rank is not None
    assert kept.score == pytest.approx(1 / (RRF_K + kept.keyword_rank))


def test_rerank_filters_and_any_term_fallback(sample_store: Store, settings: Settings) -> None:
    embed_works(sample_store, get_encoder("hashing", settings.data_dir))
    cl = SearchFilters(category="cs.CL")
    keyword = _ids(sample_store, settings, SearchRequest("neural", "keyword", cl))
    reranked = _ids(sample_store, settings, SearchRequest("neural", "rerank", cl))
    assert sorted(reranked) == sorted(keyword) and len(keyword) == 2
    assert title_id(sample_store, "Graph Neural Networks") not in reranked
    results = search(sample_store, SearchRequest("neural segmentation", "rerank"), settings)
    assert results.mode == "rerank" and results.notice == ANY_TERM
    assert title_id(sample_store, "Convolutional Networks") in {h.work_id for h in results.hits}


def test_rerank_pages_cut_one_list(
    sample_store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    embed_works(sample_store, get_encoder("hashing", settings.data_dir))
    monkeypatch.setattr(service, "RERANK_CANDIDATES", 2)  # results 3 and 4 follow in BM25 order
    whole = search(sample_store, SearchRequest("models", "rerank", per_page=10), settings)
    assert whole.total == len(whole.hits) == 4
    keyword = _ids(sample_store, settings, SearchRequest("models", "keyword"))
    assert {h.work_id for h in whole.hits[:2]} == set(keyword[:2])
    assert [h.work_id for h in whole.hits[2:]] == keyword[2:]
    assert [h.semantic_rank for h in whole.hits[2:]] == [None, None]
    pages = [
        search(sample_store, SearchRequest("models", "rerank", page=p, per_page=1), settings)
        for p in range(1, 5)
    ]
    assert [p.hits[0] for p in pages] == list(whole.hits)
    assert all(p.total == 4 for p in pages)
    past = search(sample_store, SearchRequest("models", "rerank", page=5, per_page=1), settings)
    assert past.hits == () and past.total == 4
    with pytest.raises(QueryError):
        search(
            sample_store,
            SearchRequest("models", "rerank", page=MAX_WINDOW + 1, per_page=1),
            settings,
        )

"""Semantic and hybrid search, similar papers, search by pasted text, and the schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from search_helpers import title_id
from sqlalchemy import select

from paperscope.config import Settings
from paperscope.embeddings.encoders import get_encoder
from paperscope.embeddings.vectors import embed_works
from paperscope.errors import NotFoundError, QueryError
from paperscope.search import SearchFilters, SearchRequest, search, search_by_text, similar_works
from paperscope.search.service import ANY_TERM, NO_EMBEDDINGS, rrf
from paperscope.store import Store
from paperscope.store.schema import metadata, works
from paperscope.store.search_schema import include_name


def _title(store: Store, work_id: int) -> str:
    with store.connect() as connection:
        return str(connection.execute(select(works.c.title).where(works.c.id == work_id)).scalar())


def test_schema_matches_the_migration_apart_from_native_full_text(sample_store: Store) -> None:
    with sample_store.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        assert compare_metadata(context, metadata) == []


def test_semantic_without_embeddings_falls_back_to_keyword(
    sample_store: Store, settings: Settings
) -> None:
    results = search(sample_store, SearchRequest("diffusion", "semantic"), settings)
    assert results.mode == "keyword" and results.notice == NO_EMBEDDINGS
    assert _title(sample_store, results.hits[0].work_id).startswith("Diffusion")


def test_semantic_and_hybrid(sample_store: Store, settings: Settings) -> None:
    embed_works(sample_store, get_encoder("hashing", settings.data_dir))
    semantic = search(
        sample_store, SearchRequest("image synthesis diffusion", "semantic"), settings
    )
    assert semantic.mode == "semantic" and semantic.total == 12
    assert _title(sample_store, semantic.hits[0].work_id).startswith("Diffusion Models")
    assert [hit.semantic_rank for hit in semantic.hits] == list(range(1, 13))
    hybrid = search(sample_store, SearchRequest("segmentation", "hybrid", per_page=5), settings)
    top = hybrid.hits[0]
    assert _title(sample_store, top.work_id).startswith("Convolutional Networks")
    assert top.keyword_rank == 1 and top.semantic_rank is not None
    assert hybrid.hits == tuple(sorted(hybrid.hits, key=lambda h: -h.score))


def test_semantic_filters_and_paging(sample_store: Store, settings: Settings) -> None:
    embed_works(sample_store, get_encoder("hashing", settings.data_dir))
    request = SearchRequest("neural networks", "semantic", SearchFilters(category="cs.CL"))
    results = search(sample_store, request, settings)
    with sample_store.connect() as connection:
        cl = {
            row[0]
            for row in connection.execute(
                select(works.c.id).where(works.c.primary_category == "cs.CL")
            )
        }
    assert {hit.work_id for hit in results.hits} <= cl | {title_id(sample_store, "Transformers")}
    assert results.total == len(results.hits) == 5
    first = search(sample_store, SearchRequest("neural", "semantic", per_page=4), settings)
    second = search(sample_store, SearchRequest("neural", "semantic", page=2, per_page=4), settings)
    assert not {h.work_id for h in first.hits} & {h.work_id for h in second.hits}
    assert second.hits[0].semantic_rank == 5


def test_similar_works(sample_store: Store, settings: Settings) -> None:
    translation = title_id(sample_store, "Neural Machine Translation of Rare")
    # without embeddings: a keyword "more like this"
    keyword_hits = similar_works(sample_store, translation, settings, limit=3)
    assert translation not in [h.work_id for h in keyword_hits]
    assert [h.keyword_rank for h in keyword_hits] == [1, 2, 3]  # the work itself not counted
    assert _title(sample_store, keyword_hits[0].work_id).startswith("Attention Is What")
    embed_works(sample_store, get_encoder("hashing", settings.data_dir))
    hits = similar_works(sample_store, translation, settings, limit=3)
    assert len(hits) == 3 and translation not in [h.work_id for h in hits]
    assert _title(sample_store, hits[0].work_id).startswith("Attention Is What")
    with pytest.raises(NotFoundError):
        similar_works(sample_store, 987654, settings)
    with pytest.raises(QueryError):
        similar_works(sample_store, translation, settings, limit=0)


def test_search_by_pasted_abstract(sample_store: Store, settings: Settings) -> None:
    abstract = (
        "We propose a retrieval model for open-domain question answering: passages are "
        "encoded by a dual encoder and retrieved by maximum inner product search."
    )
    fallback = search_by_text(sample_store, abstract, settings)
    assert fallback.notice == NO_EMBEDDINGS and fallback.hits
    embed_works(sample_store, get_encoder("hashing", settings.data_dir))
    results = search_by_text(sample_store, abstract, settings, per_page=3)
    assert results.mode == "semantic" and len(results.hits) == 3
    assert _title(sample_store, results.hits[0].work_id).startswith("Dense Retrieval")
    with pytest.raises(QueryError):
        search_by_text(sample_store, "   ", settings)


def test_rrf_rewards_agreement() -> None:
    fused = rrf([1, 2, 3], [3, 4, 1])
    assert fused[0].work_id in (1, 3) and {h.work_id for h in fused} == {1, 2, 3, 4}
    assert fused[0].keyword_rank is not None and fused[0].semantic_rank is not None
    assert ANY_TERM

"""Enrichment: facts derived from records after parsing (code links, categories, embeddings)."""

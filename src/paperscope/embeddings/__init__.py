"""Text embeddings: encoders (MiniLM, model2vec, hashing), the (model, text hash) vector store,
and the vector indexes (faiss beside an SQLite file, pgvector on PostgreSQL).

Search, identity, metrics and notify all read vectors from here; nothing here knows them.
"""

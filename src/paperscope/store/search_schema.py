"""Tables of the search domain, on the shared metadata (migration: versions/*_search.py)."""

from __future__ import annotations

from paperscope.store.schema import metadata

__all__ = ["metadata"]

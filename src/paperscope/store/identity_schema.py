"""Tables of the identity domain, on the shared metadata (migration: versions/*_identity.py)."""

from __future__ import annotations

from paperscope.store.schema import metadata

__all__ = ["metadata"]

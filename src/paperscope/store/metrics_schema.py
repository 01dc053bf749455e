"""Tables of the metrics domain, on the shared metadata (migration: versions/*_metrics.py)."""

from __future__ import annotations

from paperscope.store.schema import metadata

__all__ = ["metadata"]

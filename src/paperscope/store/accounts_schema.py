"""Tables of the accounts domain, on the shared metadata (migration: versions/*_accounts.py)."""

from __future__ import annotations

from paperscope.store.schema import metadata

__all__ = ["metadata"]

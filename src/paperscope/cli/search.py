"""Search and similar papers (issue 4)."""

from __future__ import annotations

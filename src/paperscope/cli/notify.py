"""Digests and subscribers (issue 7)."""

from __future__ import annotations

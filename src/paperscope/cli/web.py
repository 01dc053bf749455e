"""`paperscope serve`: the web app and JSON API (issue 6)."""

from __future__ import annotations

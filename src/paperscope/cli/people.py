"""People: resolve authorships into people, merge and split corrections (issue 5)."""

from __future__ import annotations

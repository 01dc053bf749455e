"""Test helpers for streaming parsers."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


class CountingStream(io.BytesIO):
    """Counts the bytes a parser has pulled, to show it streams instead of reading everything."""

    consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.consumed += len(data)
        return data

    def read1(self, size: int | None = -1) -> bytes:
        data = super().read1(size)
        self.consumed += len(data)
        return data

    def readinto(self, buffer: WriteableBuffer) -> int:
        count = super().readinto(buffer)
        self.consumed += count
        return count

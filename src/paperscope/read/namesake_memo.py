"""The namesake lists and summaries `paperscope pages` already read (`read.people` takes
them as `memo`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

_Value = TypeVar("_Value")


class NamesakeMemo:
    """The namesake lists and summaries already read, for code that shows many pages of the
    same names against one state of the database (`paperscope pages`: the twenty namesakes
    of a common name are summarised on the page of each of its people, and the counting
    dominated the refresh). The most recently used `size` of each are kept.

    Only for a caller that discards what it computes when the data changed meanwhile (the
    refresh does: its pages are used only while nothing changed since it began)."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, compute: Callable[[], _Value]) -> _Value:
        """The value held for `key`, else `compute()`'s, then held."""
        held = self.held(key)
        if held is not None:
            return held  # type: ignore[return-value]
        value = compute()
        self.remember(key, value)
        return value

    def held(self, key: Hashable) -> object | None:
        if key not in self._entries:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return self._entries[key]

    def remember(self, key: Hashable, value: object) -> None:
        self._entries[key] = value
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)

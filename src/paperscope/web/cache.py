"""A small in-process cache of computed page data, for a few seconds.

Profiles are recomputed from their works on every view (so they can never disagree with the
list they show), which costs tens to hundreds of milliseconds for prolific authors. The data
only changes when a batch stage (ingest, resolve, score) runs, so a page computed a few
seconds ago is as good as a new one: entries live `ttl` seconds, at most `size` of them.
Stale entries are dropped whenever a page is added, not only when the cache is full: a
prolific author's profile at a million works is millions of objects, and every one kept
alive is traversed again by each full garbage collection, which stops every request.
Concurrent requests for a page being computed wait for that one computation (single flight)
instead of all computing it at once. Ages are measured on `clock` (``time.monotonic`` unless
another is given, as tests do to make entries stale without waiting).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar, cast

T = TypeVar("T")


class PageCache:
    def __init__(
        self, ttl: float = 30.0, size: int = 512, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._items: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def _fresh(self, key: Hashable) -> tuple[bool, object]:
        found = self._items.get(key)
        if found is not None and self._clock() - found[0] < self.ttl:
            self._items.move_to_end(key)
            return True, found[1]
        return False, None

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            hit, value = self._fresh(key)
            if hit:
                return cast(T, value)
            flight = self._computing.setdefault(key, threading.Lock())
        with flight:  # one computation per key; the others wait for it, then read it
            with self._lock:
                hit, value = self._fresh(key)
            if hit:
                return cast(T, value)
            try:
                result = compute()
            except BaseException:
                with self._lock:
                    self._computing.pop(key, None)
                raise
            with self._lock:
                now = self._clock()
                for stale in [k for k, (at, _) in self._items.items() if now - at >= self.ttl]:
                    del self._items[stale]
                self._items[key] = (now, result)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
                self._computing.pop(key, None)
            return result

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

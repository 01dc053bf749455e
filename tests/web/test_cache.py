"""The page cache: fresh entries are reused, stale ones recomputed, one computation per key."""

from __future__ import annotations

import threading
import time

import pytest

from paperscope.web.cache import PageCache


def test_reuses_fresh_entries_and_recomputes_stale_ones() -> None:
    cache = PageCache(ttl=0.2, size=2)
    calls: list[str] = []

    def make(value: str) -> str:
        calls.append(value)
        return value

    assert cache.get_or_compute("a", lambda: make("a1")) == "a1"
    assert cache.get_or_compute("a", lambda: make("a2")) == "a1"
    time.sleep(0.25)
    assert cache.get_or_compute("a", lambda: make("a3")) == "a3"
    cache.get_or_compute("b", lambda: make("b"))
    cache.get_or_compute("c", lambda: make("c"))  # evicts the least recently used: a
    assert cache.get_or_compute("a", lambda: make("a4")) == "a4"
    assert calls == ["a1", "a3", "b", "c", "a4"]


def test_concurrent_requests_share_one_computation() -> None:
    cache = PageCache()
    calls: list[int] = []
    started = threading.Event()

    def slow() -> int:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42, 42, 42, 42] and len(calls) == 1


def test_a_failed_computation_is_not_cached() -> None:
    cache = PageCache()

    def fail() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get_or_compute("k", fail)
    assert cache.get_or_compute("k", lambda: 1) == 1

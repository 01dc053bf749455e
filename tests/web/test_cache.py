"""The page cache: fresh entries are reused, stale ones recomputed, one computation per key."""

from __future__ import annotations

import threading
import weakref

import pytest

from paperscope.web.cache import PageCache


class FakeClock:
    """A clock that only moves when told to: entries go stale without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_reuses_fresh_entries_and_recomputes_stale_ones() -> None:
    clock = FakeClock()
    cache = PageCache(ttl=2.0, size=2, clock=clock)
    calls: list[str] = []

    def make(value: str) -> str:
        calls.append(value)
        return value

    assert cache.get_or_compute("a", lambda: make("a1")) == "a1"
    assert cache.get_or_compute("a", lambda: make("a2")) == "a1"
    clock.advance(1.5)
    assert cache.get_or_compute("a", lambda: make("a2")) == "a1"  # still fresh
    clock.advance(0.5)  # 2 s old: stale
    assert cache.get_or_compute("a", lambda: make("a3")) == "a3"
    cache.get_or_compute("b", lambda: make("b"))
    cache.get_or_compute("c", lambda: make("c"))  # evicts the least recently used: a
    assert cache.get_or_compute("a", lambda: make("a4")) == "a4"
    assert calls == ["a1", "a3", "b", "c", "a4"]


def test_stale_pages_are_let_go_when_another_is_added() -> None:
    """A stale page is not kept alive until the cache is full: big profiles held for no
    use make every full garbage collection of the server longer."""
    clock = FakeClock()
    cache = PageCache(ttl=2.0, size=100, clock=clock)

    class Page:
        pass

    gone = weakref.ref(cache.get_or_compute("old", Page))
    clock.advance(1.0)
    cache.get_or_compute("fresh", Page)
    assert gone() is not None  # 1 s old: still served
    clock.advance(1.0)
    cache.get_or_compute("new", Page)
    assert gone() is None  # 2 s old: dropped when "new" came in
    recomputed: list[Page] = []

    def again() -> Page:
        recomputed.append(Page())
        return recomputed[-1]

    clock.advance(1.0)
    assert cache.get_or_compute("fresh", again) is recomputed[0]  # 2 s old now: recomputed


def test_concurrent_requests_share_one_computation() -> None:
    cache = PageCache()
    calls: list[int] = []
    started = threading.Event()
    release = threading.Event()

    def slow() -> int:
        calls.append(1)
        started.set()
        assert release.wait(timeout=10)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
        for _ in range(4)
    ]
    threads[0].start()
    assert started.wait(timeout=10)
    for thread in threads[1:]:
        thread.start()
    try:
        # Requests arriving during the computation wait for it: none returns before it ends.
        threads[-1].join(timeout=0.1)
        assert all(thread.is_alive() for thread in threads)
    finally:
        release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [42, 42, 42, 42] and len(calls) == 1


def test_a_failed_computation_is_not_cached() -> None:
    cache = PageCache()

    def fail() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get_or_compute("k", fail)
    assert cache.get_or_compute("k", lambda: 1) == 1

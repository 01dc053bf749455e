"""`paperscope serve` settles the garbage collector before serving (cli/web.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from paperscope.cli.web import settle_garbage_collector
from paperscope.config import Settings


@pytest.fixture
def python_defaults() -> Iterator[tuple[int, int, int]]:
    """The collector as it was, restored afterwards (the test process goes on)."""
    before = gc.get_threshold()
    yield before
    gc.unfreeze()
    gc.set_threshold(*before)


def test_start_up_objects_are_frozen_and_young_collections_made_rarer(
    python_defaults: tuple[int, int, int],
) -> None:
    assert gc.get_freeze_count() == 0
    settle_garbage_collector(Settings().serve_gc_threshold)
    assert gc.get_freeze_count() > 1000  # the modules this test process loaded
    assert gc.get_threshold() == (20_000, *python_defaults[1:])


def test_zero_keeps_python_s_collector(python_defaults: tuple[int, int, int]) -> None:
    settle_garbage_collector(0)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == python_defaults


def test_the_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERSCOPE_SERVE_GC_THRESHOLD", "0")
    assert Settings().serve_gc_threshold == 0

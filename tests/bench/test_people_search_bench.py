"""`bench/author_pages.py --people`: a people search per query, timed, with a digest of
what it found (the same search gives the same digest)."""

from __future__ import annotations

from pathlib import Path

from bench_scripts import bench_script
from paperscope.store import Store
from stages import ingest

SAMPLE = Path(__file__).parents[1] / "data" / "search" / "arxiv-sample.jsonl"


def test_queries_are_the_names_then_the_prolific_names_surnames() -> None:
    script = bench_script("author_pages")
    names = ["Wei Wang", "Ada Lee", "Li Wang", "lee"] + [f"Name{i} X{i}" for i in range(30)]

    queries = script.people_queries(names)

    assert queries[: len(names)] == names
    # the first 20 names' last words, once each, and none already asked
    assert queries[len(names) :] == ["wang"] + [f"x{i}" for i in range(16)]


def test_each_query_is_timed_and_digested(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    ingest(store, SAMPLE)
    store.close()
    script = bench_script("author_pages")

    queries = ["Ashish Vaswani", "vaswani", "Ashish Vaswani"]
    result = script.people_worker(sqlite_url, queries, "x")

    assert len(result["ms"]) == len(result["digests"]) == 3
    assert all(ms >= 0 for ms in result["ms"])
    first, surname, again = result["digests"]
    assert first == again != surname

"""Keyword search on a large database, in one process on the same queries:
- the BM25 index beside the database (search.bm25, top-k pruning) beside the database's own
  index (the baseline: what every search ran before, and what a filtered search runs), with
  a check that both count the same matches (their rankings differ: BM25 against FTS5's
  weighted BM25 or PostgreSQL's ts_rank);
- in the database's index, ranking in the index alone beside ranking the matches joined to
  `works` (what a filter makes it do), with a check that both give the same page and total;
- filtered searches (a common category, a short tag, a date range, has code, a venue, an
  author, drawn from the database) in the BM25 index (search.bm25_filters) beside the
  database's index with its SQL filters, on the `two words` queries, with how many totals
  agree.

Queries, drawn with a fixed seed from the database's own titles:
- `title words`: the first four content words of a random work's title (every word);
- `two words`: two content words of one title (every word; common words, many matches);
- `mixed`: two words from each of two titles, so that usually no work has them all and the
  search falls back to any word (the slow path of a real query).
Each query is timed with `search.service.search` (what the pages and the API run: a page of
20 and its total, the any-word fallback included) and with `keyword_page` on each path.
The BM25 index is built first if it is behind (`--data-dir`: where a PostgreSQL database's
index lives, as PAPERSCOPE_DATA_DIR; an SQLite database keeps it beside its file).

Usage: python bench/keyword_scale.py --database sqlite:///scale.db [--queries 100]
         [--data-dir var] [--results bench/results/keyword_scale.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from paperscope.config import Settings
from paperscope.search.bm25 import Bm25Index, bm25_index
from paperscope.search.filters import SearchFilters
from paperscope.search.keyword import index_in_step, keyword_page
from paperscope.search.query import STOP_WORDS, parse_query
from paperscope.search.service import SearchRequest, search
from paperscope.store import Store
from paperscope.store.schema import authorships, work_categories, works

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "keyword_scale.json"
PER_PAGE = 20


def content_words(title: str) -> list[str]:
    words = [w.strip(".,:;()[]\"'?!").lower() for w in title.split()]
    return [w for w in words if w.isalpha() and len(w) > 2 and w not in STOP_WORDS]


def draw_queries(store: Store, count: int, seed: int = 11) -> dict[str, list[str]]:
    with store.connect() as connection:
        top = int(connection.execute(select(func.max(works.c.id))).scalar_one())
        rng = random.Random(seed)
        picks = sorted(rng.sample(range(1, top + 1), min(top, count * 6)))
        titles = [
            t
            for t in connection.execute(select(works.c.title).where(works.c.id.in_(picks)))
            .scalars()
            .all()
            if t and len(content_words(t)) >= 4
        ]
    rng.shuffle(titles)
    words = [content_words(t) for t in titles]
    return {
        "title words": [" ".join(w[:4]) for w in words[:count]],
        "two words": [" ".join(rng.sample(w, 2)) for w in words[count : 2 * count]],
        "mixed": [
            " ".join(a[:2] + b[:2])
            for a, b in zip(words[:count], words[count : 2 * count], strict=False)
        ],
    }


def timed(run: Callable[[str], Any], queries: list[str]) -> tuple[dict[str, float], list[Any]]:
    for query in queries[:3]:
        run(query)
    times, answers = [], []
    for query in queries:
        started = time.perf_counter()
        answers.append(run(query))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "mean_ms": round(statistics.fmean(times), 2),
    }, answers


def page_on(
    store: Store, operator: str, joined: bool, bm25: Bm25Index | None = None
) -> Callable[[str], Any]:
    """`keyword_page` in the index alone, or forced onto the joined path by leaving out a
    work that does not exist (id 0); or ranked by `bm25`."""
    excluded = frozenset({0}) if joined else frozenset()

    def run(text: str) -> Any:
        with store.connect() as connection:
            query = parse_query(text)
            page = keyword_page(
                connection,
                query,
                SearchFilters(),
                PER_PAGE,
                operator=operator,
                bm25=bm25,
                excluded=excluded,
            )
        return page.ids, page.total

    return run


def searcher(
    store: Store, settings: Settings, filters: SearchFilters | None = None
) -> Callable[[str], Any]:
    def full_search(text: str) -> Any:
        request = SearchRequest(text, "keyword", filters or SearchFilters(), per_page=PER_PAGE)
        found = search(store, request, settings)
        return found.total, found.notice is not None

    return full_search


def draw_filters(store: Store, seed: int = 11) -> dict[str, SearchFilters]:
    """Filters as a reader sets them, from the database: its commonest category, the short
    tag of its tenth commonest, the last five years, code, its commonest venue's first word,
    and the surname of a random author."""
    with store.connect() as connection:
        categories = (
            connection.execute(
                select(work_categories.c.category)
                .group_by(work_categories.c.category)
                .order_by(func.count().desc())
                .limit(10)
            )
            .scalars()
            .all()
        )
        newest = connection.execute(select(func.max(works.c.year))).scalar_one()
        venue = connection.execute(
            select(works.c.venue)
            .where(works.c.venue.is_not(None))
            .group_by(works.c.venue)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        top = int(connection.execute(select(func.max(authorships.c.id))).scalar_one())
        picked = random.Random(seed).randint(1, top)
        name = connection.execute(
            select(authorships.c.name_key).where(authorships.c.id >= picked).limit(1)
        ).scalar_one()
    return {
        f"category {categories[0]}": SearchFilters(category=categories[0]),
        f"tag {categories[-1].rpartition('.')[2]}": SearchFilters(
            category=categories[-1].rpartition(".")[2]
        ),
        f"since {newest - 4}": SearchFilters(since=date(int(newest) - 4, 1, 1)),
        "has code": SearchFilters(has_code=True),
        f"venue {venue.split()[0]}": SearchFilters(venue=venue.split()[0]),
        f"author {name.split()[-1]}": SearchFilters(author=name.split()[-1]),
    }


def filtered(
    store: Store, settings: Settings, native: Settings, queries: dict[str, list[str]]
) -> dict[str, Any]:
    """The `two words` queries under each drawn filter, BM25 index and database index."""
    report: dict[str, Any] = {}
    for name, filters in draw_filters(store).items():
        timed(searcher(store, native, filters), queries["two words"][:5])  # warm the cache
        by_bm25, bm25_answers = timed(searcher(store, settings, filters), queries["two words"])
        by_database, answers = timed(searcher(store, native, filters), queries["two words"])
        same = sum(a[0] == b[0] for a, b in zip(bm25_answers, answers, strict=True))
        report[name] = {
            "mean_total": round(statistics.fmean(total for total, _ in answers)),
            "search, BM25 index": by_bm25,
            "search, database index (baseline)": by_database,
            "bm25_same_totals": f"{same}/{len(answers)}",
        }
        print(
            f"  two words, {name} (mean total {report[name]['mean_total']:,}): search p50 "
            f"{by_bm25['p50_ms']} p95 {by_bm25['p95_ms']} ms vs database index p50 "
            f"{by_database['p50_ms']} p95 {by_database['p95_ms']} ms; same totals {same}/"
            f"{len(answers)}",
            flush=True,
        )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--data-dir", type=Path, default=Path("var"))
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    store = Store.open(args.database, migrate=False)
    with store.connect() as connection:
        if not index_in_step(connection):
            sys.exit("works are queued for re-indexing: run `paperscope ingest` to its end first")
        count = int(connection.execute(select(func.count()).select_from(works)).scalar_one())
    settings = Settings(embedding_model="hashing", data_dir=args.data_dir)
    native = Settings(embedding_model="hashing", data_dir=args.data_dir, keyword_engine="native")
    bm25 = bm25_index(store, settings)
    assert bm25 is not None
    started = time.perf_counter()
    snapshot = bm25.rebuild()
    assert snapshot is not None
    report: dict[str, Any] = {
        "database": store.dialect,
        "works": count,
        "bm25_index": {"works": snapshot.size, "ready_s": round(time.perf_counter() - started, 1)},
        "queries": {},
    }
    print(f"{store.dialect}: {count:,} works; {args.queries} queries per kind")
    print(f"  BM25 index in step in {report['bm25_index']['ready_s']} s")
    for kind, queries in draw_queries(store, args.queries).items():
        operator = "OR" if kind == "mixed" else "AND"

        # A pass that warms the page cache for the native timings (BM25 needs none: its
        # first visits are what the server's are).
        timed(searcher(store, native), queries)
        searched, answers = timed(searcher(store, settings), queries)
        searched_native, native_answers = timed(searcher(store, native), queries)
        ranked, by_bm25 = timed(page_on(store, operator, False, bm25), queries)
        alone, ours = timed(page_on(store, operator, joined=False), queries)
        joined, theirs = timed(page_on(store, operator, joined=True), queries)
        same = ours == theirs
        same_counts = sum(a[1] == b[1] for a, b in zip(by_bm25, ours, strict=True))
        fallbacks = sum(any_word for _, any_word in answers)
        pairs = zip(answers, native_answers, strict=True)
        same_fallbacks = sum(bm25_said[1] == native_said[1] for bm25_said, native_said in pairs)
        report["queries"][kind] = {
            "examples": queries[:3],
            "operator": operator,
            "mean_total": round(statistics.fmean(total for total, _ in answers)),
            "any_word_fallbacks": fallbacks,
            "search, BM25 index": searched,
            "search, database index (baseline)": searched_native,
            "keyword_page, BM25 index": ranked,
            "keyword_page, index alone": alone,
            "keyword_page, joined": joined,
            "same_pages_and_totals": same,
            "bm25_same_totals": f"{same_counts}/{len(queries)}",
            "bm25_same_fallbacks": f"{same_fallbacks}/{len(queries)}",
        }
        print(
            f"  {kind:11} ({operator}, mean total {report['queries'][kind]['mean_total']:,}, "
            f"{fallbacks} fell back): search p50 {searched['p50_ms']} p95 {searched['p95_ms']} ms"
            f" vs database index p50 {searched_native['p50_ms']} p95 "
            f"{searched_native['p95_ms']} ms; BM25 counts the same in {same_counts}/"
            f"{len(queries)}; database index alone p95 {alone['p95_ms']} ms vs joined "
            f"{joined['p95_ms']} ms; same results: {same}",
            flush=True,
        )
    report["filtered"] = filtered(store, settings, native, draw_queries(store, args.queries))
    store.close()
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""The works a search filter keeps, found on a BM25 snapshot's facts' columns
(search.filter_facts) beside the baseline, the same ids read out of the tantivy index, in
one process, on each of bench/scale.py's eleven filters.

Printed and written per filter: the works kept, the best of `--rounds` milliseconds of each
way (nothing remembered between rounds), and that both found the same ids (the run stops
if they differ). Also the milliseconds to load the columns. Needs a database whose BM25
index is built with the columns (`paperscope reindex`; a folder built before them has
none: remove it and run `paperscope reindex` again).

Usage: python bench/filter_facts.py --database URL --data-dir DIR
         [--results bench/results/filter_facts.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from filtered_semantic import as_filters  # noqa: E402
from paperscope.config import Settings  # noqa: E402
from paperscope.search.bm25 import Bm25Snapshot, bm25_index  # noqa: E402
from paperscope.search.filter_facts import FilterFacts  # noqa: E402
from paperscope.search.filters import FilterTerms, filter_terms  # noqa: E402
from paperscope.store import Store  # noqa: E402
from scale import FILTERS  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "filter_facts.json"
BASELINE = "read from the index (baseline)"


def best_of(snapshot: Bm25Snapshot, terms: FilterTerms, rounds: int) -> tuple[float, Any]:
    best, ids = float("inf"), None
    for _ in range(rounds):
        snapshot.kept.clear()
        started = time.perf_counter()
        ids = snapshot.filtered_ids(terms)
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 2), ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    store = Store.open(args.database, migrate=False)
    settings = Settings(_env_file=None, data_dir=args.data_dir)  # type: ignore[call-arg]
    bm25 = bm25_index(store, settings)
    assert bm25 is not None
    with store.connect() as connection:
        snapshot = bm25.in_step(connection)
    if snapshot is None or snapshot.facts is None:
        sys.exit("no BM25 snapshot in step with its facts' columns: run `paperscope reindex`")
    folder = bm25.folder(snapshot.generation)
    started = time.perf_counter()
    FilterFacts.load(folder)
    load_ms = round((time.perf_counter() - started) * 1000, 1)
    from_index = replace(snapshot, facts=None)
    report: dict[str, Any] = {"works": snapshot.size, "load_ms": load_ms, "filters": []}
    print(f"{store.dialect}: {snapshot.size:,} works; the columns loaded in {load_ms} ms")
    for where in FILTERS:
        terms = filter_terms(as_filters(where))
        if not FilterFacts.answers(terms):
            print(f"  {where}: an author filter, read from the index")
            continue
        ours, found = best_of(snapshot, terms, args.rounds)
        theirs, read = best_of(from_index, terms, args.rounds)
        if not np.array_equal(found, read):
            sys.exit(f"{where}: the columns and the index keep different works")
        kept = len(found)
        report["filters"].append(
            {"filter": where, "kept": kept, "columns_ms": ours, BASELINE: theirs}
        )
        print(f"  {where}: {kept:,} works kept; columns {ours} ms, index {theirs} ms")
    store.close()
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()

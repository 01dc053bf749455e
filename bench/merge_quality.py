"""How well ingest merged the generated corpus's records into works, checked against its truth.

    python bench/merge_quality.py --database sqlite:////data/scale.db --corpus var/bench/corpus-1m

`bench/scale_corpus.py` writes `truth/works.tsv.gz`: every work's arXiv id, DOI, OpenAlex id
and S2 corpus id. Each stored work is found through its identifiers (`work_ids`), and the
script counts the works of the truth that ended up split over several stored works (their
records were not merged) and the stored works that hold several works of the truth (records
of different papers merged), beside the baseline of a perfect merge (as many stored works as
the truth has, none split, none shared). A few examples of each are printed with their
titles. Results: bench/results/merge_quality-<tag>.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ("arxiv", "doi", "openalex", "corpusid")
"""The truth's columns after the work's index, as `work_ids` names them."""


def truth_works(corpus: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """(truth index, {scheme: value}) of every generated work."""
    with gzip.open(corpus / "truth" / "works.tsv.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            index, *values = line.rstrip("\n").split("\t")
            yield index, {s: v.lower() for s, v in zip(SCHEMES, values, strict=True) if v}


def stored_ids(url: str) -> tuple[dict[tuple[str, str], int], int]:
    """Each identifier's stored work, and how many works are stored."""
    from sqlalchemy import func, select

    from paperscope.store import Store
    from paperscope.store.ids import in_list
    from paperscope.store.schema import work_ids, works

    store = Store.open(url, migrate=False)
    found: dict[tuple[str, str], int] = {}
    query = select(work_ids.c.scheme, work_ids.c.value, work_ids.c.work_id).where(
        in_list(work_ids.c.scheme, list(SCHEMES))
    )
    with store.connect() as connection:
        for scheme, value, work_id in connection.execute(query):
            found[(scheme, value.lower())] = work_id
        count = connection.execute(select(func.count()).select_from(works)).scalar_one()
    store.close()
    return found, int(count)


def titles(url: str, ids: Sequence[int]) -> dict[int, str]:
    from sqlalchemy import select

    from paperscope.store import Store
    from paperscope.store.ids import in_list
    from paperscope.store.schema import works

    store = Store.open(url, migrate=False)
    with store.connect() as connection:
        rows = connection.execute(select(works.c.id, works.c.title).where(in_list(works.c.id, ids)))
        found = {int(work_id): str(title) for work_id, title in rows}
    store.close()
    return found


def check(url: str, corpus: Path, examples: int) -> dict[str, Any]:
    ids, stored = stored_ids(url)
    holders: dict[int, list[str]] = defaultdict(list)
    split: list[tuple[str, list[int]]] = []
    missing = truth = 0
    for index, values in truth_works(corpus):
        truth += 1
        found = sorted({ids[key] for key in values.items() if key in ids})
        if not found:
            missing += 1
        if len(found) > 1:
            split.append((index, found))
        for work_id in found:
            holders[work_id].append(index)
    shared = {work_id: held for work_id, held in holders.items() if len(held) > 1}
    shown = [w for _, found in split[:examples] for w in found] + list(shared)[:examples]
    named = titles(url, shown)
    return {
        "truth_works": truth,
        "stored_works": stored,
        "baseline_perfect_merge": {"stored_works": truth, "split": 0, "shared": 0},
        "truth_works_not_found": missing,
        "truth_works_split": len(split),
        "split_share_pct": round(100 * len(split) / truth, 3),
        "stored_works_holding_several": len(shared),
        "truth_works_merged_with_another": sum(len(held) for held in shared.values()),
        "merged_share_pct": round(100 * sum(len(h) for h in shared.values()) / truth, 3),
        "split_examples": [
            {"truth": index, "stored": found, "titles": [named.get(w) for w in found]}
            for index, found in split[:examples]
        ],
        "merged_examples": [
            {"stored": work_id, "truth": shared[work_id], "title": named.get(work_id)}
            for work_id in list(shared)[:examples]
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", required=True, help="the database the corpus went into")
    parser.add_argument("--corpus", type=Path, required=True, help="bench/scale_corpus.py output")
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--tag", default="run", help="results go to merge_quality-<tag>.json")
    args = parser.parse_args(argv)
    if not (args.corpus / "truth" / "works.tsv.gz").exists():
        sys.exit(f"{args.corpus}: no truth/works.tsv.gz (write it with bench/scale_corpus.py)")
    result = {"database": args.database, "corpus": str(args.corpus)}
    result |= check(args.database, args.corpus, args.examples)
    print(
        f"truth {result['truth_works']:,} works, stored {result['stored_works']:,} "
        f"(baseline, a perfect merge: {result['truth_works']:,})\n"
        f"split over several stored works: {result['truth_works_split']:,} "
        f"({result['split_share_pct']}%)\n"
        f"merged with another work: {result['truth_works_merged_with_another']:,} "
        f"({result['merged_share_pct']}%) in {result['stored_works_holding_several']:,} works"
    )
    for example in result["split_examples"] + result["merged_examples"]:
        print(" ", json.dumps(example, ensure_ascii=False))
    out = ROOT / "bench" / "results" / f"merge_quality-{args.tag}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What splitting name blocks into parts costs in quality, on the synthetic corpus's truth.

    python bench/resolve_parts.py --database sqlite:////tmp/rs/10k.db \
        --truth /work/scale-data/corpus-100k/truth --blocks 12 --limit 1000 --limit 300

Reads a database that holds (a slice of) the works `bench/corpus.py` wrote, maps every
authorship to the person its `truth/` files name (by the work's DOI, arXiv, OpenAlex or S2
id and the author's position), and clusters the largest name blocks twice in one run: whole
(`identity.assign.cluster_block`) and as resolve clusters them with a part limit of each
`--limit` (`identity.parts.cluster_in_parts`: a block above the limit in name components,
then bisected), printing the pooled pairwise precision, recall and F1 and CPU seconds of each.
Title vectors are left out (the run would otherwise first encode every title). Results go to
bench/results/resolve_parts.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import create_engine, select

from paperscope.identity.assign import cluster_block
from paperscope.identity.corrections import constraints
from paperscope.identity.evaluation import PairCounts, pair_counts, pairwise_prf
from paperscope.identity.explain import PersonDraft
from paperscope.identity.loading import Stored, load
from paperscope.identity.model import default_model
from paperscope.identity.parts import cluster_in_parts
from paperscope.identity.signatures import blocks
from paperscope.store.schema import authorships, work_ids

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results" / "resolve_parts.json"
SCHEMES = ("arxiv", "doi", "openalex", "s2")


def truth(folder: Path) -> tuple[dict[tuple[str, str], int], dict[tuple[int, int], str]]:
    """(scheme, id) -> work index, and (work index, position from 0) -> person."""
    works: dict[tuple[str, str], int] = {}
    with gzip.open(folder / "works.tsv.gz", "rt") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            for scheme, value in zip(SCHEMES, fields[1:5], strict=True):
                if value:
                    works[(scheme, value.lower())] = int(fields[0])
    people: dict[tuple[int, int], str] = {}
    with gzip.open(folder / "authorships.tsv.gz", "rt") as handle:
        for line in handle:
            work, position, person = line.split()
            people[(int(work), int(position))] = person
    return works, people


def labels_of(drafts: Sequence[PersonDraft], n: int) -> list[int]:
    out = [0] * n
    for label, draft in enumerate(drafts):
        for k in draft.members:
            out[k] = label
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--blocks", type=int, default=12, help="the N largest blocks")
    parser.add_argument("--limit", type=int, action="append", default=[])
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    works, people = truth(args.truth)
    with create_engine(args.database).connect() as connection:
        work_of: dict[int, int] = {}
        for work_id, scheme, value in connection.execute(
            select(work_ids.c.work_id, work_ids.c.scheme, work_ids.c.value)
        ):
            if (found := works.get((scheme, str(value).lower()))) is not None:
                work_of[work_id] = found
        ids = list(connection.execute(select(authorships.c.id)).scalars())
        stored = load(connection, ids)
        rules = constraints(connection)
    by_key = {s.signature.key: s for s in stored}
    named = blocks(s.signature for s in stored)
    largest = sorted(named, key=lambda key: (-len(named[key]), key))[: args.blocks]
    model = default_model()
    methods = ["whole", *(f"parts of at most {limit}" for limit in args.limit)]
    counts = {m: PairCounts(0, 0, 0) for m in methods}
    seconds = dict.fromkeys(methods, 0.0)
    for key in largest:
        members: list[Stored] = [by_key[s.key] for s in named[key]]
        truth_labels = [
            people.get((work_of.get(m.signature.work, -1), m.position - 1), f"?{m.signature.key}")
            for m in members
        ]
        line = [f"{key}: {len(members)} authorships"]
        for method in methods:
            started = time.process_time()
            if method == "whole":
                drafts = cluster_block(members, rules, model, True, None)
            else:
                limit = int(method.rsplit(" ", 1)[1])
                index = {m.signature.key: k for k, m in enumerate(members)}
                clustered = cluster_in_parts(members, rules, model, True, None, limit)
                drafts = [
                    PersonDraft(tuple(index[key] for key, _ in d.authorships))
                    for part in clustered
                    for d in part
                ]
            seconds[method] += time.process_time() - started
            pc = pair_counts(truth_labels, labels_of(drafts, len(members)))
            total = counts[method]
            counts[method] = PairCounts(
                total.true_positive + pc.true_positive,
                total.predicted + pc.predicted,
                total.actual + pc.actual,
            )
            line.append(f"{method} F1 {pairwise_prf(pc)[2]:.3f}")
        print(", ".join(line), flush=True)
    summary = {}
    for method in methods:
        precision, recall, f1 = pairwise_prf(counts[method])
        summary[method] = {
            "pairwise_precision": round(precision, 3),
            "pairwise_recall": round(recall, 3),
            "pairwise_f1": round(f1, 3),
            "cpu_seconds": round(seconds[method], 1),
        }
        print(
            f"{method}: pooled pairwise precision {precision:.3f}, recall {recall:.3f}, "
            f"F1 {f1:.3f}; {seconds[method]:.1f} CPU s"
        )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    payload = {"database": args.database, "blocks": largest, "summary": summary}
    args.results.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

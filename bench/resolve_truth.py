"""How the people `resolve` stored match the generated corpus's truth, over every authorship.

    python bench/resolve_truth.py --database sqlite:////work/scale-data/run1m/scale.db \
        --truth /work/scale-data/corpus-1m/truth --tag 1m-no-topics

`bench/scale_corpus.py` writes `truth/works.tsv.gz` (each work's identifiers) and
`truth/authorships.tsv.gz` (the person behind each author position). Every stored authorship is
mapped to its true person through its work's identifiers and its position, and the stored
people (`authorships.person_id`) are scored against the truth: pooled pairwise and B-cubed
precision, recall and F1, and how many people each side holds. The baseline, in the same run,
is what the site shows before `resolve`: one person per printed name (`authorships.name_key`),
every namesake merged. Authorships whose work or position the truth does not know are counted
and left out. Results: bench/results/resolve_truth-<tag>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, select

from paperscope.identity.evaluation import bcubed_prf, pair_counts, pairwise_prf
from paperscope.store.schema import authorships, work_ids

sys.path.insert(0, str(Path(__file__).resolve().parent))
from resolve_parts import truth

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


@contextmanager
def connected(url: str) -> Iterator[Connection]:
    """A connection whose engine is disposed after it: no SQLite connection stays open in
    this process while the database file is copied (`resolve_incremental.py --baseline`),
    where closing the copy's file handle would drop the open connection's locks (a round
    read "database disk image is malformed" after it)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def labelled(url: str, folder: Path) -> tuple[list[str], list[int], list[str], int]:
    """Each known authorship's true person, stored person and printed name key, and how many
    authorships the truth does not know."""
    works, people = truth(folder)
    with connected(url) as connection:
        work_of = _generated_works(connection, works)
        del works
        actual: list[str] = []
        stored: list[int] = []
        names: list[str] = []
        unknown = 0
        rows = connection.execute(
            select(
                authorships.c.work_id,
                authorships.c.position,
                authorships.c.person_id,
                authorships.c.name_key,
            )
        )
        for work_id, position, person_id, name_key in rows:
            person = people.get((work_of.get(work_id, -1), position - 1))
            if person is None:
                unknown += 1
                continue
            actual.append(person)
            # an authorship resolve left without a person stands alone
            stored.append(person_id if person_id is not None else -len(actual))
            names.append(name_key)
    return actual, stored, names, unknown


def true_people(url: str, folder: Path) -> dict[int, str]:
    """The true person of each stored authorship the truth knows, by authorship id."""
    works, people = truth(folder)
    out: dict[int, str] = {}
    with connected(url) as connection:
        work_of = _generated_works(connection, works)
        del works
        rows = select(authorships.c.id, authorships.c.work_id, authorships.c.position)
        for key, work_id, position in connection.execute(rows):
            if (person := people.get((work_of.get(work_id, -1), position - 1))) is not None:
                out[int(key)] = person
    return out


def _generated_works(connection: Connection, works: dict[tuple[str, str], int]) -> dict[int, int]:
    """Stored work id -> the generator's work number, through the works' identifiers."""
    work_of: dict[int, int] = {}
    for work_id, scheme, value in connection.execute(
        select(work_ids.c.work_id, work_ids.c.scheme, work_ids.c.value)
    ):
        if (found := works.get((scheme, str(value).lower()))) is not None:
            work_of[work_id] = found
    return work_of


def scores(actual: Sequence[str], predicted: Sequence[object]) -> dict[str, Any]:
    precision, recall, f1 = pairwise_prf(pair_counts(actual, predicted))
    b_precision, b_recall, b_f1 = bcubed_prf(actual, predicted)
    return {
        "people": len(set(predicted)),
        "pairwise_precision": round(precision, 4),
        "pairwise_recall": round(recall, 4),
        "pairwise_f1": round(f1, 4),
        "bcubed_precision": round(b_precision, 4),
        "bcubed_recall": round(b_recall, 4),
        "bcubed_f1": round(b_f1, 4),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", required=True)
    parser.add_argument("--truth", type=Path, required=True, help="the corpus's truth/ folder")
    parser.add_argument("--tag", default="1m")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    actual, stored, names, unknown = labelled(args.database, args.truth)
    report: dict[str, Any] = {
        "database": args.database,
        "authorships": len(actual),
        "authorships_unknown_to_the_truth": unknown,
        "true_people": len(set(actual)),
        "resolved": scores(actual, stored),
        "baseline_one_person_per_printed_name": scores(actual, names),
    }
    print(
        f"{len(actual):,} authorships ({unknown:,} unknown to the truth), "
        f"{report['true_people']:,} true people"
    )
    for label in ("resolved", "baseline_one_person_per_printed_name"):
        s = report[label]
        print(
            f"  {label:38} {s['people']:>9,} people  pairwise P {s['pairwise_precision']:.3f} "
            f"R {s['pairwise_recall']:.3f} F1 {s['pairwise_f1']:.3f}  B-cubed P "
            f"{s['bcubed_precision']:.3f} R {s['bcubed_recall']:.3f} F1 {s['bcubed_f1']:.3f}"
        )
    report["seconds"] = round(time.perf_counter() - started, 1)
    out = RESULTS / f"resolve_truth-{args.tag}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

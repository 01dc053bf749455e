"""What an incremental `resolve` costs after a full one, and whether it agrees with it.

    python bench/resolve_incremental.py --database sqlite:////data/copy-of-resolved.db \
        --every 1000 --every 100 --tag 1m

The database must be a resolved one you can spare: each round takes the authorships of
every `--every`-th work (by id) away from their people, as if those works had just been
ingested, and runs `paperscope resolve` (incremental) on them as a user would, timed with
its peak memory (`scale.run_stage`). Rounds run in the order given, each on what the one
before left. Printed beside each round: the authorships it had to place, their rate, the
time the full run took per authorship (`--full-seconds`, default: the resolve stage in
bench/results/scale.json) and the round's share of it; and how the incremental run agrees
with the full one on those authorships: how many went back to the person they had, and
pairwise precision/recall of the new grouping against the old one. With `--truth` (the
`truth/` folder of a `bench/scale_corpus.py` corpus), how right both are: B-cubed precision
and recall over the placed authorships against the generator's true people, for the
incremental run's people and for the people the full run had given them (agreeing with the
full run is not the same as being right: a full run on a hard corpus merges namesakes).
Results: bench/results/resolve_incremental-<tag>.json.

A baseline (SQLite): each round also runs on a copy of the database taken just before it,
the two alternating (baseline first in odd rounds), the baseline's numbers beside each
round's. `--baseline REV`: that revision's `src/` (git archive) runs the copy.
`--fresh-models-baseline`: this tree runs it with an empty data folder, so the packaged
model is trained as every run did before trained models were kept in
`<data_dir>/models/identity`. Either way the measured run uses the data folder of
`PAPERSCOPE_DATA_DIR`, with the model stored there first.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, update

from paperscope.identity.evaluation import pair_counts, pairwise_prf
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from resolve_speed import export_tree  # noqa: E402
from resolve_truth import true_people  # noqa: E402
from scale import PAPERSCOPE, run_stage  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def take_away(url: str, every: int) -> dict[int, int]:
    """Unassign the authorships of every `every`-th work; their former people by id."""
    chosen = (authorships.c.work_id % every == 0) & authorships.c.person_id.is_not(None)
    engine = create_engine(url)
    with engine.begin() as connection:
        former = {
            int(key): int(person)
            for key, person in connection.execute(
                select(authorships.c.id, authorships.c.person_id).where(chosen)
            )
        }
        connection.execute(update(authorships).where(chosen).values(person_id=None))
    engine.dispose()
    return former


def placed(url: str, keys: Sequence[int]) -> tuple[dict[int, int | None], int]:
    """The person each of these authorships has now, and how many authorships there are."""
    engine = create_engine(url)
    found: dict[int, int | None] = {}
    with engine.connect() as connection:
        query = select(authorships.c.id, authorships.c.person_id)
        for key, person in connection.execute(query.where(in_list(authorships.c.id, keys))):
            found[int(key)] = None if person is None else int(person)
        total = connection.execute(select(func.count()).select_from(authorships)).scalar_one()
    engine.dispose()
    return found, int(total)


def agreement(former: dict[int, int], now: dict[int, int | None]) -> dict[str, Any]:
    keys = sorted(former)
    unplaced = sum(1 for key in keys if now.get(key) is None)
    same = sum(1 for key in keys if now.get(key) == former[key])
    old_labels = [str(former[key]) for key in keys]
    new_labels = [str(now.get(key)) if now.get(key) is not None else f"?{key}" for key in keys]
    precision, recall, f1 = pairwise_prf(pair_counts(old_labels, new_labels))
    return {
        "back_to_their_person": round(same / max(len(keys), 1), 4),
        "left_without_person": unplaced,
        "pairwise_vs_full_run": {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        },
    }


def members_of(url: str, person_ids: set[int]) -> dict[int, set[int]]:
    """The authorships of these people, by person."""
    engine = create_engine(url)
    out: dict[int, set[int]] = {}
    with engine.connect() as connection:
        query = select(authorships.c.id, authorships.c.person_id)
        for key, person in connection.execute(
            query.where(in_list(authorships.c.person_id, sorted(person_ids)))
        ):
            out.setdefault(int(person), set()).add(int(key))
    engine.dispose()
    return out


def members_before(url: str, former: dict[int, int]) -> dict[int, set[int]]:
    """The members the people of `former` (what `take_away` returned) had before it: those
    they have now and the authorships taken away from them."""
    out = members_of(url, set(former.values()))
    for key, person in former.items():
        out.setdefault(person, set()).add(key)
    return out


def bcubed_of_placed(
    truth: dict[int, str], person_of: dict[int, int | None], members: dict[int, set[int]]
) -> dict[str, float]:
    """B-cubed precision, recall and F1 averaged over the placed authorships that the truth
    knows: each one's person (its members, from `members`) against its true person's
    authorships (an authorship left without a person stands alone)."""
    true_sizes = Counter(truth.values())
    precision = recall = 0.0
    known = [key for key in person_of if key in truth]
    for key in known:
        person = person_of[key]
        cluster = members.get(person, {key}) if person is not None else {key}
        right = sum(1 for other in cluster if truth.get(other) == truth[key])
        precision += right / len(cluster)
        recall += right / true_sizes[truth[key]]
    p, r = precision / max(len(known), 1), recall / max(len(known), 1)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}


def keep_model() -> None:
    """Train and store the packaged model in this environment's data folder (untimed), as
    the first run there would have."""
    from paperscope.config import Settings
    from paperscope.identity.model import default_model

    default_model(Settings().data_dir / "models")


def copy_of(url: str) -> str:
    path = Path(url.removeprefix("sqlite:///"))
    if not url.startswith("sqlite:///") or not path.is_file():
        raise SystemExit("a baseline needs an SQLite file")
    with sqlite3.connect(path) as connection:  # what the write-ahead log holds, in the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = path.with_name(path.name + ".baseline")
    shutil.copyfile(path, copy)
    return f"sqlite:///{copy}"


def paired(
    command: list[str],
    baseline_db: str,
    every: int,
    log: Path,
    baseline_env: dict[str, str],
    *,
    first: bool,
) -> dict[str, Any]:
    """The measured run and the baseline on the same take-away; the baseline's numbers under
    `baseline`."""
    take_away(baseline_db, every)
    base_command = [*command[:-1], baseline_db]
    if first:
        baseline = run_stage(base_command, log, baseline_env)
    measured = run_stage(command, log, dict(os.environ))
    if not first:
        baseline = run_stage(base_command, log, baseline_env)
    Path(baseline_db.removeprefix("sqlite:///")).unlink()
    print(f"  baseline: {baseline['seconds']:.1f} s", flush=True)
    return {**measured, "baseline": baseline}


@contextmanager
def baseline_environment(
    revision: str | None, fresh_models: bool
) -> Iterator[dict[str, str] | None]:
    """What the baseline runs with (None: no baseline)."""
    if revision is None and not fresh_models:
        yield None
        return
    with tempfile.TemporaryDirectory() as scratch:
        if revision is not None:
            yield {**os.environ, "PYTHONPATH": str(export_tree(revision, Path(scratch)))}
        else:
            yield {**os.environ, "PAPERSCOPE_DATA_DIR": scratch}


def round_result(
    url: str,
    every: int,
    former: dict[int, int],
    measured: dict[str, Any],
    full: float | None,
    truth: tuple[dict[int, str], dict[int, set[int]]] | None = None,
) -> dict[str, Any]:
    """One round's numbers and agreement with the full run (and with the truth: its labels
    and the members of the people the round's authorships had before), printed as they
    come."""
    now, total = placed(url, sorted(former))
    share = len(former) / total
    result: dict[str, Any] = {
        "every": every,
        "authorships": len(former),
        "total_authorships": total,
        "share_of_authorships": round(share, 5),
        **measured,
        "authorships_per_s": round(len(former) / measured["seconds"], 1),
        **agreement(former, now),
    }
    if full:
        result["share_of_full_run_time"] = round(measured["seconds"] / full, 4)
    if truth is not None:
        labels, before = truth
        after = members_of(url, {p for p in now.values() if p is not None})
        result["bcubed_vs_truth"] = {
            "incremental": bcubed_of_placed(labels, now, after),
            "full_run": bcubed_of_placed(labels, dict(former), before),
        }
        print(
            "  B-cubed F1 against the truth over these authorships: incremental "
            f"{result['bcubed_vs_truth']['incremental']['f1']:.3f}, the full run's people "
            f"{result['bcubed_vs_truth']['full_run']['f1']:.3f}",
            flush=True,
        )
    print(
        f"every {every:>6}th work: {len(former):>8,} authorships ({share:.2%}) in "
        f"{measured['seconds']:8.1f} s ({result['authorships_per_s']:,.0f}/s; the full run "
        f"{total / full if full else float('nan'):,.0f}/s, this round "
        f"{result.get('share_of_full_run_time', float('nan')):.1%} of its time), peak "
        f"{max(measured['peak_rss_mb'], measured['peak_tree_rss_mb']):,} MB; back to their "
        f"person {result['back_to_their_person']:.1%}, pairwise F1 against the full run "
        f"{result['pairwise_vs_full_run']['f1']:.3f}",
        flush=True,
    )
    return result


def full_run_seconds() -> float | None:
    path = RESULTS / "scale.json"
    if not path.exists():
        return None
    stages = json.loads(path.read_text())["databases"].get("sqlite", {}).get("stages", {})
    seconds = stages.get("resolve", {}).get("seconds")
    return None if seconds is None else float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a resolved database to modify")
    parser.add_argument("--every", type=int, action="append", required=True)
    parser.add_argument("--full-seconds", type=float, default=None)
    parser.add_argument("--tag", default="run")
    parser.add_argument("--log", type=Path, default=Path("resolve_incremental.log"))
    parser.add_argument("--fresh-models-baseline", action="store_true")
    parser.add_argument("--baseline", metavar="REV", help="a revision to run beside this tree")
    parser.add_argument("--truth", type=Path, help="the corpus's truth/ folder")
    args = parser.parse_args()
    full_seconds = args.full_seconds or full_run_seconds()
    keep_model()
    labels = true_people(args.database, args.truth) if args.truth else None
    rounds: list[dict[str, Any]] = []
    with baseline_environment(args.baseline, args.fresh_models_baseline) as baseline_env:
        for number, every in enumerate(args.every):
            baseline_db = copy_of(args.database) if baseline_env is not None else None
            former = take_away(args.database, every)
            truth = None if labels is None else (labels, members_before(args.database, former))
            command = [PAPERSCOPE, "resolve", "--database", args.database]
            if baseline_db is None or baseline_env is None:
                measured = run_stage(command, args.log, dict(os.environ))
            else:
                measured = paired(
                    command, baseline_db, every, args.log, baseline_env, first=number % 2 == 0
                )
            rounds.append(round_result(args.database, every, former, measured, full_seconds, truth))
    report = {
        "database": args.database,
        "baseline": args.baseline
        or ("fresh models folder" if args.fresh_models_baseline else None),
        "authorships": rounds[-1]["total_authorships"] if rounds else 0,
        "full_run_seconds": full_seconds,
        "topics": os.environ.get("PAPERSCOPE_IDENTITY_TOPICS", "(default)"),
        "load_average_at_end": os.getloadavg(),
        "rounds": rounds,
    }
    path = RESULTS / f"resolve_incremental-{args.tag}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

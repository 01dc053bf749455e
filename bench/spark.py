"""The batch stages on Spark beside the single-machine path, at several sizes, with the fitted
scaling exponent and a projection for the full OpenAlex snapshot.

For each size (works; each has 3 authorships and 5 reference edges, so authorships = 3 x
works), a deterministic snapshot is generated in the OpenAlex layout (`batch.generate`),
then, in the same run:
  - the single-machine engine (`batch.local.run_local`: ingest, resolve, score's set-wise
    part; skipped above --local-max works);
  - Spark local mode (`local[2]`), stage by stage;
  - with --cluster, the same jobs on a standalone master + 2 workers (scripts/spark-cluster.sh).
The time of each stage, the machine's load average, the fitted exponent b of time ~ size^b
per engine and per stage, the marginal cost per authorship, and the projection go to
bench/results/spark.json (`--summarise FILE` recomputes the summary of measured rows).

Usage: python bench/spark.py [--sizes 2000,8000,32000] [--cluster] [--local-max 40000]
                            [--warmup 200]
       python bench/spark.py --summarise RESULTS [--keep NAME FILE NOTE ...]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from paperscope.batch.compare import canonical, differences
from paperscope.batch.generate import generate
from paperscope.batch.jobs import BatchOptions, run_stage, stages_for
from paperscope.batch.local import run_local
from paperscope.batch.session import get_session
from paperscope.batch.snapshot import discover

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 1)
FULL = {"works": 480e6, "authorships": 1.3e9, "references": 3.0e9}


def fit(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(time) on log(size)."""
    if len(points) < 2:
        return None
    xs = [math.log(s) for s, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else None


def spark_run(spark: Any, inputs: list[Path], work: Path) -> dict[str, float]:
    options = BatchOptions(work=work, inputs=tuple(inputs), today=TODAY)
    seconds = {}
    for stage in stages_for("all", options):
        started = time.perf_counter()
        run_stage(spark, stage, options)
        seconds[stage] = time.perf_counter() - started
    return seconds


def cluster_run(inputs: list[Path], work: Path, state: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHON=sys.executable)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    script = ROOT / "scripts" / "spark-cluster.sh"
    url = subprocess.run(
        ["bash", str(script), "start", str(state)], env=env, capture_output=True, text=True,
        check=True,
    ).stdout.split()[-1]  # fmt: skip
    try:
        command = [sys.executable, "-m", "paperscope.batch.jobs", "all", "--master", url,
                   "--work", str(work), "--today", TODAY.isoformat()]  # fmt: skip
        for path in inputs:
            command += ["--input", str(path)]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    finally:
        subprocess.run(["bash", str(script), "stop", str(state)], env=env, check=False)
    seconds = {}
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("s]"):
            stage, value = line[1:-2].split()
            seconds[stage] = float(value)
    return seconds


def marginal(points: list[tuple[float, float]]) -> float | None:
    """Seconds per extra authorship between the two largest sizes: the fixed per-job cost
    (JVM, scheduling, Python workers) cancels out."""
    if len(points) < 2:
        return None
    (n1, t1), (n2, t2) = sorted(points)[-2:]
    return (t2 - t1) / (n2 - n1) if n2 > n1 else None


def projection(points: list[tuple[float, float]], exponent: float | None, cores: int) -> Any:
    """The full OpenAlex snapshot from the measured per-authorship cost, with assumptions."""
    size, seconds = sorted(points)[-1]
    per_row = marginal(points)
    basis = (
        "the marginal cost per authorship between the two largest sizes (the fixed per-job "
        "cost of Spark cancels); the fitted exponent over all sizes is below 1 because that "
        "fixed cost dominates small runs, so it is reported, not used"
    )
    if per_row is None or per_row <= 0:
        per_row = seconds / size
        basis = (
            "the whole time of the largest run divided by its authorships (fewer than two "
            "sizes measured, so no slope): Spark's fixed per-job cost is included, so the "
            "projection is a loose upper bound, not a sizing"
        )
    # Sort-based shuffles grow as n log n: the per-row cost at the full size is the measured
    # one times log(N) / log(n).
    growth = math.log(FULL["authorships"]) / math.log(size)
    core_seconds = per_row * cores * FULL["authorships"] * growth
    efficiency = 0.7
    hours = {
        f"{target}_cores_hours": round(core_seconds / target / efficiency / 3600, 2)
        for target in (64, 256, 1024)
    }
    return {
        "from_authorships": size,
        "measured_seconds": round(seconds, 1),
        "fitted_exponent": None if exponent is None else round(exponent, 3),
        "seconds_per_authorship": per_row,
        "log_growth_factor": round(growth, 2),
        "core_hours": round(core_seconds / 3600, 1),
        **hours,
        "assumptions": [
            "cost grows with authorships; generated works have 3 authorships and 5 references "
            "each, OpenAlex about 2.7 and 6, so reference edges scale with authorships too",
            f"the per-authorship cost is {basis}",
            f"sort-based shuffles make the per-row cost grow as log n: x{growth:.2f} from "
            f"{int(size):,} to 1.3e9 authorships",
            f"the measured run used {cores} cores (local[{cores}]); the work spreads over N "
            f"cores at {efficiency:.0%} efficiency (shuffle, skew of name blocks, stragglers)",
            "parsing is per file and scales with the bytes read (~330 GB gzip for the full "
            "snapshot, one task per part file): included in the per-row cost of read",
            "name blocks above --max-block are split, so no task grows with the largest block",
            "but generated name blocks stay small (a few signatures each at the measured "
            "sizes) while real ones (common surnames) reach --max-block, and one block's "
            "clustering costs its square: resolve's per-authorship cost on the real snapshot "
            "is higher than measured, so for resolve the projection is a lower bound",
            "the measuring machine's 2 cores were shared with other jobs (load average in each "
            "row): a quiet machine is faster, so the projection is an upper bound",
            "the per-job fixed cost (seconds per Spark job) does not grow with data and is "
            "left out",
        ],
    }


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Exponents per engine and per stage, marginal costs and the projection."""
    exponents: dict[str, Any] = {}
    stages: dict[str, dict[str, float | None]] = {}
    for engine in ("local", "spark_local", "spark_cluster"):
        rows = [r for r in results if engine in r]
        exponents[engine] = fit([(r["authorships"], r[engine]["total"]) for r in rows])
        names = [k for k in (rows[0][engine] if rows else {}) if k != "total"]
        stages[engine] = {
            name: fit([(r["authorships"], max(r[engine][name], 1e-3)) for r in rows])
            for name in names
        }
    spark_points = [(r["authorships"], r["spark_local"]["total"]) for r in results]
    sizes = len({r["authorships"] for r in results})
    note = "" if sizes >= 3 else f"only {sizes} size(s) measured: no exponent, see the projection"
    return {
        "machine": {"cores": os.cpu_count(), "note": "2 cores shared with other sessions"},
        "note": note,
        "sizes": results,
        "exponents": exponents,
        "stage_exponents": stages,
        "marginal_seconds_per_authorship": {
            engine: marginal(
                [(r["authorships"], r[engine]["total"]) for r in results if engine in r]
            )
            for engine in ("local", "spark_local", "spark_cluster")
        },
        "projection_full_openalex": projection(spark_points, exponents["spark_local"], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2000,8000,32000", help="works per snapshot")
    parser.add_argument("--local-max", type=int, default=40000)
    parser.add_argument("--cluster", action="store_true")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "spark.json")
    parser.add_argument(
        "--summarise", type=Path, help="recompute the summary of a results file (no runs)"
    )
    parser.add_argument(
        "--keep",
        nargs=3,
        action="append",
        default=[],
        metavar=("NAME", "FILE", "NOTE"),
        help="with --summarise: the rows of another results file (an earlier version of the "
        "code, another run) kept under NAME with NOTE saying what they are; not fitted",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=0,
        help="works of an unrecorded first run, so every measured size finds the JVM, the "
        "Python workers and the pairwise model warm",
    )
    args = parser.parse_args()
    if args.summarise:
        measured = json.loads(args.summarise.read_text(encoding="utf-8"))["sizes"]
        summary = summarise(measured)
        for name, path, note in args.keep:
            rows = json.loads(Path(path).read_text(encoding="utf-8"))["sizes"]
            summary[name] = {"note": note, "sizes": rows}
        return write_summary(summary, args.output)
    sizes = [int(s) for s in args.sizes.split(",")]
    results: list[dict[str, Any]] = []
    spark = get_session("local[2]", shuffle_partitions=8)
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        if args.warmup:
            warm = Path(tmp) / "warmup"
            generate(warm / "in", args.warmup, files=8)
            spark_run(spark, [warm / "in" / "openalex", warm / "in" / "s2"], warm / "spark")
            shutil.rmtree(warm, ignore_errors=True)
        for works in sizes:
            root = Path(tmp) / str(works)
            counts = generate(root / "in", works, files=8)
            inputs = [root / "in" / "openalex", root / "in" / "s2"]
            row: dict[str, Any] = {"works": works, **counts, "load_before": os.getloadavg()}
            if works <= args.local_max:
                started = time.perf_counter()
                report = run_local(
                    discover(inputs), f"sqlite:///{root / 'l.sqlite'}", root / "local", today=TODAY
                )
                row["local"] = {**{k: round(v, 2) for k, v in report.seconds.items()},
                                "total": round(time.perf_counter() - started, 2)}  # fmt: skip
            seconds = spark_run(spark, inputs, root / "spark")
            row["spark_local"] = {**{k: round(v, 2) for k, v in seconds.items()},
                                  "total": round(sum(seconds.values()), 2)}  # fmt: skip
            if "local" in row:
                row["equal"] = not differences(canonical(root / "local"), canonical(root / "spark"))
            if args.cluster:
                cl = cluster_run(inputs, root / "cluster", root / "cluster-state")
                row["spark_cluster"] = {**cl, "total": round(sum(cl.values()), 2)}
            row["load_after"] = os.getloadavg()
            print(json.dumps(row), flush=True)
            results.append(row)
            shutil.rmtree(root, ignore_errors=True)
    spark.stop()
    return write_summary(summarise(results), args.output)


def write_summary(summary: dict[str, Any], output: Path) -> int:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    shown = ("exponents", "marginal_seconds_per_authorship", "projection_full_openalex")
    print(json.dumps({k: summary[k] for k in shown}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

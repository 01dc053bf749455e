"""What the server's garbage collector costs first visits: `paperscope serve` with Python's
collector beside the settled one (`serve_gc_threshold`, cli/web.py), on one database.

    python bench/serve_gc.py --database sqlite:////data/scale.db --tag 100k

Each round starts `paperscope serve` twice, once with PAPERSCOPE_SERVE_GC_THRESHOLD=0
(Python's defaults) and once with the product's setting, alternating; each server runs in a
wrapper that records every full (generation 2) collection with `gc.callbacks`. The client
asks for the author pages `bench/web.py` counts as first visits (the 20 most prolific and
20 median names, after one warm-up name): nothing is cached, so each page is built, and its
objects are what the collector walks. Printed per variant: the first visits' p50/p95/max
and the full collections (how many, their total and longest pause). Results:
bench/results/serve_gc-<tag>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from web import cold_latency, first_visit_names, free_port, wait_up  # noqa: E402

VARIANTS = {"python defaults": "0", "settled (serve_gc_threshold)": None}


def server(log: Path, argv: list[str]) -> None:
    """`paperscope serve` in this process, every full collection's pause written to `log`."""
    import gc

    out = log.open("w", buffering=1)
    started: list[float] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[:] = [time.perf_counter()]
        else:
            out.write(f"{(time.perf_counter() - started[0]) * 1000:.1f}\n")

    gc.callbacks.append(record)
    from paperscope.cli import main

    sys.argv = ["paperscope", *argv]
    main()


def run_once(url: str, threshold: str | None, warmup: str, names: list[str]) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.pop("PAPERSCOPE_SERVE_GC_THRESHOLD", None)
    if threshold is not None:
        env["PAPERSCOPE_SERVE_GC_THRESHOLD"] = threshold
    with tempfile.TemporaryDirectory(prefix="serve-gc-") as folder:
        log = Path(folder) / "gc.log"
        env["PAPERSCOPE_DATA_DIR"] = folder
        argv = ["serve", "--port", str(port), "--database", url, "--no-access-log"]
        process = subprocess.Popen(
            [sys.executable, __file__, "--server", str(log), *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_up(base, timeout=300)
            before = len(log.read_text().split()) if log.exists() else 0
            visits = cold_latency(base, warmup, names)
        finally:
            process.terminate()
            process.wait(timeout=60)
        pauses = [float(line) for line in log.read_text().split()[before:]]
    return {
        **visits,
        "full_collections": len(pauses),
        "full_collection_ms": round(sum(pauses), 1),
        "longest_pause_ms": max(pauses, default=0.0),
        "load_average": os.getloadavg()[0],
    }


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--server"]:  # the wrapper: the rest is paperscope's own command line
        server(Path(argv[1]), argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", required=True, help="a database URL with ingested works")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tag", default="run", help="results go to serve_gc-<tag>.json")
    args = parser.parse_args(argv)
    warmup, names = first_visit_names(args.database)
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in VARIANTS}
    for round_ in range(args.rounds):
        for label, threshold in VARIANTS.items():
            result = run_once(args.database, threshold, warmup, names)
            runs[label].append(result)
            print(
                f"round {round_ + 1} {label:30} first visits total {result['total_ms']:7.0f} ms, "
                f"p50 {result['p50_ms']:7.1f} ms "
                f"p95 {result['p95_ms']:7.1f} ms max {result['max_ms']:7.1f} ms; "
                f"full collections {result['full_collections']:3} "
                f"({result['full_collection_ms']:.0f} ms, longest "
                f"{result['longest_pause_ms']:.0f} ms); load {result['load_average']:.1f}",
                flush=True,
            )
    out = ROOT / "bench" / "results" / f"serve_gc-{args.tag}.json"
    out.write_text(json.dumps({"database": args.database, "names": names, "runs": runs}, indent=2))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

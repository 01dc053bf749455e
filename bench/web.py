"""Web speed: requests/s and p95 latency of the author page, a search page and the daily feed
on the 113k ACM-CR works, beside a static file served by the same server in the same run.

1. Builds (once; cached in var/bench/web-acm.db) a SQLite database of the ACM-CR BibTeX
   records with `paperscope ingest`, its keyword index, and (when `score` is installed) scores.
2. Starts `paperscope serve` on a free loopback port (one uvicorn process).
3. Drives each page with `wrk` (Debian package `wrk`) for a fixed time and connection count,
   reading p95 from wrk's latency histogram (a Lua `done` hook), and checks every answer is 200.

Usage: python bench/web.py [--shared ../shared] [--duration 10] [--connections 8] [--rebuild]
Target: author page p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
DATABASE = ROOT / "var" / "bench" / "web-acm.db"
RESULTS = ROOT / "bench" / "results" / "web.json"
PAPERSCOPE = str(Path(sys.executable).with_name("paperscope"))
TARGET_P95_MS = 50.0
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %.1f %.1f %.1f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def build(shared: Path, url: str, rebuild: bool) -> None:
    if rebuild and DATABASE.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    if DATABASE.exists():
        print(f"reusing {DATABASE}")
    else:
        DATABASE.parent.mkdir(parents=True, exist_ok=True)
        tarball = shared / "data" / "acm-cr" / "acm-dl-bibtex.tar.gz"
        started = time.perf_counter()
        subprocess.run([PAPERSCOPE, "ingest", str(tarball), "-d", url], check=True)
        print(f"ingest: {time.perf_counter() - started:.0f} s")
    from paperscope.search.keyword import refresh_keyword_index
    from paperscope.store import Store

    store = Store.open(url)
    started = time.perf_counter()
    refresh_keyword_index(store)  # a no-op when the index is up to date
    print(f"keyword index: {time.perf_counter() - started:.0f} s")
    store.close()


def author_names(url: str) -> tuple[list[str], str]:
    """The 20 most prolific printed names, and a typical one (median of names with >= 5)."""
    from sqlalchemy import func, select

    from paperscope.store import Store
    from paperscope.store.schema import authorships

    store = Store.open(url, migrate=False)
    count = func.count(func.distinct(authorships.c.work_id))
    with store.connect() as connection:
        rows = connection.execute(
            select(func.min(authorships.c.name), count)
            .group_by(authorships.c.name_key)
            .having(count >= 5)
            .order_by(count.desc())
        ).all()
    store.close()
    return [name for name, _ in rows[:20]], rows[len(rows) // 2][0]


def first_visit_names(url: str) -> tuple[str, list[str]]:
    """A warm-up name, then the 20 most prolific names and 20 around the median (>= 5 works)."""
    from sqlalchemy import func, select

    from paperscope.store import Store
    from paperscope.store.schema import authorships

    store = Store.open(url, migrate=False)
    count = func.count(func.distinct(authorships.c.work_id))
    with store.connect() as connection:
        rows = connection.execute(
            select(func.min(authorships.c.name), count)
            .group_by(authorships.c.name_key)
            .having(count >= 5)
            .order_by(count.desc(), func.min(authorships.c.name))
        ).all()
    store.close()
    middle = len(rows) // 2
    names = [name for name, _ in [*rows[:20], *rows[middle - 10 : middle + 10]]]
    return rows[20][0], names


def pick_targets(url: str) -> dict[str, str]:
    """Author pages, a search, the busiest day, and a static file."""
    from sqlalchemy import func, select

    from paperscope.store import Store
    from paperscope.store.schema import works

    prolific, typical = author_names(url)
    store = Store.open(url, migrate=False)
    with store.connect() as connection:
        day = connection.execute(
            select(works.c.published)
            .where(works.c.published.is_not(None))
            .group_by(works.c.published)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar()
    store.close()
    daily = "/?" + urlencode({"date": day.isoformat()}) if day else "/"
    return {
        "static file (baseline)": "/static/style.css",
        "author page": "/author?" + urlencode({"name": typical}),
        "author page (most prolific)": "/author?" + urlencode({"name": prolific[0]}),
        "search page": "/search?" + urlencode({"q": "neural network", "mode": "keyword"}),
        "daily feed": daily,
    }


def cold_latency(base: str, warmup: str, names: list[str]) -> dict[str, Any]:
    """One request per distinct author (nothing cached yet): what a first visit costs."""
    result = first_visits(base, _author_path(warmup), [_author_path(name) for name in names])
    return {"authors": result.pop("pages"), **result}


def _author_path(name: str) -> str:
    return "/author?" + urlencode({"name": name})


def first_visits(base: str, warmup: str, paths: list[str]) -> dict[str, Any]:
    """One request per distinct path (nothing cached yet). `warmup` is asked first, so the
    server's one-off start-up work (templates, compiled statements) is not counted as a
    visit."""
    with urlopen(base + warmup, timeout=60) as response:
        response.read()
    times = []
    for path in paths:
        started = time.perf_counter()
        with urlopen(base + path, timeout=60) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return {
        "pages": len(times),
        "p50_ms": round(ordered[len(ordered) // 2], 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
        "max_ms": round(ordered[-1], 1),
        "total_ms": round(sum(times), 1),
        "ms": [round(each, 1) for each in times],
    }


def scope_paths(url: str, each: int = 10) -> tuple[str, list[str]]:
    """A warm-up venue page, then the pages of the `each` largest categories and venues
    (their first page of most cited works: the costliest)."""
    from sqlalchemy import func, select

    from paperscope.store import Store
    from paperscope.store.schema import work_categories, works
    from paperscope.untrusted import is_category

    store = Store.open(url, migrate=False)
    count = func.count()
    with store.connect() as connection:
        categories = [
            category
            for category in connection.execute(
                select(work_categories.c.category)
                .group_by(work_categories.c.category)
                .order_by(count.desc(), work_categories.c.category)
            ).scalars()
            if is_category(category)  # what the page accepts
        ][:each]
        venues = (
            connection.execute(
                select(func.min(works.c.venue))
                .where(works.c.venue_key.is_not(None))
                .group_by(works.c.venue_key)
                .order_by(count.desc(), works.c.venue_key)
                .limit(each + 1)
            )
            .scalars()
            .all()
        )
    store.close()
    paths = [f"/category/{quote(category)}" for category in categories]
    paths += ["/venue?" + urlencode({"name": venue}) for venue in venues[1:]]
    return "/venue?" + urlencode({"name": venues[0]}), paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_up(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def wait_warm(base: str, timeout: float = 600.0) -> float:
    """Wait until the server says its warm-up thread (the database read ahead, the vector
    and keyword indexes loaded) has ended (`/healthz`); the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with urlopen(base + "/healthz", timeout=10) as response:
            if json.loads(response.read()).get("warming") != "yes":
                return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"the server was still warming up after {timeout:.0f} s")


def drive(url: str, duration: int, connections: int, script: Path) -> dict[str, Any]:
    # Warm up, and check the page works. Not timed, so it may wait long: right after the
    # server starts, a paper page or semantic search waits for the vector index to load
    # (at a million works, 1.5 GB read from a cold disk).
    with urlopen(url, timeout=300) as response:
        if response.status != 200:
            raise RuntimeError(f"{url}: status {response.status}")
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "-s", str(script)]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    requests, errors, micros, p50, p95, p99 = line.split()[1:]
    seconds = int(micros) / 1e6
    return {
        "requests": int(requests),
        "errors": int(errors),
        "requests_per_s": round(int(requests) / seconds, 1),
        "p50_ms": round(float(p50) / 1000, 2),
        "p95_ms": round(float(p95) / 1000, 2),
        "p99_ms": round(float(p99) / 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk (scripts/install-system-deps.sh)")
    url = f"sqlite:///{DATABASE}"
    build(args.shared, url, args.rebuild)
    targets = pick_targets(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {"PAPERSCOPE_DATA_DIR": str(DATABASE.parent)}
    server = subprocess.Popen(
        [PAPERSCOPE, "serve", "--port", str(port), "--database", url, "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[str, Any] = {}
    try:
        wait_up(base)
        warmup, names = first_visit_names(url)
        cold = cold_latency(base, warmup, names)
        print(
            f"{'author page, first visit':24} (20 most prolific + 20 median names) "
            f"p50 {cold['p50_ms']} ms   p95 {cold['p95_ms']} ms   max {cold['max_ms']} ms"
        )
        results["author page, first visit (uncached)"] = cold
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "p95.lua"
            script.write_text(LUA)
            for label, path in targets.items():
                result = drive(base + path, args.duration, args.connections, script)
                results[label] = {"path": path, **result}
                print(
                    f"{label:24} {result['requests_per_s']:8.1f} req/s   "
                    f"p50 {result['p50_ms']:7.2f} ms   p95 {result['p95_ms']:7.2f} ms   "
                    f"errors {result['errors']}"
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
    author_p95 = results["author page"]["p95_ms"]
    served = results["author page"]["requests"] > 0 and results["author page"]["errors"] == 0
    met = served and author_p95 < TARGET_P95_MS
    verdict = "met" if met else "NOT met"
    print(f"target author page p95 < {TARGET_P95_MS:.0f} ms: {verdict} ({author_p95} ms)")
    first_p95 = results["author page, first visit (uncached)"]["p95_ms"]
    first_met = first_p95 < TARGET_P95_MS
    print(
        f"target author page first visit p95 < {TARGET_P95_MS:.0f} ms: "
        f"{'met' if first_met else 'NOT met'} ({first_p95} ms)"
    )
    summary = {
        "database": "SQLite, ACM-CR 113k BibTeX records",
        "server": "paperscope serve (one uvicorn process) on loopback",
        "load": f"wrk -t2 -c{args.connections} -d{args.duration}s",
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "results": results,
        "target_author_p95_ms": TARGET_P95_MS,
        "target_met": met,
        "target_first_visit_met": first_met,
        "note": "pages are cached in-process for 30 s (paperscope.web.cache); wrk repeats one "
        "URL, so its numbers are warm; the first-visit row is uncached",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

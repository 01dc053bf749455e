"""Latency of the venue, category and author pages on the 113k ACM-CR works, beside a static
file and /about served by the same server in the same run.

1. Uses (or builds with `paperscope ingest`) a SQLite database of the ACM-CR BibTeX records.
   ACM-CR has no arXiv categories, so the first run gives every work of the database a
   bench category derived from its venue (`bench.A` ... `bench.H`: crc32 of the venue key
   mod 8, about 14k works each) and cross-lists every fifth work to the next one: category
   pages then have the size of a large arXiv category. Only the bench's database changes.
2. Starts `paperscope serve` (one uvicorn process) on a free loopback port.
3. First visit (nothing cached): one request per page, in turn, for the 20 largest and 20
   median venues, the 8 categories and their tags, and the 20 most prolific and 20 median
   authors (>= 5 works), after one warm-up request per kind; p50/p95/max per kind. The same
   pages are first served in this process by a fresh app, timing the CPU each takes: on a
   shared machine wall-clock latency measures the neighbours as much as the page.
4. Under load: `--connections` threads (keep-alive) for `--duration` seconds each cycling
   through a kind's pages (cached after their first visit: the warm case); requests/s,
   p50, p95 per kind and for the baselines.

Usage: python bench/explore_pages.py [--database sqlite:////tmp/acm.db] [--shared ../shared]
                                     [--duration 10] [--connections 4]
Target (DESIGN.md, pages on one 2-core machine): p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from web import free_port, wait_up  # noqa: E402

DEFAULT_DATABASE = ROOT / "var" / "bench" / "explore-acm.db"
RESULTS = ROOT / "bench" / "results" / "explore_pages.json"
PAPERSCOPE = str(Path(sys.executable).with_name("paperscope"))
TARGET_P95_MS = 100.0
CATEGORIES = tuple(f"bench.{letter}" for letter in "ABCDEFGH")


def build(url: str, shared: Path) -> None:
    """Ingest ACM-CR into a new SQLite file, unless the database has works already."""
    from sqlalchemy import func, select

    from paperscope.store import Store
    from paperscope.store.schema import works

    store = Store.open(url)
    with store.connect() as connection:
        count = connection.execute(select(func.count()).select_from(works)).scalar_one()
    store.close()
    if count:
        print(f"reusing {url} ({count} works)")
        return
    tarball = shared / "data" / "acm-cr" / "acm-dl-bibtex.tar.gz"
    started = time.perf_counter()
    subprocess.run([PAPERSCOPE, "ingest", str(tarball), "-d", url], check=True)
    print(f"ingest: {time.perf_counter() - started:.0f} s")


def add_bench_categories(url: str) -> None:
    """Give every work a `bench.*` category from its venue key (once), see the docstring."""
    from sqlalchemy import delete, insert, select, update

    from paperscope.store import Store
    from paperscope.store.ids import in_list
    from paperscope.store.schema import work_categories, works

    store = Store.open(url)
    with store.transaction() as connection:
        done = connection.execute(
            select(work_categories.c.work_id).where(work_categories.c.category == CATEGORIES[0])
        ).first()
        if done is not None:
            store.close()
            return
        rows = connection.execute(select(works.c.id, works.c.venue_key)).all()
        connection.execute(
            delete(work_categories).where(work_categories.c.category.like("bench.%"))
        )
        pairs: list[dict[str, Any]] = []
        primary: dict[int, str] = {}
        for work_id, key in rows:
            index = zlib.crc32((key or "").encode()) % len(CATEGORIES)
            primary[work_id] = CATEGORIES[index]
            pairs.append({"work_id": work_id, "position": 0, "category": CATEGORIES[index]})
            if work_id % 5 == 0:
                other = CATEGORIES[(index + 1) % len(CATEGORIES)]
                pairs.append({"work_id": work_id, "position": 1, "category": other})
        connection.execute(insert(work_categories), pairs)
        for category in CATEGORIES:
            ids = [w for w, c in primary.items() if c == category]
            connection.execute(
                update(works).where(in_list(works.c.id, ids)).values(primary_category=category)
            )
    store.close()
    print(f"bench categories: {len(rows)} works in {len(CATEGORIES)} categories")


def pick_pages(url: str) -> dict[str, list[str]]:
    """The pages each kind visits: venues, categories, authors (see the docstring)."""
    from sqlalchemy import func, select

    from paperscope.store import Store
    from paperscope.store.schema import authorships, works

    store = Store.open(url, migrate=False)
    count = func.count()
    with store.connect() as connection:
        venues = connection.execute(
            select(works.c.venue_key, func.min(works.c.venue), count)
            .where(works.c.venue_key.is_not(None))
            .group_by(works.c.venue_key)
            .order_by(count.desc(), works.c.venue_key)
        ).all()
        prolific = func.count(func.distinct(authorships.c.work_id))
        names = connection.execute(
            select(func.min(authorships.c.name), prolific)
            .group_by(authorships.c.name_key)
            .having(prolific >= 5)
            .order_by(prolific.desc(), func.min(authorships.c.name))
        ).all()
    store.close()
    middle, people = len(venues) // 2, len(names) // 2
    chosen_venues = [*venues[:20], *venues[middle - 10 : middle + 10]]
    chosen_names = [*names[:20], *names[people - 10 : people + 10]]
    return {
        "venue page": ["/venue?" + urlencode({"name": name}) for _, name, _ in chosen_venues],
        "category page": [f"/category/{c}" for c in CATEGORIES]
        + [f"/category/{c.rsplit('.', 1)[1]}" for c in CATEGORIES],
        "author page": ["/author?" + urlencode({"name": name}) for name, _ in chosen_names],
        "warm-up": [
            "/venue?" + urlencode({"name": venues[middle + 20][1]}),
            "/author?" + urlencode({"name": names[people + 20][0]}),
        ],
    }


def _get(connection: http.client.HTTPConnection, path: str) -> float:
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{path}: status {response.status}")
    return (time.perf_counter() - started) * 1000


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50_ms": round(ordered[len(ordered) // 2], 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def first_visits(base: str, paths: list[str]) -> dict[str, Any]:
    host = urlsplit(base).netloc
    connection = http.client.HTTPConnection(host, timeout=120)
    times = [_get(connection, path) for path in paths]
    connection.close()
    return {"pages": len(paths), **_percentiles(times)}


def in_process(url: str, paths: list[str]) -> dict[str, Any]:
    """CPU time of each first visit, served in this process by a fresh app (TestClient):
    what a page costs however busy the machine is (wall latency is not, on a shared one)."""
    from fastapi.testclient import TestClient

    from paperscope.config import Settings
    from paperscope.store import Store
    from paperscope.web.app import create_app

    store = Store.open(url, migrate=False)
    settings = Settings(database_url=url, embedding_model="hashing")
    times: list[float] = []
    with TestClient(create_app(settings, store)) as client:
        client.get(paths[0])  # templates compiled, statements cached
        for path in paths:
            started = time.process_time()
            response = client.get(path)
            times.append((time.process_time() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: status {response.status_code}")
    store.close()
    return {"pages": len(paths), **_percentiles(times)}


def under_load(base: str, paths: list[str], seconds: float, connections: int) -> dict[str, Any]:
    host = urlsplit(base).netloc
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(host, timeout=120)
        mine: list[float] = []
        index = offset
        while time.monotonic() < stop:
            try:
                mine.append(_get(connection, paths[index % len(paths)]))
            except (OSError, RuntimeError, http.client.HTTPException) as error:
                errors.append(str(error))
                connection.close()
                connection = http.client.HTTPConnection(host, timeout=120)
            index += 1
        connection.close()
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": len(times),
        "errors": len(errors),
        "requests_per_s": round(len(times) / elapsed, 1),
        **_percentiles(times or [0.0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--database", default=f"sqlite:///{DEFAULT_DATABASE}")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    url = args.database
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    build(url, args.shared)
    add_bench_categories(url)
    pages = pick_pages(url)
    cpu: dict[str, Any] = {}
    for kind in ("venue page", "category page", "author page"):
        cpu[kind] = row = in_process(url, pages[kind])
        print(
            f"first visit {kind:14} CPU in process  p50 {row['p50_ms']:7.1f} ms  "
            f"p95 {row['p95_ms']:7.1f} ms  max {row['max_ms']:7.1f} ms"
        )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database = make_url(url).database
    data_dir = Path(database).parent if url.startswith("sqlite") and database else ROOT / "var"
    env = os.environ | {"PAPERSCOPE_DATA_DIR": str(data_dir)}
    server = subprocess.Popen(
        [PAPERSCOPE, "serve", "--port", str(port), "--database", url, "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    first: dict[str, Any] = {}
    loaded: dict[str, Any] = {}
    try:
        wait_up(base, timeout=120.0)
        first_visits(base, pages["warm-up"])  # the server's one-off start-up work
        for kind in ("venue page", "category page", "author page"):
            first[kind] = first_visits(base, pages[kind])
            row = first[kind]
            print(
                f"first visit {kind:14} ({row['pages']} pages)  p50 {row['p50_ms']:7.1f} ms  "
                f"p95 {row['p95_ms']:7.1f} ms  max {row['max_ms']:7.1f} ms"
            )
        baselines = {"static file (baseline)": ["/static/style.css"], "about page": ["/about"]}
        for kind, paths in {**baselines, **{k: pages[k] for k in first}}.items():
            loaded[kind] = under_load(base, paths, args.duration, args.connections)
            row = loaded[kind]
            print(
                f"under load  {kind:22} {row['requests_per_s']:7.1f} req/s  "
                f"p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  errors {row['errors']}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    verdicts = {kind: row["p95_ms"] <= TARGET_P95_MS for kind, row in first.items()}
    cpu_verdicts = {kind: row["p95_ms"] <= TARGET_P95_MS for kind, row in cpu.items()}
    for kind, met in verdicts.items():
        print(
            f"target first visit {kind} p95 <= {TARGET_P95_MS:.0f} ms: "
            f"wall {'met' if met else 'NOT met'}, CPU {'met' if cpu_verdicts[kind] else 'NOT met'}"
        )
    summary = {
        "database": f"SQLite, ACM-CR BibTeX records ({url})",
        "server": "paperscope serve (one uvicorn process) on loopback",
        "load": f"{args.connections} keep-alive connections for {args.duration:.0f} s a kind",
        "cpus": os.cpu_count(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "first_visit": first,
        "first_visit_cpu_in_process": cpu,
        "under_load": loaded,
        "target_p95_ms": TARGET_P95_MS,
        "first_visit_target_met": verdicts,
        "first_visit_cpu_target_met": cpu_verdicts,
        "note": "first visits are uncached; under load every page after its first visit comes "
        "from the 30 s in-process cache (paperscope.web.cache)",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""A `kill -9` in the middle of an ingest, then a rerun, leaves what one clean run leaves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from dump import canonical_dump
from sqlalchemy import func, select

from paperscope.store import Store
from paperscope.store.schema import source_records

RECORDS = 3000


def _write_snapshot(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(RECORDS):
            record = {
                "id": f"2103.{n:05d}",
                "authors": f"Author {n % 97}, Coauthor {n % 13}",
                "title": f"A study of problem number {n} in depth",
                "categories": "cs.LG" if n % 2 else "cs.CV cs.LG",
                "abstract": f"We study problem {n}. Code: https://github.com/lab/p{n}",
                "doi": f"10.5555/p.{n}" if n % 3 == 0 else None,
                "versions": [{"version": "v1", "created": "Mon, 1 Mar 2021 10:00:00 GMT"}],
                "update_date": "2021-03-02",
                "authors_parsed": [["Author", str(n % 97), ""], ["Coauthor", str(n % 13), ""]],
            }
            out.write(json.dumps(record) + "\n")
            if n % 500 == 250:
                out.write('{"id": "broken",\n')


def _ingest_command(path: Path, url: str) -> list[str]:
    return [sys.executable, "-m", "paperscope", "ingest", str(path), "--database", url]


def _stored_records(url: str) -> int:
    store = Store.open(url, migrate=False)
    try:
        with store.connect() as connection:
            return connection.execute(select(func.count()).select_from(source_records)).scalar_one()
    except Exception:
        return 0
    finally:
        store.close()


def test_kill_mid_ingest_then_rerun_equals_one_clean_run(
    new_database_url: Callable[[], str], tmp_path: Path
) -> None:
    snapshot = tmp_path / "snapshot.jsonl"
    _write_snapshot(snapshot)
    env = {**os.environ, "PAPERSCOPE_INGEST_BATCH_SIZE": "100"}
    clean_url, crashed_url = new_database_url(), new_database_url()
    subprocess.run(_ingest_command(snapshot, clean_url), env=env, check=True, capture_output=True)

    victim = subprocess.Popen(_ingest_command(snapshot, crashed_url), env=env)
    deadline = time.monotonic() + 60
    while _stored_records(crashed_url) < 300 and time.monotonic() < deadline:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    stored_at_kill = _stored_records(crashed_url)
    subprocess.run(_ingest_command(snapshot, crashed_url), env=env, check=True, capture_output=True)

    assert victim.returncode == -signal.SIGKILL
    assert 300 <= stored_at_kill < RECORDS, "the kill must land mid-ingest"
    clean, recovered = Store.open(clean_url), Store.open(crashed_url)
    assert canonical_dump(recovered) == canonical_dump(clean)
    assert len(canonical_dump(clean)["works"]) == RECORDS
    assert len(canonical_dump(clean)["quarantine"]) == 6

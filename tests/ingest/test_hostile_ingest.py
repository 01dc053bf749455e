"""Each hostile file, ingested beside good files by `paperscope ingest` in a child process:
the good records are stored, the hostile one is quarantined with a clear reason (or read
correctly, for encodings), and the child's peak RSS stays bounded.

The child runs under a small wrapper that reports `ru_maxrss` of its own children only, so
other tests' subprocesses do not count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hostile import MB, Hostile, bombs
from paperscope.sources.aan import FORMATS as AAN_FORMATS
from paperscope.sources.base import Parsed
from paperscope.store import Store
from paperscope.store.schema import quarantine, source_records

RSS_LIMIT_MB = 500
BOMB_BYTES = 200 * MB
_WRAPPER = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr, "mb": peak}))
"""
MAKERS = bombs(BOMB_BYTES)


def _sqlite(folder: Path) -> str:
    return f"sqlite:///{folder / 'hostile.db'}"


def ingest_measured(paths: list[Path], url: str) -> dict[str, object]:
    """`paperscope ingest PATHS` in a child process: exit code, output, peak RSS in MB."""
    command = [sys.executable, "-m", "paperscope", "ingest", *map(str, paths), "--database", url]
    env = {**os.environ, "PAPERSCOPE_INGEST_BATCH_SIZE": "2000"}
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, env=env
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _aan_works(folder: Path) -> int:
    parse = AAN_FORMATS[0].parse
    (metadata,) = folder.glob("acl-metadata*.txt")
    with metadata.open("rb") as stream:
        return sum(isinstance(result, Parsed) for result in parse(stream))


def _good_folder(tmp_path: Path, aan: Path) -> Path:
    """A folder with the AAN files (linked, not copied) for the hostile file to sit beside."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for good in aan.glob("acl*.txt"):
        (folder / good.name).symlink_to(good.resolve())
    return folder


def _stored(store: Store, file: Path | None = None, format_name: str | None = None) -> int:
    query = select(func.count()).select_from(source_records)
    if file is not None:
        query = query.where(source_records.c.file == str(file.resolve()))
    if format_name is not None:
        query = query.where(source_records.c.format == format_name)
    with store.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _reasons(store: Store, file: Path) -> list[str]:
    query = select(quarantine.c.reason).where(quarantine.c.file == str(file.resolve()))
    with store.connect() as connection:
        return list(connection.execute(query).scalars())


def _check(store: Store, hostile: Hostile, result: dict[str, object], aan_works: int) -> None:
    assert result["code"] == 0, result
    assert _stored(store, format_name="aan-metadata") == aan_works
    assert _stored(store, hostile.path) == hostile.stored
    reasons = _reasons(store, hostile.path)
    if hostile.reason is None:
        assert reasons == []
    else:
        assert reasons and all(len(reason) <= 2100 for reason in reasons)
        assert any(hostile.reason in reason for reason in reasons), reasons
    with store.connect() as connection:
        raws = connection.execute(select(func.max(func.length(quarantine.c.raw)))).scalar()
    assert (raws or 0) <= 4200, "the quarantine keeps an excerpt, not the record"
    if hostile.note:
        notes = [line for line in str(result["out"]).splitlines() if line.startswith("decoded ")]
        assert any(hostile.note in line and hostile.path.name in line for line in notes), notes
    assert int(str(result["mb"])) < RSS_LIMIT_MB, f"peak RSS {result['mb']} MB"


@pytest.mark.parametrize("name", list(MAKERS))
def test_hostile_file_beside_good_ones(name: str, tmp_path: Path, data_dir: Path) -> None:
    folder = _good_folder(tmp_path, data_dir / "aan")
    hostile = MAKERS[name](folder)
    url = _sqlite(tmp_path)
    result = ingest_measured([folder], url)
    print(f"\n{hostile.name}: peak RSS {result['mb']} MB (beside tests/data/aan)")
    _check(Store.open(url), hostile, result, _aan_works(data_dir / "aan"))


@pytest.mark.shared
def test_every_hostile_file_beside_the_real_aan(tmp_path: Path, shared_dir: Path) -> None:
    """All of them in one folder beside the 18k AAN records: one ingest stores the AAN."""
    aan = shared_dir / "data" / "aan"
    folder = _good_folder(tmp_path, aan)
    made = [maker(folder) for maker in MAKERS.values()]
    url = _sqlite(tmp_path)
    result = ingest_measured([folder], url)
    print(f"\nall hostile files beside AAN (18k): peak RSS {result['mb']} MB")
    store = Store.open(url)
    for hostile in made:
        _check(store, hostile, result, _aan_works(aan))


def test_strict_stops_at_the_hostile_file_and_keeps_what_came_before(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    good = MAKERS["bom"](folder)  # read first: file names sort before the deep one
    hostile = MAKERS["deep-json"](folder)
    url = _sqlite(tmp_path)
    command = [sys.executable, "-m", "paperscope", "ingest", str(folder), "--strict"]
    done = subprocess.run([*command, "--database", url], capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert "nested too deeply" in done.stderr
    store = Store.open(url)
    assert _stored(store, good.path) == good.stored
    assert _stored(store, hostile.path) == 1  # the line before the deep one


def test_a_named_file_that_gives_nothing_exits_non_zero(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("this is not JSON at all\nnor is this\n")
    url = _sqlite(tmp_path)
    command = [sys.executable, "-m", "paperscope", "ingest", str(junk), "--format", "openalex"]
    done = subprocess.run([*command, "--database", url], capture_output=True, text=True)
    assert done.returncode == 1
    assert f"gave no records: {junk.resolve()}" in done.stdout
    assert _reasons(Store.open(url), junk)

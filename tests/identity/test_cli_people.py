"""The CLI: resolve, people show / merge / split / recluster, and their errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path


def _paperscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paperscope", *args], capture_output=True, text=True, timeout=300
    )


def test_resolve_show_merge_split(identity_data: Path, sqlite_url: str) -> None:
    data = str(identity_data / "two-jane-does.jsonl")
    assert _paperscope("ingest", data, "-d", sqlite_url).returncode == 0
    result = _paperscope("resolve", "-d", sqlite_url)
    assert result.returncode == 0, result.stderr
    assert "people (incremental)" in result.stdout

    shown = _paperscope("people", "show", "Jane Doe", "-d", sqlite_url)
    assert shown.returncode == 0, shown.stderr
    assert "2 people print the name 'Jane Doe'" in shown.stdout
    ids = [int(x) for x in re.findall(r"^person (\d+):", shown.stdout, re.MULTILINE)]
    assert len(ids) == 2
    assert "Kept apart from Jane Doe" in shown.stdout

    merged = _paperscope("people", "merge", str(ids[0]), str(ids[1]), "-d", sqlite_url)
    assert merged.returncode == 0, merged.stderr
    shown = _paperscope("people", "show", "Jane Doe", "-d", sqlite_url)
    assert re.findall(r"^person (\d+):", shown.stdout, re.MULTILINE) == [str(ids[0])]
    assert "Merged by hand" in shown.stdout

    split = _paperscope(
        "people", "split", str(ids[0]), "--works", "arxiv:1504.00004", "-d", sqlite_url
    )
    assert split.returncode == 0, split.stderr
    assert _paperscope("people", "recluster", "-d", sqlite_url).returncode == 0
    shown = _paperscope("people", "show", "Jane Doe", "-d", sqlite_url)
    assert len(re.findall(r"^person (\d+):", shown.stdout, re.MULTILINE)) == 2


def test_unknown_person_and_bad_work_are_clear_errors(identity_data: Path, sqlite_url: str) -> None:
    _paperscope("ingest", str(identity_data / "two-jane-does.jsonl"), "-d", sqlite_url)
    _paperscope("resolve", "-d", sqlite_url)
    missing = _paperscope("people", "show", "999999", "-d", sqlite_url)
    assert missing.returncode == 1
    assert "no person 999999" in missing.stderr
    bad = _paperscope("people", "split", "1", "--works", "nonsense", "-d", sqlite_url)
    assert bad.returncode == 2
    assert "neither a work id nor scheme:value" in bad.stderr


def test_remove_history_revert_and_admin_roles(identity_data: Path, sqlite_url: str) -> None:
    _paperscope("ingest", str(identity_data / "two-jane-does.jsonl"), "-d", sqlite_url)
    _paperscope("resolve", "-d", sqlite_url)
    shown = _paperscope("people", "show", "Jane Doe", "-d", sqlite_url)
    person = next(
        block.split(":")[0].split()[1]
        for block in re.findall(r"^person \d+:.*$(?:\n  .*$)*", shown.stdout, re.MULTILINE)
        if "arxiv:1703.00003" in block
    )
    removed = _paperscope(
        "people", "remove", person, "--works", "arxiv:1703.00003", "-d", sqlite_url
    )
    assert removed.returncode == 0, removed.stderr
    correction = re.search(r"correction (\d+)", removed.stdout).group(1)  # type: ignore[union-attr]
    history = _paperscope("people", "history", person, "--format", "json", "-d", sqlite_url)
    assert history.returncode == 0, history.stderr
    assert '"kind": "remove"' in history.stdout and '"by": "the command line"' in history.stdout
    reverted = _paperscope("people", "revert", correction, "-d", sqlite_url)
    assert reverted.returncode == 0, reverted.stderr
    again = _paperscope("people", "revert", correction, "-d", sqlite_url)
    assert again.returncode == 2 and "already reverted" in again.stderr
    text = _paperscope("people", "history", person, "-d", sqlite_url).stdout
    assert "remove" in text and "reverted by" in text

    granted = _paperscope("users", "grant-admin", "Ada@Example.org", "-d", sqlite_url)
    assert granted.returncode == 0 and "ada@example.org is an admin" in granted.stdout
    listed = _paperscope("users", "list", "--format", "json", "-d", sqlite_url)
    assert json.loads(listed.stdout)[0]["roles"] == ["admin"]
    assert _paperscope("users", "revoke-admin", "ada@example.org", "-d", sqlite_url).returncode == 0
    missing = _paperscope("users", "revoke-admin", "ada@example.org", "-d", sqlite_url)
    assert missing.returncode == 1 and "is not admin" in missing.stderr
    assert _paperscope("users", "list", "-d", sqlite_url).stdout.count("[-]") == 1

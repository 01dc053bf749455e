"""Which files a batch run reads, in which order: snapshot layouts and plain inputs.

- OpenAlex snapshot (`<root>/data/<entity>/updated_date=YYYY-MM-DD/part_NNN.gz`, or the
  `data` folder itself): the `works` partitions in date order (a newer partition holds the
  records changed that day, so reading in date order lets the newer version win, as a
  re-ingest does); the entity's `manifest` is checked against the files found; the ids in
  `merged_ids/works/*.csv.gz` are merged away (their records dropped, references to them
  redirected). `since` keeps only partitions newer than a date (the last run's newest).
- Semantic Scholar datasets (`<root>/<dataset>/<shards>`, one folder per dataset): papers
  first, then abstracts, tldrs, authors and citations, so texts and edges find their papers.
- A store exported to Parquet (`paperscope batch export`): recognised by its `export.json`.
- Anything else: files and folders in the order given, each read as `paperscope ingest`
  reads it (a folder's files sorted, formats detected, unknown files skipped).

The order is part of the result: a record's place (file number, record number) decides
which work is created first and which version of a record wins, exactly as `ingest` reads
the same files in the same order.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from paperscope.errors import PaperscopeError

_PARTITION = re.compile(r"^updated_date=(\d{4}-\d{2}-\d{2})$")
S2_DATASET_ORDER = ("papers", "abstracts", "tldrs", "authors", "citations")
EXPORT_MARKER = "export.json"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to read, and the format to read it with (None: detect it)."""

    path: str
    format_name: str | None
    partition: str | None = None
    """The OpenAlex `updated_date` of the file's partition, if any."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one run reads."""

    files: tuple[InputFile, ...]
    merged_ids: tuple[tuple[str, str], ...] = ()
    """OpenAlex (merged-away id, id it was merged into), e.g. (`W1`, `W2`)."""
    problems: tuple[str, ...] = ()
    """Manifest disagreements and the like: reported, not fatal."""
    export: str | None = None
    """The folder of a store exported to Parquet, when that is the input."""


def discover(paths: Sequence[Path], since: str | None = None) -> Snapshot:
    """The files of every input path, in reading order."""
    files: list[InputFile] = []
    merged: list[tuple[str, str]] = []
    problems: list[str] = []
    export: str | None = None
    for path in paths:
        if not path.exists():
            raise PaperscopeError(f"{path}: no such file or folder")
        if path.is_dir() and (path / EXPORT_MARKER).is_file():
            export = str(path)
        elif (root := openalex_root(path)) is not None:
            found, merged_here, trouble = _openalex(root, since)
            files += found
            merged += merged_here
            problems += trouble
        elif path.is_dir() and any((path / name).is_dir() for name in S2_DATASET_ORDER):
            files += _s2_datasets(path)
        else:
            # As given: a folder is read as `ingest` reads it (files sorted, unknown ones skipped).
            files.append(InputFile(str(path), None))
    return Snapshot(tuple(files), tuple(merged), tuple(problems), export)


def openalex_root(path: Path) -> Path | None:
    """The folder holding `works/updated_date=...` (the snapshot's `data`), if this is one."""
    for candidate in (path / "data", path):
        works = candidate / "works"
        if works.is_dir() and any(_PARTITION.match(p.name) for p in works.iterdir()):
            return candidate
    return None


def _openalex(
    root: Path, since: str | None
) -> tuple[list[InputFile], list[tuple[str, str]], list[str]]:
    works = root / "works"
    partitions = sorted(
        (match.group(1), p) for p in works.iterdir() if (match := _PARTITION.match(p.name))
    )
    files = [
        InputFile(str(part), "openalex", day)
        for day, folder in partitions
        if since is None or day > since
        for part in sorted(folder.iterdir(), key=_part_order)
        if part.is_file()
    ]
    problems = list(_manifest_problems(works, partitions))
    return files, list(_merged_ids(root / "merged_ids" / "works")), problems


def _part_order(path: Path) -> tuple[int, str]:
    digits = re.findall(r"\d+", path.name)
    return (int(digits[-1]) if digits else -1, path.name)


def _manifest_problems(works: Path, partitions: Iterable[tuple[str, Path]]) -> Iterator[str]:
    """Files the manifest lists that are missing here, and files it does not list."""
    manifest = works / "manifest"
    if not manifest.is_file():
        return
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8")).get("entries", [])
    except (ValueError, AttributeError) as error:
        yield f"{manifest}: not a readable manifest ({error})"
        return
    listed = set()
    for entry in entries:
        url = str(entry.get("url", ""))
        tail = url.split("/works/", 1)[-1]
        listed.add(tail)
        if not (works / tail).is_file():
            yield f"{manifest}: lists {tail}, which is not here"
    for _, folder in partitions:
        for part in folder.iterdir():
            tail = f"{folder.name}/{part.name}"
            if listed and tail not in listed:
                yield f"{manifest}: does not list {tail}"


def _merged_ids(folder: Path) -> Iterator[tuple[str, str]]:
    """(old, new) pairs from OpenAlex's merged_ids CSVs (`merge_date,id,merge_into_id`)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as raw:
            reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
            for row in reader:
                old, new = _short_id(row.get("id")), _short_id(row.get("merge_into_id"))
                if old and new:
                    yield old, new


def _short_id(value: str | None) -> str:
    return (value or "").strip().rsplit("/", 1)[-1].upper()


def _s2_datasets(root: Path) -> list[InputFile]:
    out = []
    for dataset in S2_DATASET_ORDER:
        folder = root / dataset
        if folder.is_dir():
            out += [
                InputFile(str(p), "s2-bulk")
                for p in sorted(folder.rglob("*"))
                if p.is_file() and not _is_readme(p)
            ]
    return out


def _is_readme(path: Path) -> bool:
    return path.name.lower().startswith(("readme", "license", "source")) or path.suffix == ".md"

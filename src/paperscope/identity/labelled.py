"""Labelled disambiguation data (AMiner name-disambiguation XML) as signatures with labels.

Each file is read on its own with the project's parser, so one name's file is scored on its
own even when a publication also appears (with another label) in another name's file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from paperscope.domain import WorkRecord
from paperscope.identity.signatures import Signature
from paperscope.sources.aminer_na import parse
from paperscope.sources.base import Parsed


@dataclass(frozen=True, slots=True)
class LabelledName:
    """One ambiguous name: its signatures and each one's true person."""

    name: str
    signatures: tuple[Signature, ...]
    labels: tuple[str, ...]


def read_labelled_file(path: Path) -> LabelledName:
    signatures: list[Signature] = []
    labels: list[str] = []
    with path.open("rb") as stream:
        for result in parse(stream):
            if not isinstance(result, Parsed) or not isinstance(result.record, WorkRecord):
                continue
            record = result.record
            focal = [k for k, a in enumerate(record.authors) if a.label is not None]
            if not focal:
                continue
            k = focal[0]
            author = record.authors[k]
            index = len(signatures)
            signatures.append(
                Signature(
                    key=index,
                    work=index,
                    name=author.name,
                    coauthors=tuple(a.name for j, a in enumerate(record.authors) if j != k),
                    title=record.title,
                    venue=record.venue,
                    affiliation=author.affiliation,
                    year=record.year,
                )
            )
            labels.append(str(author.label))
    return LabelledName(path.stem, tuple(signatures), tuple(labels))


def read_labelled_dir(directory: Path) -> Iterator[LabelledName]:
    """Every `*.xml` file of a folder, in name order."""
    for path in sorted(directory.glob("*.xml")):
        yield read_labelled_file(path)

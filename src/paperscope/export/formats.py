"""The export formats by name: their writers, file extensions and media types."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TextIO

from paperscope.errors import QueryError
from paperscope.export.bibtex import BibtexWriter
from paperscope.export.csl_json import CslJsonWriter
from paperscope.export.items import ExportItem
from paperscope.export.jsonl import JsonLinesWriter
from paperscope.export.ris import RisWriter


class Writer(Protocol):
    """Writes one export: `begin()`, then `item()` per item, then `end()`."""

    def begin(self) -> str: ...

    def item(self, item: ExportItem) -> str: ...

    def end(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ExportFormat:
    name: str
    extension: str
    media_type: str
    writer: Callable[[], Writer]


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("bibtex", "bib", "application/x-bibtex", BibtexWriter),
        ExportFormat("ris", "ris", "application/x-research-info-systems", RisWriter),
        ExportFormat("csl-json", "json", "application/vnd.citationstyles.csl+json", CslJsonWriter),
        ExportFormat("jsonl", "jsonl", "application/x-ndjson", JsonLinesWriter),
    )
}
LIBRARY_EXPORT_FORMATS = ("bibtex", "ris", "csl-json")


def export_format(name: str, allowed: Iterable[str] = FORMATS) -> ExportFormat:
    allowed = tuple(allowed)
    if name not in allowed:
        raise QueryError(f"unknown export format {name!r}: use {', '.join(allowed)}")
    return FORMATS[name]


def write(fmt: ExportFormat, pages: Iterable[Iterable[ExportItem]], out: TextIO) -> int:
    """Write every item of every page to `out`; how many were written."""
    writer = fmt.writer()
    out.write(writer.begin())
    count = 0
    for page in pages:
        for item in page:
            out.write(writer.item(item))
            count += 1
    out.write(writer.end())
    return count


def render(fmt: ExportFormat, items: Iterable[ExportItem]) -> str:
    """A small export as one string (a paper's entry, a library)."""
    writer = fmt.writer()
    return writer.begin() + "".join(writer.item(item) for item in items) + writer.end()

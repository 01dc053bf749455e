"""What an ingest did, counted."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class IngestCounts:
    read: int = 0
    """Records read from files, malformed ones included."""
    new: int = 0
    """Works created."""
    merged: int = 0
    """Work records that joined a work already known (from another source or file)."""
    updated: int = 0
    """Newer versions of records stored before, applied over the old."""
    unchanged: int = 0
    """Records stored before with the same content: skipped."""
    quarantined: int = 0
    citations: int = 0
    abstracts: int = 0
    unmatched: int = 0
    """Abstracts whose work is not (yet) in the store."""
    authors: int = 0
    skipped_files: int = 0
    """Files in a folder or archive whose format was not recognised (or that cannot be read)."""
    references_linked: int = 0
    """Ends of reference edges (citing or cited) linked to stored works at the end of the
    ingest, by identifier, then by title and year: new edges, and older ones a new work now
    resolves."""
    empty_files: list[str] = field(default_factory=list)
    """`file: why` for files that are understood and hold no records (an empty results page)."""
    files_without_records: list[str] = field(default_factory=list)
    """Files that gave no record at all (each has a quarantine entry saying why)."""
    encoding_notes: list[str] = field(default_factory=list)
    """`file: how` for files not in plain UTF-8: UTF-16 read as such, cp1252 bytes, ..."""
    run: str = ""
    """The ingest run's id, as the quarantine names it (`paperscope quarantine --run`)."""

    def add(self, other: IngestCounts) -> None:
        for spec in fields(self):
            mine, theirs = getattr(self, spec.name), getattr(other, spec.name)
            if isinstance(mine, int):
                setattr(self, spec.name, mine + theirs)
            elif isinstance(mine, list):
                mine.extend(theirs)

    def as_dict(self) -> dict[str, object]:
        return {spec.name: getattr(self, spec.name) for spec in fields(self)}

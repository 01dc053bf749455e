"""One exported item, from a stored work or a library item; names taken apart for formats
that want family and given names (RIS, CSL-JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from paperscope.accounts.library import Entry, ImportedRecord, LibraryItem, UnmatchedItem
from paperscope.read.works import WorkDetails, WorkSummary
from paperscope.untrusted import safe_url

_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "la", "le", "dos"}
    | {"das", "ter", "ten", "zu", "bin", "al", "el"}
)
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_CONFERENCE_WORDS = ("proceedings", "conference", "workshop", "symposium", "meeting", "congress")


@dataclass(frozen=True, slots=True)
class ExportItem:
    """What every export format writes about one work or library item."""

    ref: str
    """`w<work id>` or `u<unmatched item id>`: unique in an export, a key's last resort."""
    title: str
    authors: tuple[str, ...]
    more_authors: bool
    """The source printed only the first authors (`and others`)."""
    year: int | None
    published: date | None
    venue: str | None
    abstract: str | None
    identifiers: tuple[tuple[str, str], ...]
    url: str | None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    note: str | None = None
    work: WorkSummary | None = None
    """The stored work, when there is one (JSON Lines adds its numbers)."""

    def identifier(self, scheme: str) -> str | None:
        return next((value for name, value in self.identifiers if name == scheme), None)

    @property
    def doi(self) -> str | None:
        return self.identifier("doi")

    @property
    def arxiv(self) -> str | None:
        return self.identifier("arxiv")

    @property
    def kind(self) -> str:
        """`inproceedings` (a conference-like venue), `article` (another venue) or `misc`."""
        if not self.venue:
            return "misc"
        venue = self.venue.lower()
        return "inproceedings" if any(w in venue for w in _CONFERENCE_WORDS) else "article"


def _identifiers(
    first: dict[str, str | None], details: WorkDetails | None
) -> tuple[tuple[str, str], ...]:
    """The imported file's DOI and arXiv id first, then the stored ids of other schemes."""
    found = [(scheme, value) for scheme, value in first.items() if value]
    schemes = {scheme for scheme, _ in found}
    stored = details.identifiers if details else ()
    return tuple(found + [(s, v) for s, v in stored if s not in schemes])


def from_work(
    work: WorkSummary,
    details: WorkDetails | None,
    *,
    tags: tuple[str, ...] = (),
    note: str | None = None,
    imported: ImportedRecord | None = None,
) -> ExportItem:
    """A stored work; what an imported file said about it comes first, the store fills the rest
    (so a library exported again gives back what was imported)."""
    first = imported or ImportedRecord(title=work.title)
    ids = {"doi": first.doi, "arxiv": first.arxiv}
    published = first.published
    if published is None and first.year in (None, work.year):
        published = work.published
    return ExportItem(
        ref=f"w{work.work_id}",
        title=first.title,
        authors=first.authors or tuple(a.name for a in work.authors),
        more_authors=not first.authors and work.authors_truncated,
        year=first.year or work.year,
        published=published,
        venue=first.venue or work.venue,
        abstract=first.abstract or work.abstract,
        identifiers=_identifiers(ids, details),
        url=first.url or (safe_url(details.url) if details else None),  # http(s) only
        categories=details.categories if details else (),
        tags=tags,
        note=note,
        work=work,
    )


def from_record(
    ref: str, record: ImportedRecord, tags: tuple[str, ...], note: str | None
) -> ExportItem:
    """An imported item that matches no stored work: what its file said."""
    return ExportItem(
        ref=ref,
        title=record.title,
        authors=record.authors,
        more_authors=False,
        year=record.year,
        published=record.published,
        venue=record.venue,
        abstract=record.abstract,
        identifiers=_identifiers({"doi": record.doi, "arxiv": record.arxiv}, None),
        url=record.url,
        tags=tags,
        note=note,
    )


def from_entry(entry: Entry, details: WorkDetails | None) -> ExportItem:
    if isinstance(entry, UnmatchedItem):
        return from_record(str(entry.ref), entry.record, entry.tags, entry.note)
    assert isinstance(entry, LibraryItem)
    return from_work(entry.work, details, tags=entry.tags, note=entry.note, imported=entry.imported)


@dataclass(frozen=True, slots=True)
class NameParts:
    given: str
    family: str
    suffix: str

    @property
    def single(self) -> bool:
        """One word (an organisation or a mononym): formats write it whole."""
        return not self.given and not self.suffix


def split_name(name: str) -> NameParts:
    """`Jane van der Berg` -> given `Jane`, family `van der Berg`; `John Smith Jr.` -> suffix
    `Jr.`; a `Last, First` name is read as such."""
    if "," in name:
        family, _, rest = (part.strip() for part in name.partition(","))
        given, _, suffix = (part.strip() for part in rest.partition(","))
        return NameParts(given, family, suffix)
    tokens = name.split()
    suffix = tokens.pop() if len(tokens) > 2 and tokens[-1].lower() in _SUFFIXES else ""
    if len(tokens) < 2:
        return NameParts("", " ".join(tokens), suffix)
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1].lower() in _PARTICLES:
        start -= 1
    return NameParts(" ".join(tokens[:start]), " ".join(tokens[start:]), suffix)

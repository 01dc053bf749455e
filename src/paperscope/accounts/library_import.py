"""Import a reference manager's library (BibTeX, RIS, CSL-JSON) into a user's library.

The file is untrusted: it is parsed by the source formats (`sources.bibtex`, `sources.ris`,
`sources.csl_json`), which report a record they cannot read instead of raising, and what is
kept of each record is cleaned and bounded (`ImportedRecord.from_work_record`). Each item is
matched to a stored work by DOI, then arXiv id, then normalised title + year (the one work
with that title key and year; a title shorter than `MIN_MERGE_TITLE_CHARS` never matches);
an unmatched item is kept as such and `rematch` moves it to its work when an ingest brings
it. Items already in the library are not duplicated: their tags are merged.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperscope.accounts.library import (
    MAX_TAG_CHARS,
    MAX_TAGS,
    ImportedRecord,
    ItemRef,
    add_tags,
    is_tag,
)
from paperscope.domain import WorkRecord
from paperscope.errors import QueryError
from paperscope.ingest.keys import MIN_MERGE_TITLE_CHARS
from paperscope.sources.base import DEFAULT_LIMITS, Empty, Format, Limits, Malformed, Parsed
from paperscope.sources.detect import detect_format, format_named
from paperscope.sources.reading import peek, utf8_stream
from paperscope.store.accounts_schema import (
    library_items,
    library_unmatched,
    library_unmatched_tags,
)
from paperscope.store.ids import in_list
from paperscope.store.schema import work_ids, works

log = logging.getLogger("paperscope.accounts")

LIBRARY_FORMATS = ("bibtex", "ris", "csl-json")
MAX_PROBLEMS_LISTED = 500
BATCH = 500
MATCH_KINDS = ("doi", "arxiv", "title")


@dataclass(frozen=True, slots=True)
class Problem:
    """An item the import could not read: where it stands in the file, and why."""

    position: str
    field: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    format: str
    matched: dict[str, int]
    """Items matched to a stored work, by how: `doi`, `arxiv`, `title`."""
    unmatched: int
    """Items kept without a work (shown as such until an ingest brings it)."""
    already: int
    """Items the library held already (their tags merged)."""
    unreadable: int
    problems: tuple[Problem, ...]
    """The unreadable items (the first MAX_PROBLEMS_LISTED)."""
    encoding: str | None = None
    """How the file was decoded when it was not plain UTF-8 (UTF-16, cp1252 bytes)."""

    @property
    def read(self) -> int:
        return sum(self.matched.values()) + self.unmatched + self.already

    @property
    def summary(self) -> str:
        matched = ", ".join(f"{self.matched[kind]} by {kind}" for kind in MATCH_KINDS)
        decoded = f"; {self.encoding}" if self.encoding else ""
        return (
            f"{self.format}: {self.read} items read; matched {matched}; "
            f"{self.unmatched} kept unmatched; {self.already} already in the library; "
            f"{self.unreadable} unreadable{decoded}"
        )


@dataclass(slots=True)
class _Tally:
    format: str
    matched: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MATCH_KINDS, 0))
    unmatched: int = 0
    already: int = 0
    unreadable: int = 0
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None

    def problem(self, position: str, field_name: str | None, reason: str) -> None:
        self.unreadable += 1
        if len(self.problems) < MAX_PROBLEMS_LISTED:
            self.problems.append(Problem(position, field_name, reason))

    def report(self) -> ImportReport:
        return ImportReport(
            self.format,
            dict(self.matched),
            self.unmatched,
            self.already,
            self.unreadable,
            tuple(self.problems),
            self.encoding,
        )


@dataclass(frozen=True, slots=True)
class _Item:
    record: ImportedRecord
    tags: tuple[str, ...]


def _library_format(head: bytes, filename: str, format_name: str | None) -> Format:
    if format_name is not None:
        if format_name not in LIBRARY_FORMATS:
            raise QueryError(f"import reads {', '.join(LIBRARY_FORMATS)}, not {format_name!r}")
        return format_named(format_name)
    found = detect_format(head, filename)
    if found is None or found.name not in LIBRARY_FORMATS:
        what = f"in the {found.name} format" if found else "not in a format paperscope knows"
        raise QueryError(
            f"{filename or 'the file'} is {what}: export your library as BibTeX, RIS or "
            "CSL-JSON (Zotero, Mendeley and JabRef all can)"
        )
    return found


def _tags_for(record: ImportedRecord, folder: str | None, keyword_tags: bool) -> tuple[str, ...]:
    """The folder tag, then the file's keywords that make valid tags (Zotero exports its
    tags as keywords), at most MAX_TAGS."""
    tags = [folder] if folder else []
    if keyword_tags:
        tags += [word for word in record.keywords if is_tag(word)]
    return tuple(dict.fromkeys(tags))[:MAX_TAGS]


def _items(
    fmt: Format,
    stream: BinaryIO,
    limits: Limits,
    tally: _Tally,
    folder: str | None,
    keyword_tags: bool,
) -> Iterator[_Item]:
    """The readable items of the file; the rest go to the tally's problems."""
    results = fmt.parse(stream, limits)
    position = "the start of the file"
    while True:
        try:
            result = next(results)
        except StopIteration:
            return
        except Exception as error:  # untrusted input must never become a server error
            log.warning("library import stopped by %r", error)
            tally.problem(position, None, f"the file could not be read past this point: {error}")
            return
        if isinstance(result, Malformed):
            tally.problem(result.position, result.field, result.reason)
            continue
        if isinstance(result, Empty):
            continue
        position = f"after {result.position}"
        record = result.record if isinstance(result, Parsed) else None
        kept = ImportedRecord.from_work_record(record) if isinstance(record, WorkRecord) else None
        if kept is None:
            tally.problem(result.position, "title", "not a work with a title")
            continue
        yield _Item(kept, _tags_for(kept, folder, keyword_tags))


def _batches(items: Iterator[_Item]) -> Iterator[list[_Item]]:
    batch: list[_Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def find_works(
    connection: Connection, records: Sequence[ImportedRecord]
) -> list[tuple[int, str] | None]:
    """Each record's stored work and how it was found (`doi`, `arxiv`, `title`), or None."""
    by_id: dict[tuple[str, str], int] = {}
    for scheme in ("doi", "arxiv"):
        values = [v for r in records if (v := getattr(r, scheme))]
        query = select(work_ids.c.value, work_ids.c.work_id).where(
            work_ids.c.scheme == scheme, in_list(work_ids.c.value, values)
        )
        for value, work_id in connection.execute(query):
            by_id[scheme, value] = work_id
    keys = [r.title_key for r in records if len(r.title_key) >= MIN_MERGE_TITLE_CHARS]
    titles: dict[str, list[tuple[int, int | None]]] = {}
    title_rows = select(works.c.title_key, works.c.id, works.c.year, works.c.published).where(
        in_list(works.c.title_key, keys)
    )
    for row in connection.execute(title_rows):
        year = row.year or (row.published.year if row.published else None)
        titles.setdefault(row.title_key, []).append((row.id, year))
    return [_match(record, by_id, titles) for record in records]


def _match(
    record: ImportedRecord,
    by_id: dict[tuple[str, str], int],
    titles: dict[str, list[tuple[int, int | None]]],
) -> tuple[int, str] | None:
    for scheme in ("doi", "arxiv"):
        value = getattr(record, scheme)
        if value and (scheme, value) in by_id:
            return by_id[scheme, value], scheme
    candidates = (
        titles.get(record.title_key, []) if len(record.title_key) >= MIN_MERGE_TITLE_CHARS else []
    )
    if record.year is not None:
        candidates = [c for c in candidates if c[1] == record.year]
    ids = {work_id for work_id, _ in candidates}
    return (ids.pop(), "title") if len(ids) == 1 else None


def item_key(record: ImportedRecord) -> str:
    """The stored form of `record.item_key`: a hash, so any DOI or title fits the column."""
    return hashlib.blake2b(record.item_key.encode("utf-8"), digest_size=16).hexdigest()


def _keep_matched(
    connection: Connection,
    user_id: int,
    work_id: int,
    item: _Item,
    now: datetime,
    note: str | None = None,
    read_at: datetime | None = None,
) -> bool:
    """Save the work with what the file said; False when the library held it already (then
    only its tags, and a note it lacked, are added)."""
    row = {"user_id": user_id, "work_id": work_id, "added_at": now, "read_at": read_at}
    try:
        with connection.begin_nested():
            connection.execute(
                insert(library_items).values(**row, note=note, imported=item.record.to_json())
            )
        new = True
    except IntegrityError:
        new = False
        if note is not None:
            connection.execute(
                update(library_items)
                .where(library_items.c.user_id == user_id, library_items.c.work_id == work_id)
                .values(note=func.coalesce(library_items.c.note, note))
            )
    add_tags(connection, user_id, ItemRef("work", work_id), item.tags)
    return new


def _keep_unmatched(connection: Connection, user_id: int, item: _Item, now: datetime) -> bool:
    """Keep an item that matches no work; False when the library held it already."""
    key = item_key(item.record)
    found = connection.execute(
        select(library_unmatched.c.id).where(
            library_unmatched.c.user_id == user_id, library_unmatched.c.item_key == key
        )
    ).scalar()
    new = found is None
    if found is None:
        record = item.record
        found = connection.execute(
            insert(library_unmatched)
            .values(
                user_id=user_id,
                item_key=key,
                title=record.title,
                title_key=record.title_key,
                year=record.year,
                doi=record.doi,
                arxiv=record.arxiv,
                record=record.to_json(),
                added_at=now,
            )
            .returning(library_unmatched.c.id)
        ).scalar_one()
    add_tags(connection, user_id, ItemRef("unmatched", int(found)), item.tags)
    return new


def import_library(
    connection: Connection,
    user_id: int,
    stream: BinaryIO,
    filename: str,
    now: datetime,
    *,
    format_name: str | None = None,
    tag: str | None = None,
    keyword_tags: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    """Read a BibTeX, RIS or CSL-JSON library into the user's library; what it did.

    The file is read as ingest reads one (`reading.Utf8Stream`: a BOM, UTF-16, cp1252 bytes)
    and parsed within `limits`. `tag` files every item under that tag (a folder);
    `keyword_tags` also turns the file's keywords (Zotero's tags) into tags. Raises
    QueryError for a file of another format.
    """
    folder = " ".join(tag.split()) if tag else None
    if folder and not is_tag(folder):
        raise QueryError(f"a tag is at most {MAX_TAG_CHARS} printable characters, without commas")
    text, transcoder = utf8_stream(stream)
    head, text = peek(text)
    fmt = _library_format(head, filename, format_name)
    tally = _Tally(fmt.name)
    for batch in _batches(_items(fmt, text, limits, tally, folder, keyword_tags)):
        matches = find_works(connection, [item.record for item in batch])
        for item, match in zip(batch, matches, strict=True):
            if match is None:
                new = _keep_unmatched(connection, user_id, item, now)
                tally.unmatched += new
            else:
                new = _keep_matched(connection, user_id, match[0], item, now)
                tally.matched[match[1]] += new
            tally.already += not new
    tally.encoding = transcoder.note()
    return tally.report()


def rematch(connection: Connection, batch: int = BATCH) -> int:
    """Move every unmatched item whose work is now stored into its user's library (its tags,
    note and read state go with it); returns how many moved. Run after each ingest."""
    moved, after = 0, 0
    while True:
        rows = connection.execute(
            select(library_unmatched)
            .where(library_unmatched.c.id > after)
            .order_by(library_unmatched.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return moved
        after = rows[-1].id
        records = [ImportedRecord.from_json(row.record) for row in rows]
        for row, record, match in zip(rows, records, find_works(connection, records), strict=True):
            if match is not None:
                _move(connection, row, record, match[0])
                moved += 1


def _move(connection: Connection, row: Row[Any], record: ImportedRecord, work_id: int) -> None:
    tags = connection.execute(
        select(library_unmatched_tags.c.tag)
        .where(library_unmatched_tags.c.item_id == row.id)
        .order_by(library_unmatched_tags.c.tag)
    ).scalars()
    item = _Item(record, tuple(tags))
    _keep_matched(connection, row.user_id, work_id, item, row.added_at, row.note, row.read_at)
    connection.execute(delete(library_unmatched).where(library_unmatched.c.id == row.id))

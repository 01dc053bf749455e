"""A user's library out: saved works (what the import said first, the store filling the rest)
and unmatched items, as BibTeX, RIS or CSL-JSON."""

from __future__ import annotations

from sqlalchemy import Connection

from paperscope.accounts.library import LibraryItem
from paperscope.accounts.library_pages import entries
from paperscope.export.formats import LIBRARY_EXPORT_FORMATS, export_format, render
from paperscope.export.items import ExportItem, from_entry
from paperscope.read.works import load_details


def library_items(connection: Connection, user_id: int, tag: str | None = None) -> list[ExportItem]:
    """Every item of the user's library (or of one tag), newest first."""
    found = entries(connection, user_id, tag)
    details = load_details(connection, [e.work_id for e in found if isinstance(e, LibraryItem)])
    return [
        from_entry(entry, details.get(entry.work_id) if isinstance(entry, LibraryItem) else None)
        for entry in found
    ]


def library_export(
    connection: Connection, user_id: int, format_name: str, tag: str | None = None
) -> str:
    fmt = export_format(format_name, LIBRARY_EXPORT_FORMATS)
    return render(fmt, library_items(connection, user_id, tag))

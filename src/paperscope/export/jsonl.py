"""JSON Lines: one object per line with everything paperscope knows of the item (a stored
work adds its citations, upvotes and code links, a library item its tags and note)."""

from __future__ import annotations

import json
from typing import Any

from paperscope.export.items import ExportItem


def json_item(item: ExportItem) -> dict[str, Any]:
    work = item.work
    body: dict[str, Any] = {
        "id": work.work_id if work else None,
        "ref": item.ref,
        "title": item.title,
        "authors": list(item.authors),
        "authors_truncated": item.more_authors,
        "year": item.year,
        "published": item.published.isoformat() if item.published else None,
        "venue": item.venue,
        "abstract": item.abstract,
        "identifiers": dict(item.identifiers),
        "url": item.url,
        "categories": list(item.categories),
    }
    if work is not None:
        body["citations"] = work.citations
        body["upvotes"] = work.upvotes
        body["code_urls"] = list(work.code_urls)
    if item.tags or item.note:
        body["tags"] = list(item.tags)
        body["note"] = item.note
    return body


class JsonLinesWriter:
    def begin(self) -> str:
        return ""

    def item(self, item: ExportItem) -> str:
        return json.dumps(json_item(item), ensure_ascii=False) + "\n"

    def end(self) -> str:
        return ""

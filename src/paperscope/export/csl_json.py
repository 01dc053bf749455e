"""CSL-JSON: a JSON array of CSL 1.0 items (what Zotero's "CSL JSON" export, pandoc and
citeproc read), written item by item."""

from __future__ import annotations

import json
from typing import Any

from paperscope.export.items import ExportItem, split_name

_TYPES = {"article": "article-journal", "inproceedings": "paper-conference", "misc": "article"}


def csl_name(name: str) -> dict[str, str]:
    parts = split_name(name)
    if parts.single:
        return {"literal": parts.family}
    body = {"family": parts.family, "given": parts.given}
    if parts.suffix:
        body["suffix"] = parts.suffix
    return body


def csl_item(item: ExportItem, key: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": key or item.ref, "type": _TYPES[item.kind], "title": item.title}
    if item.authors:
        body["author"] = [csl_name(name) for name in item.authors]
    if item.published and item.published.year == item.year:
        day = item.published
        body["issued"] = {"date-parts": [[day.year, day.month, day.day]]}
    elif item.year:
        body["issued"] = {"date-parts": [[item.year]]}
    if item.venue:
        body["container-title"] = item.venue
    if item.doi:
        body["DOI"] = item.doi
    if item.url:
        body["URL"] = item.url
    elif item.arxiv:
        body["URL"] = f"https://arxiv.org/abs/{item.arxiv}"
    if item.arxiv and item.kind == "misc":
        body["number"] = f"arXiv:{item.arxiv}"
        body["publisher"] = "arXiv"
    if item.abstract:
        body["abstract"] = item.abstract
    if item.tags:
        body["keyword"] = ", ".join(item.tags)
    if item.note:
        body["note"] = item.note
    return body


class CslJsonWriter:
    def __init__(self) -> None:
        self.first = True

    def begin(self) -> str:
        return "["

    def item(self, item: ExportItem) -> str:
        separator = "\n" if self.first else ",\n"
        self.first = False
        return separator + json.dumps(csl_item(item), ensure_ascii=False)

    def end(self) -> str:
        return "\n]\n"

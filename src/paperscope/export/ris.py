"""RIS: one record per item, the tags Zotero writes (TY, TI, AU, PY, DA, T2, DO, UR, AB, KW,
N1), through `rispy`'s writer. Values are single lines (RIS has no escaping)."""

from __future__ import annotations

from typing import Any

from rispy import RisWriter as _RispyWriter

from paperscope.export.items import ExportItem, split_name

_TYPES = {"article": "JOUR", "inproceedings": "CONF", "misc": "GEN"}


class _Writer(_RispyWriter):  # type: ignore[misc]
    def set_header(self, count: int) -> str:
        return ""  # rispy numbers records ("1."); reference managers do not


_WRITER = _Writer()


def _line(text: str) -> str:
    return " ".join(text.split())


def ris_name(name: str) -> str:
    """`Jane van der Berg` -> `van der Berg, Jane`; `John Smith Jr.` -> `Smith, John, Jr.`."""
    parts = split_name(name)
    if parts.single:
        return _line(parts.family)
    return _line(", ".join(p for p in (parts.family, parts.given, parts.suffix) if p))


def record(item: ExportItem) -> dict[str, Any]:
    """The item as rispy's fields."""
    fields: dict[str, Any] = {
        "type_of_reference": _TYPES[item.kind],
        "title": _line(item.title),
    }
    if item.authors:
        fields["authors"] = [ris_name(name) for name in item.authors]
    if item.year:
        fields["year"] = str(item.year)
    if item.published:
        fields["date"] = item.published.strftime("%Y/%m/%d/")
    if item.venue:
        fields["secondary_title"] = _line(item.venue)
    if item.doi:
        fields["doi"] = _line(item.doi)
    urls = [item.url] if item.url else []
    if item.arxiv and not any("arxiv.org" in url for url in urls):
        urls.append(f"https://arxiv.org/abs/{item.arxiv}")
    if urls:
        fields["urls"] = [_line(url) for url in urls]
    if item.abstract:
        fields["abstract"] = _line(item.abstract)
    if item.tags:
        fields["keywords"] = [_line(tag) for tag in item.tags]
    if item.note:
        fields["notes"] = [_line(item.note)]
    return fields


class RisWriter:
    def begin(self) -> str:
        return ""

    def item(self, item: ExportItem) -> str:
        return str(_WRITER.formats([record(item)])) + "\n"

    def end(self) -> str:
        return ""

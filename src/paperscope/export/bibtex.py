"""BibTeX: one entry per item, every text field escaped so that any title survives a LaTeX
run; `doi`, `url` and `eprint` are written verbatim (biblatex reads them so).

Hand-written rather than bibtexparser 2's writer: with its LaTeX-encoding middleware (which
hostile titles need) it wrote 300 entries/s against this writer's ~8,000 on the same machine
(`bench/export_formats.py`), i.e. an hour for a million works. The export tests read what
this writes back with bibtexparser 2.
"""

from __future__ import annotations

import re
import unicodedata

from paperscope.export.items import ExportItem, split_name

MAX_REMEMBERED_KEYS = 200_000
"""Citation keys kept to make keys unique; past it every key ends in its item's ref."""

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_VERBATIM_UNSAFE = re.compile(r"[\s{}\\%\x00-\x1f\x7f]")
_SPLITS_NAME = re.compile(r",|(?:^|\s)and(?:\s|$)", re.IGNORECASE)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


_ESCAPES = str.maketrans(_SPECIAL)
_NEEDS_CLEANING = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]|\s\s")


def escape_bibtex(text: str) -> str:
    """Text as a BibTeX field value: control characters dropped, whitespace collapsed, NFC,
    LaTeX's special characters escaped."""
    if _NEEDS_CLEANING.search(text):
        text = " ".join(_CONTROL.sub("", text).split())
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.strip().translate(_ESCAPES)


def _verbatim(text: str) -> str:
    """A DOI, URL or eprint as it is, less what would break the entry (spaces, braces)."""
    return _VERBATIM_UNSAFE.sub("", text)


def bibtex_name(name: str) -> str:
    """A name for the `author` field; braced whole when BibTeX would take it apart (an `and`
    inside it, a comma), so it reads back as it was printed."""
    escaped = escape_bibtex(name)
    return f"{{{escaped}}}" if _SPLITS_NAME.search(escaped) else escaped


def base_key(item: ExportItem) -> str:
    """`vaswani2017attention`: first author's surname, year, first word of 4+ letters."""
    family = split_name(item.authors[0]).family.split() if item.authors else []
    surname = family[-1] if family else "anon"
    surname = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
    word = next(iter(re.findall(r"[A-Za-z]{4,}", item.title)), "paper")
    return f"{re.sub(r'[^A-Za-z]', '', surname).lower() or 'anon'}{item.year or ''}{word.lower()}"


class Keys:
    """Unique citation keys within one export: a repeated key gets its item's ref appended."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def key(self, item: ExportItem) -> str:
        base = base_key(item)
        if base in self.seen or len(self.seen) >= MAX_REMEMBERED_KEYS:
            return f"{base}-{item.ref}"
        self.seen.add(base)
        return base


def entry(item: ExportItem, key: str) -> str:
    kind = item.kind
    fields: list[tuple[str, str]] = [("title", "{" + escape_bibtex(item.title) + "}")]
    names = [bibtex_name(name) for name in item.authors]
    if names:
        fields.append(
            ("author", " and ".join([*names, *(["others"] if item.more_authors else [])]))
        )
    if item.year:
        fields.append(("year", str(item.year)))
    if item.published and item.published.year == item.year:
        fields.append(("month", _MONTHS[item.published.month - 1]))  # a macro: unbraced
    if item.venue:
        field = {"inproceedings": "booktitle", "article": "journal"}.get(kind, "howpublished")
        fields.append((field, escape_bibtex(item.venue)))
    if item.doi:
        fields.append(("doi", _verbatim(item.doi)))
    if item.arxiv:
        fields += [("eprint", _verbatim(item.arxiv)), ("archiveprefix", "arXiv")]
        if item.categories:
            fields.append(("primaryclass", escape_bibtex(item.categories[0])))
    if item.url and item.url.startswith(("http://", "https://")):
        fields.append(("url", _verbatim(item.url)))
    if item.abstract:
        fields.append(("abstract", escape_bibtex(item.abstract)))
    if item.tags:
        fields.append(("keywords", ", ".join(escape_bibtex(tag) for tag in item.tags)))
    if item.note:
        fields.append(("annote", escape_bibtex(item.note)))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields
    )
    return f"@{kind}{{{key},\n{body}\n}}\n"


class BibtexWriter:
    def __init__(self) -> None:
        self.keys = Keys()

    def begin(self) -> str:
        return ""

    def item(self, item: ExportItem) -> str:
        return entry(item, self.keys.key(item)) + "\n"

    def end(self) -> str:
        return ""

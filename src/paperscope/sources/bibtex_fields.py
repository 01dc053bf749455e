"""BibTeX field values -> WorkRecord: names, dates, identifiers, LaTeX and entity decoding.

Kept apart from the scanner (`bibtex_scan`). Both are on the hot path of ingest, so values that
repeat across entries (author names, venues, keywords) are decoded once and cached, and text
without any LaTeX, entity or odd whitespace is only trimmed.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import date
from typing import TypeVar

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.arxiv_ids import arxiv_id
from paperscope.sources.bibtex_scan import EntryError
from paperscope.sources.citation_ids import arxiv_from_doi, arxiv_mentioned
from paperscope.sources.latex import decode_latex

_T = TypeVar("_T")
_MAX_CACHED = 200_000
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_has_odd_and = re.compile(r"\s(?!and\s)[aA][nN][dD]\s").search
_COMMA = re.compile(r",")
_KEYWORD_SEPARATOR = re.compile(r"[,;]")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_MONTH_ABBREVIATIONS = "jan feb mar apr may jun jul aug sep oct nov dec"
_MONTHS = {name: number for number, name in enumerate(_MONTH_ABBREVIATIONS.split(), 1)}


def _needs_decoding(value: str) -> bool:
    # No "\r": the text was read with universal newlines. A lone NBSP is left as it is.
    return (
        "\\" in value
        or "{" in value
        or "}" in value
        or "$" in value
        or "~" in value
        or "&" in value
        or "--" in value
        or "``" in value
        or "''" in value
        or "\n" in value
        or "  " in value
        or "\t" in value
    )


def _text(value: str | None) -> str | None:
    """Readable text: LaTeX and the HTML entities some exporters leave (`&amp;`) decoded,
    whitespace collapsed, NFC; None when nothing is left."""
    if not value:
        return None
    if not _needs_decoding(value):
        if not value.isascii() and not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
        return value.strip() or None
    text = decode_latex(value)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split()) or None


def _remember(cache: dict[str, _T], key: str, value: _T) -> None:
    if len(cache) > _MAX_CACHED:
        cache.clear()
    cache[key] = value


_VENUES: dict[str, str | None] = {}
_KEYWORDS: dict[str, str] = {}
_AUTHORS: dict[str, AuthorName] = {}


def work_record(fields: dict[str, str], key: str) -> WorkRecord:
    """The record for one entry's fields (names lower-case, values raw)."""
    get = fields.get
    title = _text(get("title"))
    if title is None:
        raise EntryError("title", "missing title")
    year, published = _dates(fields)
    venue = get("journal") or get("booktitle") or get("series")
    if venue is not None:
        venue = _VENUES[venue] if venue in _VENUES else _venue(venue)
    primary_class = get("primaryclass")
    return WorkRecord(
        ids=_ids(fields, key),
        title=title,
        abstract=_text(get("abstract")),
        authors=_authors(get("author")),
        published=published,
        year=year,
        categories=(primary_class.strip(),) if primary_class else (),
        venue=venue,
        keywords=_keywords(get("keywords")),
        comments=_text(get("note")),
        url=_url(get("url")),
    )


def _venue(raw: str) -> str | None:
    text = _text(raw)
    _remember(_VENUES, raw, text)
    return text


def _normal_doi(value: str) -> str | None:
    doi = value.strip().lower()
    if not doi.startswith("10.") or "{" in doi or "\\" in doi:
        doi = _DOI_PREFIX.sub("", doi.strip("{} ")).replace("\\_", "_")
    return doi if _DOI.fullmatch(doi) else None


def _ids(fields: dict[str, str], key: str) -> tuple[ExternalId, ...]:
    """DOI first (the field, then a key that is a DOI, as ACM keys are), then arXiv (`eprint`,
    an arXiv DOI, an arxiv.org URL or an `arXiv:` note), else the key."""
    ids: list[ExternalId] = []
    doi_field = fields.get("doi")
    for candidate in (doi_field, key) if doi_field != key else (key,):
        doi = _normal_doi(candidate) if candidate else None
        if doi is not None and (not ids or ids[0].value != doi):
            ids.append(ExternalId("doi", doi))
    eprint = fields.get("eprint")
    arxiv = arxiv_id(eprint.strip("{} ")) if eprint else None
    if arxiv is None and ids:
        arxiv = arxiv_from_doi(ids[0].value)  # Zotero's arXiv preprints: 10.48550/arXiv.X
    if arxiv is None and "arxiv" in (fields.get("url", "") + fields.get("note", "")).lower():
        arxiv = arxiv_mentioned((fields.get("url"), fields.get("note")))
    if arxiv is not None:
        ids.append(ExternalId("arxiv", arxiv))
    return tuple(ids) or (ExternalId("bibkey", key),)


def _dates(fields: dict[str, str]) -> tuple[int | None, date | None]:
    """Year from `year` (else biblatex `date`); a date when the month is known (day 1 if none)."""
    iso = _ISO_DATE.match(fields["date"].strip()) if "date" in fields else None
    raw_year = fields.get("year")
    if raw_year is not None and raw_year.isdigit() and len(raw_year) == 4:
        year = int(raw_year)
    elif raw_year is not None:
        found = _YEAR.search(raw_year)
        if found is None:
            raise EntryError("year", f"unparseable year {raw_year.strip()!r}")
        year = int(found.group(1))
    elif iso is not None:
        year = int(iso.group(1))
    else:
        return None, None
    month = _month(fields.get("month")) or (int(iso.group(2)) if iso and iso.group(2) else None)
    if month is None or not 1 <= month <= 12:
        return year, None
    day_text = fields.get("day", "").strip() or (iso.group(3) or "" if iso else "")
    try:
        return year, date(year, month, int(day_text) if day_text.isdigit() else 1)
    except ValueError:
        return year, date(year, month, 1)


def _month(value: str | None) -> int | None:
    if not value:
        return None
    text = value.strip().strip("{}").strip().lower()
    return int(text) if text.isdigit() else _MONTHS.get(text[:3])


def _split_top_level(value: str, separator: re.Pattern[str]) -> list[str]:
    """`value` split at `separator` matches that are outside braces."""
    if "{" not in value:
        return separator.split(value)
    parts, start, depth, scanned = [], 0, 0, 0
    for match in separator.finditer(value):
        depth += value.count("{", scanned, match.start()) - value.count("}", scanned, match.start())
        scanned = match.start()
        if depth == 0:
            parts.append(value[start : match.start()])
            start = match.end()
    parts.append(value[start:])
    return parts


def _authors(value: str | None) -> tuple[AuthorName, ...]:
    if not value:
        return ()
    value = value.strip()
    if "{" in value or "\n" in value or "  " in value or "\t" in value or _has_odd_and(value):
        raw_names = _split_top_level(value, _AND)  # braces, or `and` spaced or spelled oddly
    else:
        raw_names = value.split(" and ")
    authors = list(map(_AUTHORS.get, raw_names))
    if all(authors):  # not `None in`: that would call the dataclass __eq__ on every author
        return tuple(authors)  # type: ignore[arg-type]
    for index, raw_name in enumerate(raw_names):
        if authors[index] is None:
            name = display_name(raw_name)
            authors[index] = author = AuthorName(name) if name else None
            if author is not None:
                _remember(_AUTHORS, raw_name, author)
    return tuple(author for author in authors if author is not None)


def display_name(raw_name: str) -> str | None:
    """ "Last, First" and "Last, Jr, First" as "First Last Jr"; `{Corporate, Inc.}` kept whole."""
    if "{" in raw_name:
        pieces = [piece.strip() for piece in _split_top_level(raw_name, _COMMA)]
    else:
        pieces = [piece.strip() for piece in raw_name.split(",")]
    if len(pieces) == 2:
        pieces = [pieces[1], pieces[0]]
    elif len(pieces) >= 3:
        pieces = [pieces[2], pieces[0], pieces[1], *pieces[3:]]
    name = _text(" ".join(piece for piece in pieces if piece))
    return None if name is None or name.lower() == "others" else name


def _keywords(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    if "{" in value or ";" in value:
        raw_words = _split_top_level(value, _KEYWORD_SEPARATOR)
    else:
        raw_words = value.split(",")
    words = list(map(_KEYWORDS.get, raw_words))
    if None not in words:
        return tuple(words)  # type: ignore[arg-type]
    for index, raw_word in enumerate(raw_words):
        if words[index] is None:
            words[index] = word = _text(raw_word)
            if word is not None:
                _remember(_KEYWORDS, raw_word, word)
    return tuple(word for word in words if word is not None)


def _url(value: str | None) -> str | None:
    if not value:
        return None
    if "\\" not in value and "{" not in value:
        return value.strip() or None
    url = value.strip().strip("{}").replace("\\_", "_").replace("\\%", "%").replace("\\#", "#")
    return url.removeprefix("\\url").strip("{} ") or None

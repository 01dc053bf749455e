"""BibTeX field values -> WorkRecord: names, dates, identifiers, LaTeX and entity decoding.

Kept apart from the scanner in `bibtex.py`. Both are on the hot path of ingest, so values
that repeat across entries (author names, venues, keywords) are decoded once and cached, and an
entry whose raw text holds no LaTeX, entity or odd whitespace skips decoding altogether.
"""

from __future__ import annotations

import html
import re
from datetime import date

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.arxiv_ids import arxiv_id
from paperscope.sources.latex import decode_latex

_MAX_CACHED = 200_000
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_COMMA = re.compile(r",")
_KEYWORD_SEPARATOR = re.compile(r"[,;]")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_MONTHS = {
    name: number
    for number, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)
}
# Characters after which a value needs more than whitespace trimming.
_SPECIAL = ("\\", "$", "~", "&", "--", "``", "''", "  ", "\t", "\r")


class EntryError(Exception):
    """An entry that cannot become a record: the field at fault and why."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class FieldPrefixes:
    """Raw text before a value's brace (`\\n  title = `) -> field name, as seen so far.

    Files repeat the same few layouts, so the scanner recognises a field by one dict lookup
    instead of a regex; only prefixes the full field regex has accepted are ever stored.
    """

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def learn(self, prefix: str, name: str) -> None:
        if len(self.names) > 10_000:
            self.names.clear()
        self.names[prefix] = name


def _text(value: str | None) -> str | None:
    """Readable text: LaTeX and the HTML entities some exporters leave (`&amp;`) decoded."""
    if not value:
        return None
    text = decode_latex(value)
    if "&" in text:
        text = html.unescape(text)
    if "\n" in text or "  " in text or "\t" in text or "\r" in text or "\xa0" in text:
        return " ".join(text.split()) or None
    return text.strip() or None


def _trimmed(value: str | None) -> str | None:
    """Whitespace-only cleaning, for values already known to hold no LaTeX or entities."""
    if not value:
        return None
    if "\n" in value:
        return " ".join(value.split()) or None
    return value.strip() or None


def _is_plain(raw: str, fields: dict[str, str]) -> bool:
    """True when no value can need decoding: ASCII, no LaTeX, no entity, no nested brace."""
    if not raw.isascii() or raw.count("{") > len(fields) + 1:
        return False
    return not any(special in raw for special in _SPECIAL)


def _cached(value: str | None, cache: dict[str, str | None]) -> str | None:
    if value is None:
        return None
    text = cache.get(value, "")
    if text == "":
        if len(cache) > _MAX_CACHED:
            cache.clear()
        text = cache[value] = _text(value)
    return text


_VENUES: dict[str, str | None] = {}
_KEYWORDS: dict[str, str | None] = {}
_AUTHORS: dict[str, AuthorName | None] = {}


def work_record(fields: dict[str, str], key: str, raw: str | None) -> WorkRecord:
    """The record for one entry; `raw` is the entry text when every value was a plain `{...}`."""
    clean = _trimmed if raw is not None and _is_plain(raw, fields) else _text
    title = clean(fields.get("title"))
    if title is None:
        raise EntryError("title", "missing title")
    year, published = _dates(fields)
    get = fields.get
    primary_class = _text(get("primaryclass"))
    return WorkRecord(
        ids=_ids(fields, key),
        title=title,
        abstract=clean(get("abstract")),
        authors=_authors(get("author")),
        published=published,
        year=year,
        categories=(primary_class,) if primary_class else (),
        venue=_cached(get("journal") or get("booktitle") or get("series"), _VENUES),
        keywords=_keywords(get("keywords")),
        comments=clean(get("note")),
        url=_url(get("url")),
    )


def _normal_doi(value: str) -> str | None:
    doi = value.strip().strip("{}").strip().lower()
    if not doi.startswith("10."):
        doi = _DOI_PREFIX.sub("", doi)
    doi = doi.replace("\\_", "_")
    return doi if _DOI.fullmatch(doi) else None


def _ids(fields: dict[str, str], key: str) -> tuple[ExternalId, ...]:
    """DOI first (the field, then a key that is a DOI, as ACM keys are), else arXiv, else key."""
    ids: list[ExternalId] = []
    doi_field = fields.get("doi")
    for candidate in (doi_field, key) if doi_field != key else (key,):
        doi = _normal_doi(candidate) if candidate else None
        if doi is not None and (not ids or ids[0].value != doi):
            ids.append(ExternalId("doi", doi))
    eprint = fields.get("eprint")
    arxiv = arxiv_id(eprint.strip("{} ")) if eprint else None
    if arxiv is not None:
        ids.append(ExternalId("arxiv", arxiv))
    return tuple(ids) or (ExternalId("bibkey", key),)


def _dates(fields: dict[str, str]) -> tuple[int | None, date | None]:
    """Year from `year` (else biblatex `date`); a date when the month is known (day 1 if none)."""
    iso = _ISO_DATE.match(fields["date"].strip()) if "date" in fields else None
    raw_year = fields.get("year")
    if raw_year is not None:
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
    authors = []
    for raw_name in _split_top_level(value.strip(), _AND):
        author = _AUTHORS.get(raw_name, False)
        if author is False:
            if len(_AUTHORS) > _MAX_CACHED:
                _AUTHORS.clear()
            name = display_name(raw_name)
            author = _AUTHORS[raw_name] = AuthorName(name) if name else None
        if author is not None:
            authors.append(author)
    return tuple(authors)


def display_name(raw_name: str) -> str | None:
    """ "Last, First" and "Last, Jr, First" as "First Last Jr"; `{Corporate, Inc.}` kept whole."""
    pieces = [piece.strip() for piece in _split_top_level(raw_name, _COMMA)]
    if len(pieces) == 2:
        pieces = [pieces[1], pieces[0]]
    elif len(pieces) >= 3:
        pieces = [pieces[2], pieces[0], pieces[1], *pieces[3:]]
    name = _text(" ".join(piece for piece in pieces if piece))
    return None if name is None or name.lower() == "others" else name


def _keywords(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    words = [_cached(word, _KEYWORDS) for word in _split_top_level(value, _KEYWORD_SEPARATOR)]
    return tuple(word for word in words if word)


def _url(value: str | None) -> str | None:
    if not value:
        return None
    url = value.strip().strip("{}").replace("\\_", "_").replace("\\%", "%").replace("\\#", "#")
    return url.removeprefix("\\url").strip("{} ") or None

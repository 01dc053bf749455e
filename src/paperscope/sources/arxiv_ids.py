"""How arXiv writes its metadata: identifiers, categories, DOIs, dates and author lines.

Shared by the three arXiv formats (API Atom, OAI-PMH, Kaggle snapshot) so that the same paper
gets the same key, categories and author names whichever way it arrived; the two XML formats
also share `finished_elements`, their memory-bounded way of streaming records.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from typing import BinaryIO

from lxml import etree

from paperscope.domain import AuthorName, ExternalId
from paperscope.sources.base import DEFAULT_LIMITS, Limits, over_cap
from paperscope.sources.latex import decode_latex
from paperscope.sources.reading import TooLarge

_NEW_STYLE_ID = re.compile(r"\d{4}\.\d{4,5}")
# Old-style ids may carry a subject class (`math.GT/0309136`); arXiv's canonical form drops it.
_OLD_STYLE_ID = re.compile(r"([a-z]+(?:-[a-z]+)*)(?:\.[A-Za-z-]+)?/(\d{7})")
_ID_PREFIX = re.compile(
    r"^(?:https?://(?:export\.|www\.)?arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:|arxiv:)",
    re.IGNORECASE,
)
_VERSION_SUFFIX = re.compile(r"v\d+$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


class _Meter(io.RawIOBase):
    """Counts what the XML parser reads; raises TooLarge when the text since the last record
    boundary passes the record cap, or the document passes its cap."""

    def __init__(self, stream: BinaryIO, limits: Limits) -> None:
        self._stream = stream
        self._limits = limits
        self.consumed = 0
        self.mark = 0
        self.over_document = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(min(len(buffer), 64 * 1024))
        self.consumed += len(data)
        if self.consumed > self._limits.document_bytes:
            self.over_document = True
            raise TooLarge(self._limits.document_bytes)
        if self.consumed - self.mark > self._limits.record_bytes + 64 * 1024:
            raise TooLarge(self._limits.record_bytes)
        buffer[: len(data)] = data
        return len(data)


def finished_elements(
    stream: BinaryIO, tags: tuple[str, ...], limits: Limits = DEFAULT_LIMITS
) -> Iterator[etree._Element]:
    """Each complete element with one of `tags`, freed (with its finished siblings) once used.

    Raises `etree.XMLSyntaxError` where the document breaks, and `TooLarge` where one record
    (or the text between two) passes `limits.record_bytes` or the document passes
    `limits.document_bytes`: the elements before it have been yielded. Entities stay
    unresolved so that a document cannot make the parser read local files; libxml2's own
    limits (no huge text nodes, bounded depth) stay on.
    """
    meter = _Meter(stream, limits)
    events = etree.iterparse(
        meter, events=("start", "end"), tag=tags, resolve_entities=False, huge_tree=False
    )
    for event, element in events:
        meter.mark = meter.consumed
        if event == "start":
            continue
        yield element
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]


def too_large(over: TooLarge, limits: Limits) -> str:
    """The reason given when `finished_elements` stopped at a cap."""
    if over.cap == limits.document_bytes:
        what = over_cap("the document", over.cap + 1, over.cap, "PAPERSCOPE_MAX_DOCUMENT_BYTES")
    else:
        what = over_cap("the next record", over.cap + 1, over.cap)
    return f"{what}; the rest is not read"


def clean_text(text: str | None) -> str | None:
    """Collapse runs of whitespace (arXiv wraps titles and abstracts); None when nothing is left."""
    if text is None:
        return None
    collapsed = " ".join(text.split())
    if not collapsed or collapsed == "null":
        return None
    return collapsed


def arxiv_id(text: str | None) -> str | None:
    """The bare arXiv id (`2104.12255`, `astro-ph/0601001`) from an id, URL or OAI identifier.

    None when `text` is not an arXiv id (the API's error entries have ids like `.../api/errors#x`).
    """
    if text is None:
        return None
    candidate = _ID_PREFIX.sub("", text.strip())
    candidate = _VERSION_SUFFIX.sub("", candidate.removesuffix(".pdf"))
    if _NEW_STYLE_ID.fullmatch(candidate):
        return candidate
    old_style = _OLD_STYLE_ID.fullmatch(candidate)
    if old_style:
        return f"{old_style.group(1)}/{old_style.group(2)}"
    return None


def year_from_id(bare_id: str) -> int | None:
    """The submission year an arXiv id encodes (`0704.0001` -> 2007, `hep-th/9711200` -> 1997).

    A fallback for records that carry no dates: every arXiv id starts with its YYMM.
    """
    digits = bare_id.rsplit("/", 1)[-1][:2]
    if not digits.isdigit():
        return None
    two_digit = int(digits)
    # Old-style ids began in 1991; new-style ids (from 0704) are all 20xx.
    return 1900 + two_digit if two_digit >= 91 else 2000 + two_digit


def abs_url(bare_id: str) -> str:
    return f"https://arxiv.org/abs/{bare_id}"


def doi_ids(text: str | None) -> tuple[ExternalId, ...]:
    """DOIs from an arXiv `doi` field, which may hold several separated by spaces."""
    if not text:
        return ()
    dois: list[ExternalId] = []
    for token in re.split(r"[\s;,]+", text.strip()):
        value = _DOI_PREFIX.sub("", token).lower()
        if value.startswith("10.") and "/" in value:
            doi = ExternalId("doi", value)
            if doi not in dois:
                dois.append(doi)
    return tuple(dois)


def categories_primary_first(primary: str | None, others: Iterable[str]) -> tuple[str, ...]:
    """Primary category first, then the rest in source order, without repeats."""
    ordered: list[str] = []
    for category in (primary, *others):
        if category and category not in ordered:
            ordered.append(category)
    return tuple(ordered)


def split_categories(text: str | None) -> tuple[str, ...]:
    """A space-separated category list as arXiv prints it; the first is the primary."""
    return categories_primary_first(None, (text or "").split())


def iso_date(text: str | None) -> date | None:
    """The date part of `2011-11-08T18:48:36Z` or `2007-04-02`."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def rfc2822_date(text: str | None) -> date | None:
    """The date of a version stamp such as `Mon, 2 Apr 2007 19:18:42 GMT`."""
    if not text:
        return None
    try:
        return parsedate_to_datetime(text.strip()).date()
    except (TypeError, ValueError, IndexError):
        return None


# ---------------------------------------------------------------------------------------------
# Author lines: `A. One (1), B. Two and C. Three (2) ((1) Univ X, (2) Lab Y)`.
# arXiv's conventions: an affiliation in parentheses follows the name (or the last of several
# names) it belongs to; numbers refer to an enumerated list in a trailing `((1) ..., (2) ...)`.

_NAME_SEPARATOR = re.compile(r"\s*(?:,|:|;|&|\band\b)\s*")
_NUMBER_REFERENCE = re.compile(r"^(?=.*\d)[\d\s,;&]+$")
_ENUMERATED_ITEM = re.compile(r"\(\s*(\d+)\s*\)\s*(.*?)(?=\s*\(\s*\d+\s*\)|$)", re.DOTALL)
_SUFFIX = re.compile(r"^(?:Jr|Sr)\.?$|^(?:II|III|IV)$")
_RUN_ON_INITIAL = re.compile(r"(?<!\\)\.(?=[^\s\-,.])")
_ET_AL = re.compile(r"^et\.?\s*al\.?$", re.IGNORECASE)
_COLLABORATION = re.compile(r"\b(?:collaboration|group|team|consortium)\b", re.IGNORECASE)


@dataclass(slots=True)
class _PendingAuthor:
    name: str
    affiliation: str | None = None


def _top_level_blocks(line: str) -> list[tuple[bool, str]]:
    """Split into (is_parenthesised, text) blocks at parenthesis depth 0."""
    blocks: list[tuple[bool, str]] = []
    current: list[str] = []
    depth = 0
    for char in line:
        if char == "(":
            if depth == 0:
                blocks.append((False, "".join(current)))
                current = []
            else:
                current.append(char)
            depth += 1
        elif char == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                blocks.append((True, "".join(current)))
                current = []
            else:
                current.append(char)
        else:
            current.append(char)
    blocks.append((depth > 0, "".join(current)))
    return [(is_paren, text) for is_paren, text in blocks if text.strip()]


def _enumerated_affiliations(text: str) -> dict[str, str] | None:
    """`(1) Univ X, (2) Lab Y` as {"1": "Univ X", ...}, or None when `text` is not such a list."""
    if not re.match(r"\s*\(\s*\d+\s*\)", text):
        return None
    return {
        number: affiliation.strip(" ,;.")
        for number, affiliation in _ENUMERATED_ITEM.findall(text)
        if affiliation.strip(" ,;.")
    }


def _append_names(authors: list[_PendingAuthor], text: str) -> None:
    for piece in _NAME_SEPARATOR.split(text):
        piece = piece.strip()
        if not piece or _ET_AL.match(piece):
            continue
        # Initials as arXiv spells them: `J.P.Hague` -> `J. P. Hague` (not TeX `\.`, not `C.-P.`).
        piece = _RUN_ON_INITIAL.sub(". ", piece)
        if _SUFFIX.match(piece) and authors:
            authors[-1].name = f"{authors[-1].name} {piece}"
        else:
            authors.append(_PendingAuthor(piece))


def is_footnote_reference(text: str) -> bool:
    """`1`, `1, 3` or `1 and 2`: numbers pointing into an enumerated affiliation list."""
    return bool(_NUMBER_REFERENCE.match(re.sub(r"\band\b", ",", text)))


def _resolve_references(affiliation: str, enumerated: dict[str, str]) -> str | None:
    if not is_footnote_reference(affiliation):
        return affiliation
    numbers = re.findall(r"\d+", affiliation)
    resolved = [enumerated[number] for number in numbers if number in enumerated]
    return "; ".join(resolved) or None


def _propagate_backwards(authors: list[_PendingAuthor]) -> None:
    """`A, B (X)` means both A and B are at X; collaborations take no affiliation."""
    carried: str | None = None
    for author in reversed(authors):
        if author.affiliation:
            carried = author.affiliation
        elif not _COLLABORATION.search(author.name):
            author.affiliation = carried


def parse_author_line(line: str | None) -> tuple[AuthorName, ...]:
    """Authors (names and affiliations, LaTeX decoded) from an arXiv `authors` string."""
    text = clean_text(line)
    if text is None:
        return ()
    authors: list[_PendingAuthor] = []
    enumerated: dict[str, str] = {}
    for is_parenthesised, block in _top_level_blocks(text):
        if not is_parenthesised:
            _append_names(authors, block)
            continue
        listing = _enumerated_affiliations(block)
        if listing is not None:
            enumerated.update(listing)
        elif authors and authors[-1].affiliation is None:
            authors[-1].affiliation = clean_text(block)
    for author in authors:
        if author.affiliation:
            author.affiliation = _resolve_references(author.affiliation, enumerated)
    _propagate_backwards(authors)
    return tuple(
        AuthorName(
            name=decode_latex(author.name),
            affiliation=decode_latex(author.affiliation) if author.affiliation else None,
        )
        for author in authors
    )


def name_from_parts(keyname: str, forenames: str | None, suffix: str | None) -> str:
    """`Forenames Keyname Suffix`, the reading order, from arXiv's split name.

    arXiv's splitter spaces hyphenated initials (`C. -P.`); they are rejoined (`C.-P.`) so the
    name matches the author line and the API's spelling.
    """
    name = " ".join(part for part in (forenames, keyname, suffix) if part)
    return re.sub(r"\.\s+-", ".-", name)

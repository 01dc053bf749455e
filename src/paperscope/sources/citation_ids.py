"""Identifiers as reference managers write them: DOIs and arXiv ids in their many spellings.

Zotero, Mendeley and JabRef write a DOI bare, as `doi:...` or as a `https://doi.org/` link;
an arXiv preprint carries its id in an arXiv DOI (`10.48550/arXiv.1706.03762`), an
`arxiv.org/abs/` URL or a note (`arXiv:1706.03762 [cs]`). Shared by the BibTeX, RIS and
CSL-JSON formats, so that the same paper gets the same ids whichever file it came from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from paperscope.domain import ExternalId
from paperscope.sources.arxiv_ids import arxiv_id

LISTING_SCHEME = "listing"

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$")
_ARXIV_MENTION = re.compile(
    r"arxiv(?:\.org/(?:abs|pdf)/|\s*:\s*|\s+)"
    r"(\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z-]+)?/\d{7})",
    re.IGNORECASE,
)


def normal_doi(text: str | None) -> str | None:
    """`https://doi.org/10.1000/XYZ` -> `10.1000/xyz` (lower-cased); None if not a DOI."""
    if not text:
        return None
    doi = _DOI_PREFIX.sub("", text.strip()).strip().lower()
    return doi if _DOI.fullmatch(doi) else None


def arxiv_from_doi(doi: str | None) -> str | None:
    """The arXiv id inside an arXiv DataCite DOI (`10.48550/arxiv.1706.03762`), else None."""
    found = _ARXIV_DOI.match(doi) if doi else None
    return arxiv_id(found.group(1)) if found else None


def arxiv_mentioned(texts: Iterable[str | None]) -> str | None:
    """The first arXiv id in URLs or notes (`arxiv.org/abs/X`, `arXiv:X [cs]`), else None."""
    for text in texts:
        if text and "arxiv" in text.lower():
            found = _ARXIV_MENTION.search(text)
            bare = arxiv_id(found.group(1)) if found else None
            if bare is not None:
                return bare
    return None


def title_slug(title: str) -> str:
    """The `listing:` key of a record that prints no id: the slug of its title."""
    decomposed = unicodedata.normalize("NFKD", title)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", "-", bare.casefold()).strip("-")[:200]


def work_ids(doi: str | None, arxiv: str | None, title: str) -> tuple[ExternalId, ...]:
    """DOI first, then arXiv; a record with neither is keyed by the slug of its title."""
    ids = [ExternalId("doi", doi)] if doi else []
    if arxiv:
        ids.append(ExternalId("arxiv", arxiv))
    return tuple(ids) or (ExternalId(LISTING_SCHEME, title_slug(title) or "untitled"),)

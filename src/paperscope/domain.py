"""Domain records: what a source says about works, authors and citations.

Parsers in `paperscope.sources` turn raw files into these records; `paperscope.ingest`
validates them and writes them to the store. They are frozen so that a record, once
parsed, is the same record everywhere it travels.

Identifier schemes (`ExternalId.scheme`) are lower-case short names:

    arxiv      new-style `2104.12255` or old-style `astro-ph/0601001`, without version
    doi        lower-cased, without `https://doi.org/`
    openalex   `W2068311567` (works) / `A5040992156` (authors)
    s2         Semantic Scholar paperId (40 hex) / authorId (digits)
    corpusid   Semantic Scholar corpus id
    mag, pubmed, pmc, dblp, acl   as the source spells them
    aan        ACL Anthology Network id, e.g. `D10-1001`
    aminer     AMiner publication id
    hf         Hugging Face paper id (an arXiv id in practice)
    bibkey     a BibTeX citation key (only when nothing better identifies the record)
    listing    a slug of the title (or name) on a listing page, which prints no ids
    orcid      `0000-0002-1825-0097` (authors only)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

ID_SCHEMES = (
    "arxiv",
    "doi",
    "openalex",
    "s2",
    "corpusid",
    "mag",
    "pubmed",
    "pmc",
    "dblp",
    "acl",
    "aan",
    "aminer",
    "hf",
    "bibkey",
    "listing",
)


@dataclass(frozen=True, slots=True)
class ExternalId:
    """An identifier of a work (or an author) in some scheme."""

    scheme: str
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


@dataclass(frozen=True, slots=True)
class AuthorName:
    """One author as printed on one work (S2AND calls this a signature)."""

    name: str
    affiliation: str | None = None
    orcid: str | None = None
    source_id: ExternalId | None = None
    """The author's id in the source that printed the name (S2 authorId, OpenAlex A...)."""
    label: str | None = None
    """A ground-truth person label shipped with labelled data (AMiner name disambiguation)."""


@dataclass(frozen=True, slots=True)
class CodeLink:
    """A link to source code, and the field it was found in."""

    url: str
    origin: str
    """Where it came from: a field name such as `abstract`, `comments`, `githubRepo`."""


@dataclass(frozen=True, slots=True)
class WorkRecord:
    """What one source record says about one paper."""

    ids: tuple[ExternalId, ...]
    """Every identifier the record carries; the first is the record's own key in its source."""
    title: str
    abstract: str | None = None
    authors: tuple[AuthorName, ...] = ()
    author_count: int | None = None
    """How many authors the source says there are, when it lists fewer; None: len(authors)."""
    authors_truncated: bool = False
    """The source printed only the first authors (`et al.`): the full list is unknown."""
    published: date | None = None
    updated: date | None = None
    featured: date | None = None
    """The day a curated list (Hugging Face Daily Papers) featured the work."""
    year: int | None = None
    categories: tuple[str, ...] = ()
    """Subject categories, primary first (arXiv style `cs.CV` where the source has them)."""
    venue: str | None = None
    keywords: tuple[str, ...] = ()
    comments: str | None = None
    """Free-text notes (arXiv comments, BibTeX note); scanned for code links like every text."""
    url: str | None = None
    code_links: tuple[CodeLink, ...] = ()
    """Links the source names as code (HF githubRepo); text fields are scanned at ingest."""
    code_badge: bool | None = None
    """Whether the source page showed a `Code` badge; None when the source has no such badge."""
    upvotes: int | None = None
    reported_citations: int | None = None
    """Citation count as the source reports it (OpenAlex cited_by_count, S2 citationCount)."""
    source_score: float | None = None
    """A score the source page printed next to the paper (e.g. a paper site's `99.7`)."""
    references: tuple[ExternalId, ...] = ()
    """Works this one cites, by whatever id the source gives."""

    @property
    def key(self) -> ExternalId:
        return self.ids[0]


@dataclass(frozen=True, slots=True)
class AbstractRecord:
    """An abstract (or TLDR) delivered separately from its work (S2 bulk `abstracts`, `tldrs`)."""

    work: ExternalId
    text: str
    kind: str = "abstract"


@dataclass(frozen=True, slots=True)
class CitationRecord:
    """One citation edge: `citing` cites `cited` (None when the source does not know it)."""

    citing: ExternalId
    cited: ExternalId | None
    contexts: tuple[str, ...] = ()
    is_influential: bool | None = None


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    """A source's profile of an author: reported metrics and, where given, the paper list."""

    ids: tuple[ExternalId, ...]
    name: str
    aliases: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    homepage: str | None = None
    primary_category: str | None = None
    reported_papers: int | None = None
    reported_citations: int | None = None
    reported_h_index: int | None = None
    reported_novelty: float | None = None
    reported_ai_score: float | None = None
    papers: tuple[WorkRecord, ...] = field(default=())

    @property
    def key(self) -> ExternalId:
        return self.ids[0]


Record = WorkRecord | AbstractRecord | CitationRecord | AuthorRecord

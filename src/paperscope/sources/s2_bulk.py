"""Semantic Scholar Academic Graph bulk datasets (JSON Lines, lower-case keys), and S2 mapping.

The dataset of each line is told by its keys, so a folder or tarball of mixed dataset files
parses the same way:

- papers -> WorkRecord, corpus id first, then the S2 paperId (from the paper's `url`) and the
  `externalids`;
- authors -> AuthorRecord with the reported `papercount`, `citationcount`, `hindex`;
- citations -> CitationRecord (`citedcorpusid` is often null: the edge is kept, cited=None);
- abstracts -> AbstractRecord(kind="abstract"); tldrs -> AbstractRecord(kind="tldr");
- embeddings, paper-ids, publication-venues and s2orc lines are recognised and skipped: they
  carry no record paperscope stores (vectors are recomputed by `enrich`). An abstract or TLDR
  line whose text is null is skipped too: there is nothing to store.

The datasets are the plain form of S2's records, and the API (`s2_api`) returns the same
fields in camelCase, so the record mapping for both lives here: `Fields` looks keys up
case-insensitively, `work_record` and `author_record` build the domain records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, BinaryIO

from paperscope.domain import (
    AbstractRecord,
    AuthorName,
    AuthorRecord,
    CitationRecord,
    ExternalId,
    Record,
    WorkRecord,
)
from paperscope.sources.arxiv_ids import arxiv_id, clean_text, doi_ids
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    Empty,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    excerpt,
    failure,
    over_cap,
)
from paperscope.sources.json_stream import load_json
from paperscope.sources.reading import LongLine, bounded_lines

_SNIFF_KEYS = re.compile(rb'"(?:corpusid|citingcorpusid|authorid|alternate_issns)"\s*:')
# Graph API objects share some keys (`alternate_issns` in a venue) but always carry these.
_API_KEYS = re.compile(rb'"(?:paperId|corpusId|citingPaper|citedPaper)"\s*:')
_S2_PAPER_URL = re.compile(r"semanticscholar\.org/paper/(?:[^/]+/)?([0-9a-f]{40})\b")
_EXTERNAL_SCHEMES = {
    "doi": "doi",
    "arxiv": "arxiv",
    "mag": "mag",
    "acl": "acl",
    "pubmed": "pubmed",
    "pmid": "pubmed",
    "pubmedcentral": "pmc",
    "pmcid": "pmc",
    "dblp": "dblp",
    "corpusid": "corpusid",
}


class FieldError(Exception):
    """A field of an S2 record that cannot be mapped; becomes Malformed with the field's name."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class Fields:
    """An S2 JSON object read with case-insensitive keys (API camelCase, datasets lower-case)."""

    def __init__(self, obj: Mapping[str, Any]) -> None:
        self._obj = obj
        self._keys = {key.lower(): key for key in obj}

    def get(self, name: str) -> Any:
        key = self._keys.get(name.lower())
        return None if key is None else self._obj[key]

    def has(self, name: str) -> bool:
        return name.lower() in self._keys

    def keys(self) -> list[str]:
        return list(self._obj)

    def name(self, name: str) -> str:
        """The key as the source spells it, for error messages."""
        return self._keys.get(name.lower(), name)

    def text(self, name: str) -> str | None:
        value = self.get(name)
        return clean_text(value) if isinstance(value, str) else None

    def identifier(self, name: str) -> str | None:
        """An id the source writes as a string or a number (corpus ids, author ids)."""
        value = self.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(name)

    def count(self, name: str) -> int | None:
        value = self.get(name)
        if value is None:
            return None
        if isinstance(value, str) and value.isdigit():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FieldError(self.name(name), f"not a count: {value!r}")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        values = self.get(name)
        listed = values if isinstance(values, list) else []
        cleaned = (clean_text(v) for v in listed if isinstance(v, str))
        return tuple(dict.fromkeys(v for v in cleaned if v))


# --- mapping: S2 objects -> domain records ---------------------------------------------------


def external_id(scheme_name: str, value: object) -> ExternalId | None:
    """One S2 `externalIds` entry (`DOI`, `ArXiv`, `PubMedCentral`, ...), normalised.

    PMC ids are kept as digits without the `PMC` prefix, as S2 and OpenAlex both give them.
    """
    scheme = _EXTERNAL_SCHEMES.get(scheme_name.lower())
    if scheme is None or isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    if scheme == "doi":
        dois = doi_ids(text)
        return dois[0] if dois else None
    if scheme == "arxiv":
        bare = arxiv_id(text)
        return ExternalId("arxiv", bare) if bare else None
    if scheme == "pmc":
        text = text.upper().removeprefix("PMC")
    return ExternalId(scheme, text) if text else None


def paper_ids(paper: Fields) -> tuple[ExternalId, ...]:
    """S2 paperId (or the one in the paper's URL), corpus id, then the other external ids."""
    found: list[ExternalId] = []
    paper_id = paper.text("paperId")
    if paper_id is None:
        in_url = _S2_PAPER_URL.search(paper.text("url") or "")
        paper_id = in_url.group(1) if in_url else None
    if paper_id:
        found.append(ExternalId("s2", paper_id))
    corpus = external_id("corpusid", paper.get("corpusId"))
    if corpus:
        found.append(corpus)
    externals = paper.get("externalIds")
    for scheme_name, value in externals.items() if isinstance(externals, dict) else ():
        identifier = external_id(scheme_name, value)
        if identifier:
            found.append(identifier)
    return tuple(dict.fromkeys(found))


def work_record(paper: Fields, key_scheme: str = "s2") -> WorkRecord:
    """An S2 paper (API or `papers` dataset) as a WorkRecord, its `key_scheme` id first."""
    ids = sorted(paper_ids(paper), key=lambda identifier: identifier.scheme != key_scheme)
    if not ids:
        raise FieldError(paper.name("paperId"), "paper has no id (paperId, corpusId, externalIds)")
    title = paper.text("title")
    if title is None:
        raise FieldError(paper.name("title"), f"paper {ids[0]} has no title")
    authors, listed = _authors(paper)
    published = _date(paper)
    return WorkRecord(
        ids=tuple(ids),
        title=title,
        abstract=paper.text("abstract"),
        authors=authors,
        author_count=listed if listed != len(authors) else None,
        published=published,
        year=_year(paper, published),
        categories=_categories(paper),
        venue=_venue(paper),
        url=paper.text("url"),
        reported_citations=paper.count("citationCount"),
        references=_references(paper),
    )


def _references(paper: Fields) -> tuple[ExternalId, ...]:
    """The first id of each reference S2 resolved; unresolved ones have no id at all."""
    listed = paper.get("references")
    items = listed if isinstance(listed, list) else []
    found = (paper_ids(Fields(item)) for item in items if isinstance(item, dict))
    return tuple(dict.fromkeys(ids[0] for ids in found if ids))


def _authors(paper: Fields) -> tuple[tuple[AuthorName, ...], int]:
    """The named authors, and how many the paper lists."""
    listed = paper.get("authors")
    if listed is None:
        return (), 0
    if not isinstance(listed, list):
        raise FieldError(paper.name("authors"), "expected a list")
    names = [_author_name(item) for item in listed]
    return tuple(name for name in names if name is not None), len(listed)


def _author_name(item: object) -> AuthorName | None:
    if isinstance(item, str):  # snippet search lists bare names
        name = clean_text(item)
        return AuthorName(name) if name else None
    if not isinstance(item, dict):
        return None
    author = Fields(item)
    name = author.text("name")
    if name is None:
        return None
    author_id = author.identifier("authorId")
    return AuthorName(
        name=name,
        affiliation="; ".join(author.texts("affiliations")) or None,
        source_id=ExternalId("s2", author_id) if author_id else None,
    )


def _date(paper: Fields) -> date | None:
    value = paper.get("publicationDate")
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise FieldError(paper.name("publicationDate"), f"not a date: {value!r}") from None


def _year(paper: Fields, published: date | None) -> int | None:
    year = paper.count("year")
    return year if year is not None else (published.year if published else None)


def _categories(paper: Fields) -> tuple[str, ...]:
    """`fieldsOfStudy` (from external sources) first, then S2's classifier `s2FieldsOfStudy`."""
    classified = paper.get("s2FieldsOfStudy")
    categories = [*paper.texts("fieldsOfStudy")]
    for item in classified if isinstance(classified, list) else ():
        category = item.get("category") if isinstance(item, dict) else None
        if isinstance(category, str) and clean_text(category):
            categories.append(category.strip())
    return tuple(dict.fromkeys(categories))


def _venue(paper: Fields) -> str | None:
    """The canonical venue, then the journal, then S2's free-text `venue`."""
    for container in (paper.get("publicationVenue"), paper.get("journal")):
        name = container.get("name") if isinstance(container, dict) else None
        if isinstance(name, str) and clean_text(name):
            return clean_text(name)
    return paper.text("venue")


def author_record(author: Fields, papers: tuple[WorkRecord, ...] = ()) -> AuthorRecord:
    """An S2 author (API or `authors` dataset) with its reported metrics."""
    author_id = author.identifier("authorId")
    if author_id is None:
        raise FieldError(author.name("authorId"), "author has no authorId")
    name = author.text("name")
    if name is None:
        raise FieldError(author.name("name"), f"author {author_id} has no name")
    ids = [ExternalId("s2", author_id)]
    externals = author.get("externalIds")
    orcid = Fields(externals).text("ORCID") if isinstance(externals, dict) else None
    if orcid:
        ids.append(ExternalId("orcid", orcid.upper()))
    return AuthorRecord(
        ids=tuple(ids),
        name=name,
        aliases=author.texts("aliases"),
        affiliations=author.texts("affiliations"),
        homepage=author.text("homepage"),
        reported_papers=author.count("paperCount"),
        reported_citations=author.count("citationCount"),
        reported_h_index=author.count("hIndex"),
        papers=papers,
    )


# --- the bulk datasets -----------------------------------------------------------------------


def sniff(head: bytes, filename: str) -> bool:
    """JSON Lines whose first object has a dataset's lower-case key (`corpusid`, ...)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    first_line = start.split(b"\n", 1)[0]
    return (
        first_line.startswith(b"{")
        and _SNIFF_KEYS.search(first_line) is not None
        and _API_KEYS.search(first_line) is None
    )


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    found = skipped = False
    for line in bounded_lines(stream, limits.record_bytes, skip_blank=True):
        position = f"line {line.number}"
        if isinstance(line, LongLine):
            reason = over_cap("the line", line.size, limits.record_bytes)
            result: ParseResult | None = Malformed(position, None, reason, line.excerpt)
        else:
            try:
                result = _line_result(line.text, position, limits)
            except Exception as error:  # one record's failure must not end the file
                result = Malformed(position, None, failure(error), excerpt(line.text))
        if result is None:
            skipped = True
        else:
            found = True
            yield result
    if skipped and not found:
        yield Empty("only lines without paper metadata (embeddings, paper ids, empty texts, ...)")


def _line_result(line: str, position: str, limits: Limits) -> ParseResult | None:
    try:
        obj = load_json(line, limits.max_depth)
    except ValueError as error:
        return Malformed(position, None, f"invalid JSON: {error}", line)
    if not isinstance(obj, dict):
        return Malformed(position, None, "expected a JSON object", line)
    try:
        record = _dataset_record(Fields(obj))
    except FieldError as error:
        return Malformed(position, error.field, error.reason, line)
    return None if record is None else Parsed(record, position, line)


def _dataset_record(line: Fields) -> Record | None:
    """The record of one dataset line, told by its keys; None for datasets that are skipped."""
    if line.has("citingcorpusid"):
        return _citation(line)
    if line.has("authorid"):
        return author_record(line)
    if any(line.has(key) for key in ("sha", "alternate_issns", "vector", "content")):
        return None  # paper-ids, publication-venues, embeddings, s2orc
    if line.has("title"):
        return work_record(line, key_scheme="corpusid")
    if line.has("abstract"):
        return _separate_text(line, "abstract", "abstract")
    if line.has("model") and line.has("text"):
        return _separate_text(line, "text", "tldr")
    raise FieldError(
        None, "not a line of a known S2 dataset (keys: " + ", ".join(line.keys()) + ")"
    )


def _citation(line: Fields) -> CitationRecord:
    citing = external_id("corpusid", line.get("citingcorpusid"))
    if citing is None:
        raise FieldError(line.name("citingcorpusid"), "citation has no citing corpus id")
    influential = line.get("isinfluential")
    return CitationRecord(
        citing=citing,
        cited=external_id("corpusid", line.get("citedcorpusid")),
        contexts=line.texts("contexts"),
        is_influential=influential if isinstance(influential, bool) else None,
    )


def _separate_text(line: Fields, text_key: str, kind: str) -> AbstractRecord | None:
    work = external_id("corpusid", line.get("corpusid"))
    if work is None:
        raise FieldError(line.name("corpusid"), f"{kind} line has no corpus id")
    text = line.text(text_key)
    return AbstractRecord(work=work, text=text, kind=kind) if text else None


FORMATS = (
    Format(
        name="s2-bulk",
        description="Semantic Scholar Academic Graph bulk datasets (JSON Lines)",
        sniff=sniff,
        parse=parse,
    ),
)

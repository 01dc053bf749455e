"""OpenAlex works: API responses (a `{"meta", "results"}` page or one work) and snapshot JSONL.

Mapping choices worth knowing:

- ids: the OpenAlex `W...` id first, then DOI, MAG, PubMed, PMC (digits only, as S2 spells
  them, so the two sources join) and an arXiv id when a location is on arxiv.org or the DOI is
  arXiv's DataCite DOI `10.48550/arxiv.*`.
- abstract: rebuilt from `abstract_inverted_index` by placing each word at its positions.
- authors: the name as printed on the paper (`raw_author_name`), else OpenAlex's
  `display_name`. OpenAlex's placeholder author `A9999999999` ("NULL AUTHOR_ID") is left out and
  `author_count` then keeps the number of authorships. Affiliation: the institutions' names,
  else the raw affiliation strings, joined by "; ".
- categories: the subfield of `primary_topic`, then the subfields of the other `topics` (about
  250 Scopus-style subfields such as "Artificial Intelligence": close to arXiv categories in
  grain). Works from before topics existed fall back to level 0-1 `concepts`, by score.
- venue: `primary_location.source.display_name` (old schema: `host_venue.display_name`).

JSON Lines (a snapshot, or one response page per line) are read line by line, a pretty-printed
response work by work (`json_records.json_records`, which the S2 API and Hugging Face formats
share); a work larger than `Limits.record_bytes` is quarantined with an excerpt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any, BinaryIO

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.arxiv_ids import arxiv_id, clean_text, doi_ids
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    EXCERPT_CHARS,
    Empty,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    excerpt,
    failure,
)
from paperscope.sources.json_records import json_records
from paperscope.sources.json_stream import JsonProblem

_SNIFF_WORK_ID = re.compile(rb'"id"\s*:\s*"https://openalex\.org/W\d+"')
_OPENALEX_ID = re.compile(r"^(?:https?://openalex\.org/)?([WA]\d+)$", re.IGNORECASE)
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$", re.IGNORECASE)
_TRAILING_DIGITS = re.compile(r"(\d+)/?$")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$")
_PLACEHOLDER_AUTHOR = "A9999999999"


class _BadField(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def sniff(head: bytes, filename: str) -> bool:
    """A JSON object (a page, a work, or a JSONL line) holding an OpenAlex work id."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"{") and _SNIFF_WORK_ID.search(head) is not None


PAGE_KEYS = frozenset({"results"})


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    found = False
    for result in _results(stream, limits):
        found = True
        yield result
    if not found:
        yield Empty("an empty results page")


def _results(stream: BinaryIO, limits: Limits) -> Iterator[ParseResult]:
    for piece in json_records(stream, limits, PAGE_KEYS):
        if isinstance(piece, JsonProblem):
            where = piece.where if piece.index is None else f"{piece.where}, result {piece.index}"
            yield Malformed(where, None, piece.reason, piece.excerpt)
        elif piece.key is not None:  # a work of a results page (or of a top-level list)
            yield _guarded(piece.value, f"{piece.where}, result {piece.index}")
        elif not piece.split:
            yield from _document_results(piece.value, piece.where, piece.text)


def _document_results(document: object, where: str, text: str) -> Iterator[ParseResult]:
    """A value that was not a results page: one work, an empty page, or not OpenAlex."""
    raw = text.rstrip("\r\n") or json.dumps(document, ensure_ascii=False)
    if isinstance(document, dict) and document.get("results") == []:
        return
    if isinstance(document, dict) and "results" not in document:
        yield _guarded(document, where, raw=raw)
    else:
        yield Malformed(where, "results", "expected a work object or a results page", excerpt(raw))


def _guarded(work: object, where: str, raw: str | None = None) -> ParseResult:
    """`_work_result`, with whatever it raises on a hostile value quarantined with the work."""
    try:
        return _work_result(work, where, raw)
    except Exception as error:  # one record's failure must not end the file
        text = raw if raw is not None else repr(work)[: EXCERPT_CHARS * 2]
        return Malformed(where, None, failure(error), excerpt(text))


def _work_result(work: object, where: str, raw: str | None = None) -> ParseResult:
    """`raw` is the work's text when it stood alone (a snapshot line), else it is re-dumped."""
    raw = raw if raw is not None else json.dumps(work, ensure_ascii=False)
    if not isinstance(work, dict):
        return Malformed(where, None, "a work must be a JSON object", raw)
    try:
        record = work_record(work)
    except _BadField as error:
        key = work.get("id")
        position = f"{where} ({key.rsplit('/', 1)[-1]})" if isinstance(key, str) else where
        return Malformed(position, error.field, error.reason, raw)
    return Parsed(record, f"{where} ({record.key.value})", raw)


def work_record(work: Mapping[str, Any]) -> WorkRecord:
    """One OpenAlex work object as a WorkRecord; raises _BadField naming the field at fault."""
    title = _text(work.get("title")) or _text(work.get("display_name"))
    if title is None:
        raise _BadField("title", "work has neither a title nor a display_name")
    authors, listed = _authors(work.get("authorships"))
    published = _date(work.get("publication_date"))
    return WorkRecord(
        ids=_ids(work),
        title=title,
        abstract=_abstract(work.get("abstract_inverted_index")),
        authors=authors,
        author_count=listed if listed != len(authors) else None,
        published=published,
        year=_year(work.get("publication_year"), published),
        categories=_categories(work),
        venue=_venue(work),
        keywords=_keywords(work.get("keywords")),
        url=_url(work),
        reported_citations=_count(work.get("cited_by_count"), "cited_by_count"),
        references=tuple(_reference(item) for item in _list(work.get("referenced_works"))),
    )


def _object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return clean_text(value) if isinstance(value, str) else None


def _openalex_id(value: object, field: str) -> str:
    match = _OPENALEX_ID.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise _BadField(field, f"not an OpenAlex id: {value!r}")
    return match.group(1).upper()


_WORK_URL = "https://openalex.org/W"


def _reference(value: object) -> ExternalId:
    # The form every snapshot uses, recognised without the regex: a million-work ingest
    # reads ten million of them.
    if isinstance(value, str) and value.startswith(_WORK_URL) and value[21:].isdecimal():
        return ExternalId("openalex", value[20:])
    key = _openalex_id(value, "referenced_works")
    if not key.startswith("W"):
        raise _BadField("referenced_works", f"not a work id: {value!r}")
    return ExternalId("openalex", key)


def _ids(work: Mapping[str, Any]) -> tuple[ExternalId, ...]:
    key = _openalex_id(work.get("id"), "id")
    if not key.startswith("W"):
        raise _BadField("id", f"not a work id: {key}")
    others = _object(work.get("ids"))
    found = [ExternalId("openalex", key)]
    found += doi_ids(_text(work.get("doi")) or _text(others.get("doi")))
    mag = others.get("mag")
    if isinstance(mag, int | str) and str(mag).strip():
        found.append(ExternalId("mag", str(mag).strip()))
    for source_key, scheme in (("pmid", "pubmed"), ("pmcid", "pmc")):
        digits = _TRAILING_DIGITS.search(_text(others.get(source_key)) or "")
        if digits:
            found.append(ExternalId(scheme, digits.group(1)))
    found += _arxiv_ids(work, found)
    return tuple(dict.fromkeys(found))


def _arxiv_ids(work: Mapping[str, Any], found: list[ExternalId]) -> list[ExternalId]:
    """From arXiv's DataCite DOI (`10.48550/arxiv.ID`) and from arxiv.org locations."""
    candidates = [
        match.group(1)
        for identifier in found
        if identifier.scheme == "doi" and (match := _ARXIV_DOI.match(identifier.value))
    ]
    for location in _list(work.get("locations")):
        for url in (_object(location).get("landing_page_url"), _object(location).get("pdf_url")):
            if isinstance(url, str) and "arxiv.org/" in url.lower():
                candidates.append(url)
    bare_ids = (arxiv_id(candidate) for candidate in candidates)
    return [ExternalId("arxiv", bare) for bare in dict.fromkeys(bare_ids) if bare]


def _abstract(index: object) -> str | None:
    """Words placed at their positions; OpenAlex ships abstracts only in this inverted form."""
    if index is None:
        return None
    if not isinstance(index, dict):
        raise _BadField("abstract_inverted_index", "expected an object of word -> positions")
    placed: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(isinstance(p, int) for p in positions):
            raise _BadField("abstract_inverted_index", f"positions of {word!r} are not integers")
        for position in positions:
            placed[position] = word
    return clean_text(" ".join(placed[position] for position in sorted(placed)))


def _authors(authorships: object) -> tuple[tuple[AuthorName, ...], int]:
    """The named authors, and how many authorships the work lists."""
    if authorships is None:
        return (), 0
    if not isinstance(authorships, list):
        raise _BadField("authorships", "expected a list")
    names = [_author(item) for item in authorships if isinstance(item, dict)]
    return tuple(name for name in names if name is not None), len(authorships)


def _author(authorship: Mapping[str, Any]) -> AuthorName | None:
    author = _object(authorship.get("author"))
    author_id = _OPENALEX_ID.match(str(author.get("id") or "").strip())
    if author_id and author_id.group(1).upper() == _PLACEHOLDER_AUTHOR:
        return None
    name = _text(authorship.get("raw_author_name")) or _text(author.get("display_name"))
    if name is None:
        return None
    orcid = _ORCID.search(_text(author.get("orcid")) or "")
    return AuthorName(
        name=name,
        affiliation=_affiliation(authorship),
        orcid=orcid.group(1).upper() if orcid else None,
        source_id=ExternalId("openalex", author_id.group(1).upper()) if author_id else None,
    )


def _affiliation(authorship: Mapping[str, Any]) -> str | None:
    institutions = _list(authorship.get("institutions"))
    names = [_text(item.get("display_name")) for item in institutions if isinstance(item, dict)]
    if not any(names):
        names = [_text(item) for item in _list(authorship.get("raw_affiliation_strings"))]
    return "; ".join(dict.fromkeys(name for name in names if name)) or None


def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _BadField("publication_date", f"not a date: {value!r}") from None


def _year(value: object, published: date | None) -> int | None:
    if value is None:
        return published.year if published else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadField("publication_year", f"not a year: {value!r}")
    return value


def _count(value: object, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _BadField(field, f"not a count: {value!r}")
    return value


def _display_names(items: Iterable[object]) -> list[str]:
    names = (_text(item.get("display_name")) for item in items if isinstance(item, dict))
    return [name for name in names if name]


def _categories(work: Mapping[str, Any]) -> tuple[str, ...]:
    topics = [work.get("primary_topic"), *_list(work.get("topics"))]
    subfields = [topic.get("subfield") for topic in topics if isinstance(topic, dict)]
    names = _display_names(subfields)
    if not names:
        concepts = [c for c in _list(work.get("concepts")) if isinstance(c, dict)]
        broad = [c for c in concepts if isinstance(c.get("level"), int) and c["level"] <= 1]
        broad.sort(key=_concept_score, reverse=True)
        names = _display_names(broad)
    return tuple(dict.fromkeys(names))


def _concept_score(concept: Mapping[str, Any]) -> float:
    score = concept.get("score")
    return float(score) if isinstance(score, int | float) else 0.0


def _keywords(keywords: object) -> tuple[str, ...]:
    """Keywords are objects (`display_name`, 2024; `keyword`, 2023) or plain strings."""
    found: list[str | None] = []
    for item in keywords if isinstance(keywords, list) else ():
        if isinstance(item, dict):
            found.append(_text(item.get("display_name")) or _text(item.get("keyword")))
        else:
            found.append(_text(item))
    return tuple(dict.fromkeys(keyword for keyword in found if keyword))


def _venue(work: Mapping[str, Any]) -> str | None:
    source = _object(_object(work.get("primary_location")).get("source"))
    host_venue = _object(work.get("host_venue"))
    return _text(source.get("display_name")) or _text(host_venue.get("display_name"))


def _url(work: Mapping[str, Any]) -> str | None:
    landing = _object(work.get("primary_location")).get("landing_page_url")
    return _text(landing) or _text(work.get("id"))


FORMATS = (
    Format(
        name="openalex",
        description="OpenAlex works: API response pages or single works, and snapshot JSONL",
        sniff=sniff,
        parse=parse,
    ),
)

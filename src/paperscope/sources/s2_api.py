"""Semantic Scholar Graph API responses: JSON documents, JSON Lines of them, vcrpy cassettes.

Accepted response shapes: a paper, an author (with or without its `papers`, which go into
`AuthorRecord.papers`), a page (`{"data": [...]}` from search, bulk search with its `token`,
author papers, paper authors, citations, references, title match, snippet search), a
recommendations page (`{"recommendedPapers": [...]}`) and a batch response (a JSON list; `null`
marks an id the API did not find and is skipped). Responses of the `datasets/v1` endpoints
hold no paper metadata and yield nothing. An API error body (`{"error": ...}`,
`{"message": ...}`) and every 4xx/5xx response in a cassette yield one Malformed carrying the
API's message. Cassettes are YAML (PyYAML); both vcrpy layouts are read (`body.string` with
`status.code`, and `content` with `status_code`). A JSON file is one pretty-printed response,
read whole, or JSON Lines of responses (a one-line response file is the one-line case of that),
as `json_records.json_records` tells them apart; each is read a record at a time, and a
cassette (read whole, up to `Limits.document_bytes`) has its bodies read the same way, a
gzipped `!!binary` body inflated as it is read, never past the document cap.

Citations: a paper's nested `citations` yield a WorkRecord per citing paper (when it has a
title) and a CitationRecord `citing -> this paper`. Its nested `references` become
`WorkRecord.references` (plus a WorkRecord per referenced paper); references S2 could not
resolve to any id become `CitationRecord(citing=this paper, cited=None)` so that the paper's
reference count survives. Items of `/paper/{id}/citations` and `/references` pages yield the
linked paper and, when the request URI (in a cassette) names `{id}`, the edge with its
contexts and `isInfluential`.

A paper without a title (e.g. a response requested with `fields=authors`) cannot become a
WorkRecord: it yields Malformed naming `title`. The field mapping is shared with the bulk
datasets and lives in `s2_bulk`.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, cast
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from paperscope.domain import CitationRecord, ExternalId, WorkRecord
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
from paperscope.sources.json_records import json_records
from paperscope.sources.json_stream import JsonProblem
from paperscope.sources.reading import Capped, TooLarge, peek, read_capped
from paperscope.sources.s2_bulk import (
    FieldError,
    Fields,
    author_record,
    external_id,
    paper_ids,
    work_record,
)

_SNIFF_KEYS = re.compile(
    rb'"(?:paperId|authorId|corpusId|citingPaper|citedPaper|recommendedPapers)"\s*:'
)
_BULK_KEYS = re.compile(rb'"(?:corpusid|citingcorpusid|authorid)"\s*:')
_LINKED_REQUEST = re.compile(r"/paper/(?P<id>.+)/(?:citations|references)/?$")
_PREFIXED_ID = re.compile(r"^(?P<prefix>[A-Za-z]+):(?P<value>.+)$")
_PAPER_ID = re.compile(r"^[0-9a-f]{40}$")
_PAPER_KEYS = ("paperId", "title", "corpusId", "externalIds")
_EMPTY_PAGE_KEYS = {"total", "offset", "next", "token"}
_DATASET_KEYS = {"release_id", "datasets", "files", "diffs"}
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class _Where:
    """Where a response part sits, and the paper a citations/references request was about."""

    position: str
    linked_paper: ExternalId | None = None
    titles_requested: bool = True
    """False when the request's `fields=` left out `title`: title-less papers are expected."""

    def at(self, part: str) -> _Where:
        return _Where(f"{self.position}, {part}", self.linked_paper, self.titles_requested)

    def keyed(self, key: ExternalId) -> str:
        return f"{self.position} ({key})"


def sniff(head: bytes, filename: str) -> bool:
    """A vcrpy cassette of api.semanticscholar.org, or JSON with S2's camelCase keys."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"interactions:"):
        return b"semanticscholar.org" in head
    return (
        start[:1] in (b"{", b"[")
        and _SNIFF_KEYS.search(head) is not None
        and _BULK_KEYS.search(head) is None
    )


PAGE_KEYS = frozenset({"data", "recommendedPapers"})
_NOTHING = "the response holds no papers or authors (an empty page, ids not found, datasets)"
_ERROR_HEAD_BYTES = 64 * 1024


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    head, replay = peek(stream)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"interactions:"):
        results = _cassette_results(replay, limits)
    else:
        results = _json_results(replay, limits, None)
    found = False
    for result in results:
        found = True
        yield result
    if not found:
        yield Empty(_NOTHING)


def _json_results(stream: BinaryIO, limits: Limits, at: _Where | None) -> Iterator[ParseResult]:
    """The records of a JSON file (`at` None: positions are its lines) or of a cassette body."""
    for piece in json_records(stream, limits, PAGE_KEYS):
        base = at or _Where(piece.where)
        where = _part(base, piece.key, piece.index)
        if isinstance(piece, JsonProblem):
            yield Malformed(where.position, piece.key or None, piece.reason, piece.excerpt)
        elif piece.key is not None:
            if piece.value is not None:  # null marks an id the API did not find
                yield from _guarded(piece.value, where)
        elif not piece.split:
            raw = piece.text or _raw(piece.value)
            try:
                yield from _response_results(piece.value, where, raw)
            except Exception as error:  # one record's failure must not end the file
                yield Malformed(where.position, None, failure(error), excerpt(raw))


def _guarded(item: object, where: _Where) -> Iterator[ParseResult]:
    try:
        yield from _item_results(item, where)
    except Exception as error:  # one record's failure must not end the file
        yield Malformed(where.position, None, failure(error), excerpt(repr(item)))


@dataclass(slots=True)
class _Budget:
    """Bytes of response bodies a cassette may still make paperscope read (aliases in YAML
    can name one huge body many times)."""

    remaining: int


def _cassette_results(stream: BinaryIO, limits: Limits) -> Iterator[ParseResult]:
    try:
        text = read_capped(stream, limits.document_bytes)
    except TooLarge:
        what = over_cap(
            "the cassette", limits.document_bytes + 1, limits.document_bytes, _DOCUMENT_SETTING
        )
        yield Malformed("cassette", None, what, "")
        return
    try:
        cassette = yaml.load(text, Loader=_YAML_LOADER)  # a safe loader: no object tags
    except Exception as error:  # YAMLError, or RecursionError from deep nesting
        yield Malformed("cassette", None, f"invalid YAML: {excerpt(str(error), 500)}", "")
        return
    del text
    interactions = cassette.get("interactions") if isinstance(cassette, dict) else None
    if not isinstance(interactions, list):
        yield Malformed("cassette", "interactions", "expected a list of interactions", "")
        return
    budget = _Budget(_BODIES_PER_CASSETTE * limits.document_bytes)
    for number, interaction in enumerate(interactions, 1):
        try:
            yield from _interaction_results(_mapping(interaction), number, limits, budget)
        except TooLarge:
            cap = _BODIES_PER_CASSETTE * limits.document_bytes
            reason = over_cap("the cassette's bodies", cap + 1, cap, _DOCUMENT_SETTING)
            yield Malformed(
                f"interaction {number}", "response", f"{reason}; the rest is not read", ""
            )
            return
        except Exception as error:  # one interaction's failure must not end the cassette
            yield Malformed(f"interaction {number}", None, failure(error), "")


_DOCUMENT_SETTING = "PAPERSCOPE_MAX_DOCUMENT_BYTES"
_BODIES_PER_CASSETTE = 4
"""Each body is a document (capped as one); all of a cassette's together may be this many."""


def _interaction_results(
    interaction: Mapping[str, Any], number: int, limits: Limits, budget: _Budget
) -> Iterator[ParseResult]:
    request, response = _mapping(interaction.get("request")), _mapping(interaction.get("response"))
    uri = urlsplit(_string(request.get("uri"))[:8192])
    path = unquote(uri.path)
    method = _string(request.get("method"))[:16] or "GET"
    where = _Where(
        f"interaction {number} ({method} {excerpt(path, 300)})",
        _linked_paper(path),
        _asks_for_titles(uri.query),
    )
    status = _status(response)
    body = _body(response, budget)
    try:
        if status is None or status >= 400:
            code = f"HTTP {status}" if status is not None else "no HTTP status"
            head = body.read(_ERROR_HEAD_BYTES).decode("utf-8", "replace")
            yield Malformed(where.position, "response", f"{code}: {_error_message(head)}", head)
        elif "/datasets/" not in path:
            yield from _json_results(body, limits, where)
    finally:
        budget.remaining -= body.raw.consumed  # type: ignore[attr-defined]


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _asks_for_titles(query: str) -> bool:
    """Whether a request asked for titles: without `fields=`, the API's default includes them."""
    fields = parse_qs(query).get("fields")
    if not fields:
        return True
    return "title" in {f.strip() for part in fields for f in part.split(",")}


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _status(response: Mapping[str, Any]) -> int | None:
    code = _mapping(response.get("status")).get("code", response.get("status_code"))
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _body(response: Mapping[str, Any], budget: _Budget) -> io.BufferedReader:
    """The body as a byte stream, inflated as it is read when vcrpy kept it gzipped as
    `!!binary`; reading past the cassette's budget raises TooLarge."""
    body = _mapping(response.get("body")).get("string", response.get("content"))
    if isinstance(body, str):
        data: BinaryIO = io.BytesIO(body.encode("utf-8", "replace"))
    elif isinstance(body, bytes):
        data = io.BytesIO(body)
        if body.startswith(b"\x1f\x8b"):
            data = cast(BinaryIO, gzip.GzipFile(fileobj=data, mode="rb"))
    else:
        data = io.BytesIO(b"")
    return io.BufferedReader(Capped(data, max(budget.remaining, 0)), 256 * 1024)


def _error_message(body: str) -> str:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return " ".join(body.split())[:300] or "(empty body)"
    message = (
        document.get("error") or document.get("message") if isinstance(document, dict) else None
    )
    return excerpt(str(message), 300) if message else " ".join(body.split())[:300]


def _linked_paper(path: str) -> ExternalId | None:
    """The `{id}` of `/paper/{id}/citations` or `/references` (ids may hold `/`, as DOIs do)."""
    match = _LINKED_REQUEST.search(path)
    if match is None:
        return None
    text = match.group("id")
    if _PAPER_ID.match(text.lower()):
        return ExternalId("s2", text.lower())
    if text.startswith("10."):
        return external_id("doi", text)
    prefixed = _PREFIXED_ID.match(text)
    return external_id(prefixed["prefix"], prefixed["value"]) if prefixed else None


# --- response shapes -------------------------------------------------------------------------


def _response_results(document: object, where: _Where, raw: str) -> Iterator[ParseResult]:
    if isinstance(document, list):  # a batch response; null marks an id that was not found
        for index, item in enumerate(document):
            if item is not None:
                yield from _item_results(item, where.at(f"item {index}"))
        return
    if not isinstance(document, dict):
        yield Malformed(where.position, None, "expected a JSON object or list", raw)
        return
    if _is_error(document):
        message = document.get("error") or document.get("message")
        yield Malformed(where.position, "error", f"API error: {message}", raw)
        return
    for key in ("data", "recommendedPapers"):
        if key in document:
            yield from _page_results(document[key], key, where, raw)
            return
    if document.keys() <= _EMPTY_PAGE_KEYS or document.keys() & _DATASET_KEYS:
        return
    yield from _item_results(document, where)


def _is_error(document: Mapping[str, Any]) -> bool:
    has_content = any(key in document for key in (*_PAPER_KEYS, "authorId", "data"))
    return not has_content and ("error" in document or "message" in document)


def _page_results(items: object, key: str, where: _Where, raw: str) -> Iterator[ParseResult]:
    if not isinstance(items, list):
        yield Malformed(where.position, key, "expected a list", raw)
        return
    for index, item in enumerate(items):
        if item is not None:
            yield from _item_results(item, where.at(f"{key}[{index}]"))


def _item_results(item: object, where: _Where) -> Iterator[ParseResult]:
    if not isinstance(item, dict):
        yield Malformed(where.position, None, "expected a JSON object", _raw(item))
    elif "citingPaper" in item:
        yield from _linked_results(item["citingPaper"], where, where.linked_paper, True, item)
    elif "citedPaper" in item:
        yield from _linked_results(item["citedPaper"], where, where.linked_paper, False, item)
    elif "snippet" in item and isinstance(item.get("paper"), dict):
        yield from _paper_results(item["paper"], where.at("paper"))
    elif "authorId" in item and "paperId" not in item and "title" not in item:
        yield from _author_results(item, where)
    elif any(key in item for key in _PAPER_KEYS):
        yield from _paper_results(item, where)
    else:
        reason = f"neither a paper nor an author (keys: {', '.join(item)})"
        yield Malformed(where.position, None, reason, _raw(item))


def _raw(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _part(where: _Where, key: str | None, index: int | None) -> _Where:
    if index is None:
        return where
    return where.at(f"item {index}" if not key else f"{key}[{index}]")


def _paper_results(paper: Mapping[str, Any], where: _Where) -> Iterator[ParseResult]:
    raw = _raw(paper)
    try:
        work = work_record(Fields(paper))
    except FieldError as error:
        if (error.field or "").lower() != "title" or where.titles_requested:
            yield Malformed(where.position, error.field, error.reason, raw)
        # else: the request did not ask for titles, so this is a partial view, not damage.
        return
    yield Parsed(work, where.keyed(work.key), raw)
    for index, citing in enumerate(_list(paper.get("citations"))):
        yield from _linked_results(citing, where.at(f"citations[{index}]"), work.key, True)
    for index, cited in enumerate(_list(paper.get("references"))):
        # Resolved references are already in work.references; only unresolved ones add edges.
        at = where.at(f"references[{index}]")
        yield from _linked_results(cited, at, work.key, False, edge_if_resolved=False)


def _linked_results(
    linked: object,
    where: _Where,
    other: ExternalId | None,
    linked_is_citing: bool,
    edge_item: Mapping[str, Any] | None = None,
    *,
    edge_if_resolved: bool = True,
) -> Iterator[ParseResult]:
    """A citing or cited paper, and its edge to `other` (the paper it cites or is cited by)."""
    if not isinstance(linked, dict):
        yield Malformed(where.position, None, "a linked paper must be a JSON object", _raw(linked))
        return
    fields = Fields(linked)
    ids = paper_ids(fields)
    if ids and fields.text("title"):
        yield from _paper_results(linked, where)
    if other is None or (ids and not edge_if_resolved):
        return
    raw = _raw(edge_item if edge_item is not None else linked)
    if linked_is_citing and not ids:
        reason = f"citing paper {fields.text('title')!r} has no id"
        yield Malformed(where.position, fields.name("paperId"), reason, raw)
    elif linked_is_citing:
        yield Parsed(_edge(ids[0], other, edge_item), where.keyed(ids[0]), raw)
    else:
        yield Parsed(_edge(other, ids[0] if ids else None, edge_item), where.position, raw)


def _edge(citing: ExternalId, cited: ExternalId | None, item: object) -> CitationRecord:
    edge = Fields(item) if isinstance(item, dict) else Fields({})
    influential = edge.get("isInfluential")
    return CitationRecord(
        citing=citing,
        cited=cited,
        contexts=edge.texts("contexts"),
        is_influential=influential if isinstance(influential, bool) else None,
    )


def _author_results(author: Mapping[str, Any], where: _Where) -> Iterator[ParseResult]:
    papers: list[WorkRecord] = []
    for index, paper in enumerate(_list(author.get("papers"))):
        try:
            papers.append(work_record(Fields(_mapping(paper))))
        except FieldError as error:
            at = where.at(f"papers[{index}]").position
            yield Malformed(at, error.field, error.reason, _raw(paper))
    raw = _raw(author)
    try:
        record = author_record(Fields(author), tuple(papers))
    except FieldError as error:
        yield Malformed(where.position, error.field, error.reason, raw)
        return
    yield Parsed(record, where.keyed(record.key), raw)


FORMATS = (
    Format(
        name="s2-api",
        description="Semantic Scholar Graph API responses (JSON, JSON Lines, vcrpy cassettes)",
        sniff=sniff,
        parse=parse,
    ),
)

"""Hugging Face Daily Papers API responses.

`/api/daily_papers?date=YYYY-MM-DD` returns a JSON list of entries
`{"paper": {...}, "publishedAt", "title", "summary", "thumbnail", "numComments",
"submittedBy", ...}`; `/api/papers/{id}` returns the paper object itself:
`{"id": "2401.02954", "authors": [{"_id", "name", "hidden", "user"?}], "publishedAt",
"title", "summary", "upvotes", "githubRepo"?, "projectPage"?, "ai_summary"?, "ai_keywords"?}`.

A paper id is an arXiv id, so each work carries `arxiv:` (its key) and `hf:` ids. The
generated `ai_summary` is not the abstract: it comes out as a separate AbstractRecord of kind
`ai_summary`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from paperscope.domain import AbstractRecord, AuthorName, CodeLink, ExternalId, WorkRecord
from paperscope.sources.arxiv_ids import arxiv_id, iso_date
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
)
from paperscope.sources.json_records import json_records
from paperscope.sources.json_stream import JsonProblem

PAPER_URL = "https://huggingface.co/papers/{}"
_EMPTY_LIST = re.compile(rb"\A\s*\[\s*\]\s*\Z")
_LIST_HEAD = re.compile(rb"\A\s*\[\s*\{")
_OBJECT_HEAD = re.compile(rb"\A\s*\{")
_HF_KEYS = (b'"upvotes"', b'"publishedAt"')


def _sniff(head: bytes, filename: str) -> bool:
    if _EMPTY_LIST.match(head):  # a day without papers; `[]` alone says nothing, the name must
        return "daily" in filename.lower()
    has_hf_keys = all(key in head for key in _HF_KEYS)  # S2 and OpenAlex use neither key
    if _LIST_HEAD.match(head):
        return b'"paper"' in head and has_hf_keys
    return _OBJECT_HEAD.match(head) is not None and b'"authors"' in head and has_hf_keys


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    collapsed = " ".join(value.split())
    return collapsed or None


def _ids(paper_id: str) -> tuple[ExternalId, ...]:
    bare = arxiv_id(paper_id)
    hf = ExternalId("hf", paper_id)
    return (ExternalId("arxiv", bare), hf) if bare else (hf,)


def _authors(value: object) -> tuple[AuthorName, ...]:
    authors: list[AuthorName] = []
    for entry in value if isinstance(value, list) else []:
        name = _clean(entry.get("name")) if isinstance(entry, dict) else None
        if name is None:
            continue
        user = entry.get("user")
        username = _clean(user.get("user")) if isinstance(user, dict) else None
        authors.append(AuthorName(name, source_id=ExternalId("hf", username) if username else None))
    return tuple(authors)


def _upvotes(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _work(paper: dict[str, Any], entry: dict[str, Any], paper_id: str, title: str) -> WorkRecord:
    repo = _clean(paper.get("githubRepo"))
    keywords = paper.get("ai_keywords")
    published = iso_date(_clean(paper.get("publishedAt")))
    # On a daily list the entry's own publishedAt is the day it was featured there.
    featured = iso_date(_clean(entry.get("publishedAt"))) if entry is not paper else None
    return WorkRecord(
        ids=_ids(paper_id),
        title=title,
        abstract=_clean(paper.get("summary")) or _clean(entry.get("summary")),
        authors=_authors(paper.get("authors")),
        published=published,
        featured=featured,
        year=published.year if published else None,
        keywords=tuple(k for k in map(_clean, keywords) if k) if isinstance(keywords, list) else (),
        url=PAPER_URL.format(paper_id),
        code_links=(CodeLink(repo, "githubRepo"),) if repo else (),
        upvotes=_upvotes(paper.get("upvotes")),
    )


def _entry_results(index: int, entry: object) -> Iterator[ParseResult]:
    raw = json.dumps(entry, ensure_ascii=False)
    position = f"entry {index}"
    if not isinstance(entry, dict):
        yield Malformed(position, None, "entry is not a JSON object", raw)
        return
    paper = entry["paper"] if isinstance(entry.get("paper"), dict) else entry
    paper_id = _clean(paper.get("id"))
    if paper_id is None:
        yield Malformed(position, "id", "paper has no id", raw)
        return
    position = f"entry {index} (id {paper_id})"
    title = _clean(paper.get("title")) or _clean(entry.get("title"))
    if title is None:
        yield Malformed(position, "title", "paper has no title", raw)
        return
    work = _work(paper, entry, paper_id, title)
    yield Parsed(work, position, raw)
    ai_summary = _clean(paper.get("ai_summary"))
    if ai_summary:
        yield Parsed(AbstractRecord(work.key, ai_summary, kind="ai_summary"), position, raw)


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    # A daily list streams entry by entry (`json_stream`); a single paper is one record.
    entries = 0
    for piece in json_records(stream, limits):
        if isinstance(piece, JsonProblem):
            position = f"entry {piece.index + 1}" if piece.index is not None else "document"
            yield Malformed(position, None, piece.reason, piece.excerpt)
            entries += 1
        elif piece.key is not None:
            entries += 1
            yield from _guarded(piece.index + 1 if piece.index is not None else 1, piece.value)
        elif not piece.split and piece.value != []:
            entries += 1
            yield from _guarded(1, piece.value)
    if not entries:
        yield Empty("a day without papers")


def _guarded(index: int, entry: object) -> Iterator[ParseResult]:
    try:
        yield from _entry_results(index, entry)
    except Exception as error:  # one record's failure must not end the file
        yield Malformed(f"entry {index}", None, failure(error), excerpt(repr(entry)))


FORMATS = (
    Format(
        name="hf-daily",
        description="Hugging Face Daily Papers API JSON (daily list or single paper)",
        sniff=_sniff,
        parse=parse,
    ),
)

"""What a search result shows (the Daily Papers list layout): title, abstract snippet, author
count, date, upvotes; read for a page of hits in two queries, rendered as text or JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from paperscope.search.query import STOP_WORDS
from paperscope.search.service import SearchHit, SearchResults
from paperscope.store.schema import authorships, work_ids, works

SNIPPET_CHARS = 300


@dataclass(frozen=True, slots=True)
class ResultCard:
    work_id: int
    title: str
    abstract: str | None
    authors: tuple[str, ...]
    author_count: int
    published: date | None
    year: int | None
    upvotes: int | None
    category: str | None
    code_badge: bool


def load_cards(connection: Connection, ids: list[int]) -> dict[int, ResultCard]:
    """Cards of the works ``ids`` (missing works are left out)."""
    if not ids:
        return {}
    rows = connection.execute(select(works).where(works.c.id.in_(ids))).mappings().all()
    names: dict[int, list[str]] = {}
    query = (
        select(authorships.c.work_id, authorships.c.name)
        .where(authorships.c.work_id.in_(ids))
        .order_by(authorships.c.work_id, authorships.c.position)
    )
    for work_id, name in connection.execute(query):
        names.setdefault(work_id, []).append(name)
    cards = {}
    for row in rows:
        listed = names.get(row["id"], [])
        cards[row["id"]] = ResultCard(
            work_id=row["id"],
            title=row["title"],
            abstract=row["abstract"],
            authors=tuple(listed),
            author_count=max(row["author_count"] or 0, len(listed)),
            published=row["published"],
            year=row["year"],
            upvotes=row["upvotes"],
            category=row["primary_category"],
            code_badge=bool(row["code_badge"]),
        )
    return cards


def resolve_work(connection: Connection, reference: str) -> int | None:
    """A work id from ``123`` or an external id ``scheme:value`` (``arxiv:2106.01234``)."""
    reference = reference.strip()
    if reference.isdigit():
        return int(reference)
    if ":" not in reference:
        return None
    scheme, value = reference.split(":", 1)
    query = select(work_ids.c.work_id).where(
        work_ids.c.scheme == scheme.lower().strip(), work_ids.c.value == value.strip()
    )
    found = connection.execute(query).scalar()
    if found is None and scheme.lower() == "doi":
        query = select(work_ids.c.work_id).where(
            work_ids.c.scheme == "doi", work_ids.c.value == value.strip().lower()
        )
        found = connection.execute(query).scalar()
    return None if found is None else int(found)


def snippet(text: str | None, words: str = "", limit: int = SNIPPET_CHARS) -> str:
    """About ``limit`` characters of ``text``, starting near the first query word it contains."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    start = 0
    lowered = text.lower()
    for word in re.findall(r"\w+", words.lower()):
        if word in STOP_WORDS or len(word) < 3:
            continue
        at = lowered.find(word)
        if at > limit // 2:
            start = lowered.rfind(". ", 0, at) + 2 if lowered.rfind(". ", 0, at) > 0 else at
            break
        if at >= 0:
            break
    piece = text[start : start + limit]
    cut = piece.rfind(" ")
    piece = piece[:cut] if cut > limit // 2 else piece
    return ("… " if start else "") + piece + " …"


def format_date(card: ResultCard, today: date | None = None) -> str:
    today = today or date.today()
    if card.published:
        month = card.published.strftime("%b")
        if card.published.year == today.year:
            return f"{month} {card.published.day}"
        return f"{month} {card.published.day}, {card.published.year}"
    return str(card.year) if card.year else ""


def render_text(results: SearchResults, cards: dict[int, ResultCard], query: str = "") -> str:
    """The Daily Papers list layout, one block per hit."""
    first = (results.page - 1) * results.per_page + 1
    shown = len(results.hits)
    header = f"{results.mode} search: {results.total} result{'s' if results.total != 1 else ''}" + (
        f", showing {first}-{first + shown - 1}" if shown else ""
    )
    blocks = [header]
    if results.notice:
        blocks.append(f"note: {results.notice}")
    for hit in results.hits:
        card = cards.get(hit.work_id)
        if card is None:
            continue
        lines = [card.title, "", snippet(card.abstract, query) or "(no abstract)", ""]
        count = card.author_count
        lines.append(f"  • {count} author{'s' if count != 1 else ''}")
        lines.append("·")
        lines.append(format_date(card))
        if card.upvotes:
            lines.append(f"▲ {card.upvotes}")
        lines.append(f"[work {card.work_id}, score {hit.score:.4g}]")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def hit_json(hit: SearchHit, card: ResultCard | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "work_id": hit.work_id,
        "score": hit.score,
        "keyword_rank": hit.keyword_rank,
        "semantic_rank": hit.semantic_rank,
    }
    if card is not None:
        payload |= {
            "title": card.title,
            "abstract": card.abstract,
            "authors": list(card.authors),
            "author_count": card.author_count,
            "published": card.published.isoformat() if card.published else None,
            "year": card.year,
            "upvotes": card.upvotes,
            "category": card.category,
            "code": card.code_badge,
        }
    return payload


def results_json(results: SearchResults, cards: dict[int, ResultCard]) -> dict[str, Any]:
    return {
        "mode": results.mode,
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "notice": results.notice,
        "hits": [hit_json(hit, cards.get(hit.work_id)) for hit in results.hits],
    }

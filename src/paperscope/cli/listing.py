"""Search results and similar papers in the terminal: the Daily Papers list layout (title,
abstract snippet, author count, date, upvotes) as text, or JSON; the works come from the
read model, so they show what the web pages show.
"""

from __future__ import annotations

import re
from typing import Any

from paperscope.read.works import WorkSummary, short_date
from paperscope.search.query import STOP_WORDS
from paperscope.search.service import SearchHit, SearchResults

SNIPPET_CHARS = 300


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


def render_text(results: SearchResults, works: dict[int, WorkSummary], query: str = "") -> str:
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
        card = works.get(hit.work_id)
        if card is None:
            continue
        lines = [card.title, "", snippet(card.abstract, query) or "(no abstract)", ""]
        count = card.author_count
        lines.append(f"  • {count} author{'s' if count != 1 else ''}")
        lines.append("·")
        lines.append((card.day and short_date(card.day)) or card.date_label())
        if card.upvotes:
            lines.append(f"▲ {card.upvotes}")
        lines.append(f"[work {card.work_id}, score {hit.score:.4g}]")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def hit_json(hit: SearchHit, card: WorkSummary | None) -> dict[str, Any]:
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
            "authors": [author.name for author in card.authors],
            "author_count": card.author_count,
            "published": card.published.isoformat() if card.published else None,
            "year": card.year,
            "upvotes": card.upvotes,
            "category": card.primary_category,
            "code": card.has_code,
        }
    return payload


def results_json(results: SearchResults, works: dict[int, WorkSummary]) -> dict[str, Any]:
    return {
        "mode": results.mode,
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "notice": results.notice,
        "hits": [hit_json(hit, works.get(hit.work_id)) for hit in results.hits],
    }

"""A profile as text in the paper-site layout (fixtures/pages/author-profile-*.txt), or JSON.

Text layout: name, primary category tag, `h-index31`, `17papers`, `605citations`,
`Novelty46%`, `AI Score56`, for a resolved person the identity lines (`Identity confidence:`,
`Identity note:`), `17 Papers`, then per work a meta line (score on recent works,
tag, date, `Code`), the title, up to three authors then `et al.`, and the abstract. Dates are
`Apr 2` in `today`'s year and `Apr 11, 2023` otherwise; a work known only by its year shows
the year. The listing-text parser reads this layout back; header lines that are not metrics
are chrome to it, so the identity lines do not change what it reads.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from paperscope.definitions import EXPLANATIONS
from paperscope.metrics.profile import PersonProfile
from paperscope.read.person_records import PersonSummary
from paperscope.read.works import WorkSummary

SECTION_MARK = "=== "
CONFIDENCE_LABEL = "Identity confidence: "
NOTE_LABEL = "Identity note: "


def meta_line(entry: WorkSummary, today: date) -> str:
    score = f"{entry.score:.1f}" if entry.score is not None else ""
    code = "Code" if entry.has_code else ""
    return f"{score}{entry.tag or ''}{entry.date_label(today)}{code}"


def _number(value: float | None, suffix: str = "") -> str:
    return f"{round(value)}{suffix}" if value is not None else "-"


def profile_text(profile: PersonProfile) -> str:
    header = profile.header
    lines = [header.name, ""]
    if header.primary_category:
        lines.append(header.primary_category.rsplit(".", 1)[-1])
    lines += [
        f"h-index{header.h_index}",
        f"{header.papers}papers",
        f"{header.citations}citations",
        f"Novelty{_number(header.novelty_pct, '%')}",
        f"AI Score{_number(header.ai_score)}",
        "",
        *identity_lines(profile.person),
        f"{header.papers} Papers",
        "",
    ]
    for entry in profile.entries:
        lines += [meta_line(entry, profile.today), entry.title, ""]
        authors = entry.author_line
        if authors:
            lines += [authors, ""]
        if entry.abstract:
            lines += [entry.abstract, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def identity_lines(person: PersonSummary) -> list[str]:
    """Why these works are one person and how sure that is, then a blank line; nothing when
    resolve stored neither (provisional people)."""
    lines: list[str] = []
    if person.confidence is not None:
        explanation = EXPLANATIONS["identity confidence"]
        lines.append(f"{CONFIDENCE_LABEL}{person.confidence:.2f}. {explanation}")
    if person.note:
        # One labelled line whatever the note holds: a note line reading like a date or a
        # metric would otherwise start a paper entry or a header number for the parser.
        lines.append(NOTE_LABEL + " ".join(person.note.split()))
    return [*lines, ""] if lines else []


def namesakes_text(name: str, people: list[PersonSummary]) -> str:
    """The note shown when a name matches several people, and what tells them apart."""
    lines = [f"{name!r} matches {len(people)} people; each profile below uses only its own works:"]
    for number, person in enumerate(people, start=1):
        lines.append(f"  {number}. {describe(person)}")
    return "\n".join(lines) + "\n"


def describe(person: PersonSummary) -> str:
    who = f"person {person.person_id}" if person.person_id is not None else "provisional"
    years = (
        f"{person.first_year}-{person.last_year}" if person.first_year is not None else "years ?"
    )
    categories = ", ".join(person.top_categories) or "no category"
    coauthors = ", ".join(
        co.name + (f" (person {co.person_id})" if co.person_id is not None else "")
        for co in person.top_coauthors
    )
    text = f"{person.name} [{who}, key {person.person_key}]: {person.papers} papers, {years}, "
    return text + f"{categories}; with {coauthors or 'no co-authors'}"


def section_heading(number: int, total: int, person: PersonSummary) -> str:
    return f"{SECTION_MARK}{number} of {total}: {describe(person)}"


def profile_json(profile: PersonProfile) -> dict[str, Any]:
    header = profile.header
    person = profile.person
    return {
        "person_id": person.person_id,
        "person_key": person.person_key,
        "provisional": person.provisional,
        "identity_confidence": person.confidence,
        "identity_note": person.note,
        "name": header.name,
        "primary_category": header.primary_category,
        "h_index": header.h_index,
        "papers": header.papers,
        "citations": header.citations,
        "i10_index": header.i10_index,
        "g_index": header.g_index,
        "novelty_pct": header.novelty_pct,
        "ai_score": header.ai_score,
        "first_year": header.first_year,
        "last_year": header.last_year,
        "citations_per_year": dict(profile.citations_per_year),
        "coauthors": [
            {"name": co.name, "person_id": co.person_id, "shared_works": co.shared_works}
            for co in profile.coauthors
        ],
        "explanations": dict(profile.explanations),
        **explore_json(profile),
        "works": [_entry_json(entry) for entry in profile.entries],
    }


def explore_json(profile: PersonProfile) -> dict[str, Any]:
    """Author positions, the co-author graph and topics over time, as /api/author has them."""
    return {
        "positions": asdict(profile.positions),
        "coauthor_graph": asdict(profile.coauthor_graph),
        "topics": asdict(profile.topics),
    }


def _entry_json(entry: WorkSummary) -> dict[str, Any]:
    return {
        "work_id": entry.work_id,
        "title": entry.title,
        "tag": entry.tag,
        "category": entry.primary_category,
        "published": entry.published.isoformat() if entry.published else None,
        "year": entry.year,
        "venue": entry.venue,
        "code": entry.has_code,
        "code_urls": list(entry.code_urls),
        "authors": [{"name": a.name, "person_id": a.person_id} for a in entry.authors],
        "author_count": entry.author_count,
        "authors_truncated": entry.authors_truncated,
        "abstract": entry.abstract,
        "recent": entry.recent,
        "score": entry.score,
        "ai_score": entry.ai_score,
        "novelty_pct": entry.novelty_pct,
        "citation_pct": entry.citation_pct,
        "citations": entry.citations,
        "in_corpus_citations": entry.in_corpus_citations,
        "reported_citations": entry.reported_citations,
        "citation_source": entry.citation_source,
    }

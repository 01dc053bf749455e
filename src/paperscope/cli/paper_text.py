"""A paper and the day's list as text: what the paper page, Daily Papers and Trending show.

Paper: title, every author (with person ids), then labelled lines (score, categories, date,
venue, identifiers, source page, code, citations in this database and as each source reports
them, references, upvotes), the abstract, the similar works, and a page of the reference
list and of the citing works.
Lists show each work as a Daily Papers entry does: a meta line (AI score on recent works,
category tag, day, `Code`), the title, the first three authors then `et al.`, an abstract
snippet, and the author count, day and upvotes.
"""

from __future__ import annotations

from datetime import date

from paperscope.cli.listing import snippet
from paperscope.read.lists import DailyList, TrendingEntry
from paperscope.read.works import WorkSummary, short_date
from paperscope.web.papers import PaperPage


def _authors(work: WorkSummary) -> str:
    names = [
        author.name + (f" [person {author.person_id}]" if author.person_id is not None else "")
        for author in work.authors
    ]
    line = ", ".join(names)
    if work.authors_truncated or work.author_count > len(work.authors):
        line += f" et al. ({work.author_count} authors)"
    return line


def _citations(page: PaperPage) -> list[str]:
    work = page.work
    reported = ", ".join(f"{s} {n}" for s, n in sorted(page.citations_reported.items()))
    return [
        f"Citations: {work.citations} (uses {work.citation_source}: the larger count)",
        f"  in this database: {work.in_corpus_citations} citing works",
        f"  reported: {reported or 'none known'}",
        f"References in this database: {page.references_in_corpus}",
    ]


def paper_text(page: PaperPage, today: date | None = None) -> str:
    work = page.work
    lines = [work.title, ""]
    if work.authors:
        lines += [_authors(work), ""]
    if work.score is not None:
        lines.append(f"AI score: {work.score:.1f} (a work under 2 years old)")
    if page.categories:
        lines.append("Categories: " + ", ".join(page.categories))
    if work.published or work.year:
        lines.append(f"Published: {work.date_label(today)}")
    if work.day and work.day != work.published:
        lines.append(f"Featured: {short_date(work.day, today)}")
    if work.venue:
        lines.append(f"Venue: {work.venue}" + (f", {work.year}" if work.year else ""))
    for ident in page.identifiers:
        lines.append(f"{ident.scheme}: {ident.value}" + (f" ({ident.url})" if ident.url else ""))
    if page.url:
        lines.append(f"Source page: {page.url}")
    lines += [f"Code: {url}" for url in work.code_urls]
    if work.code_badge and not work.code_urls:
        lines.append("Code: the source page shows a Code badge; no link is known")
    lines += _citations(page)
    lines.append(f"Upvotes: {work.upvotes if work.upvotes is not None else 'not counted'}")
    lines += ["", "Abstract:", work.abstract or "No abstract is known."]
    if page.similar_notice:
        lines += ["", f"Similar papers: {page.similar_notice}"]
    if page.similar:
        lines += ["", "Similar papers:"]
        lines += [_work_line(w, today) for w in page.similar]
    lines += _references(page, today) + _cited_by(page, today)
    return "\n".join(lines) + "\n"


def _work_line(work: WorkSummary, today: date | None, lead: str = "  ") -> str:
    return f"{lead}[work {work.work_id}] {work.title} ({work.date_label(today)})"


def _page_note(page: int, pages: int) -> str:
    return f", page {page} of {pages}" if pages > 1 else ""


def _references(page: PaperPage, today: date | None) -> list[str]:
    """The reference list's page: resolved entries as works, the rest as cited."""
    listed = page.references
    if not listed.total:
        return []
    lines = [
        "",
        f"References ({listed.total}, {listed.resolved} in this database"
        f"{_page_note(listed.page, listed.pages)}):",
    ]
    for ref in listed.references:
        lead = f"  {ref.position}. "
        if ref.work is not None:
            lines.append(_work_line(ref.work, today, lead))
        else:
            lines.append(f"{lead}cited as: {ref.cited_as}" + (f" <{ref.url}>" if ref.url else ""))
    return lines


def _cited_by(page: PaperPage, today: date | None) -> list[str]:
    listed = page.cited_by
    if not listed.total:
        return []
    order = "newest first" if listed.sort == "newest" else "most cited first"
    lines = ["", f"Cited by ({listed.total}, {order}{_page_note(listed.page, listed.pages)}):"]
    return lines + [_work_line(w, today) for w in listed.works]


def entry_lines(entry: WorkSummary, today: date | None = None) -> list[str]:
    """One list entry as the web's `entry_card` shows it."""
    day = short_date(entry.day, today) if entry.day else entry.date_label(today)
    meta = [
        f"{entry.score:.1f}" if entry.score is not None else "",
        entry.tag or "",
        day,
        "Code" if entry.has_code else "",
    ]
    lines = [" · ".join(part for part in meta if part), entry.title]
    if entry.author_line:
        lines.append(entry.author_line)
    lines.append(snippet(entry.abstract) or "(no abstract)")
    count = entry.author_count
    bottom = [f"{count} author{'s' if count != 1 else ''}", day]
    if entry.upvotes is not None:
        bottom.append(f"▲ {entry.upvotes}")
    if entry.venue:
        bottom.append(entry.venue)
    lines.append(" · ".join(part for part in bottom if part))
    return lines


def daily_text(daily: DailyList, today: date | None = None) -> str:
    around = [
        f"previous day {daily.previous_day.isoformat()}" if daily.previous_day else "",
        f"next day {daily.next_day.isoformat()}" if daily.next_day else "",
    ]
    neighbours = "; ".join(part for part in around if part)
    header = f"Daily Papers: {daily.day.isoformat()}, {len(daily.entries)} papers" + (
        f" ({neighbours})" if neighbours else ""
    )
    blocks = [header]
    for entry in daily.entries:
        blocks.append("\n".join([*entry_lines(entry, today), f"[work {entry.work_id}]"]))
    return "\n\n".join(blocks) + "\n"


def trending_text(entries: list[TrendingEntry], today: date | None = None) -> str:
    blocks = [f"Trending papers: {len(entries)}, by (upvotes + 1) / (age in hours + 2)^1.5"]
    for item in entries:
        trailer = (
            f"[work {item.entry.work_id}, trending {item.trending_score:.4g}, "
            f"{item.age_hours:.0f} h old]"
        )
        blocks.append("\n".join([*entry_lines(item.entry, today), trailer]))
    return "\n\n".join(blocks) + "\n"

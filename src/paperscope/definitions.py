"""The definitions behind every number, in one place: their version and one-line explanations.

Bump `VERSION` whenever a definition changes: stored results carry it, and `paperscope score`
recomputes everything whose version differs. docs/metrics.md gives the full definitions.
"""

from __future__ import annotations

from types import MappingProxyType

VERSION = "2026.11.1"
RECENT_YEARS = 2
"""Works younger than this (in years) show an AI score; older works have citations instead."""
DOCS = "docs/metrics.md"
I10_MIN_CITATIONS = 10
"""The i10-index counts works with at least this many citations."""
PERCENTILE_DECIMALS = 6
"""Stored scores and percentiles are rounded to this many decimals."""

EXPLANATIONS = MappingProxyType(
    {
        "papers": "Works listed on this profile; every other number is computed from them.",
        "citations": (
            "Sum over the listed works of the larger of two counts: citing works stored here "
            "(in corpus) and the count a source reports (OpenAlex, Semantic Scholar)."
        ),
        "h-index": "The largest h such that h of the listed works have at least h citations each.",
        "i10-index": "The number of listed works with at least 10 citations.",
        "g-index": (
            "The largest g such that the g most cited listed works have at least g² citations "
            "together (at most the number of works)."
        ),
        "citations per year": (
            "Citing works stored here, by the citing work's year (works of unknown year are "
            "left out); reported counts have no years, so the total can be larger."
        ),
        "primary category": "The most frequent primary category over the listed works.",
        "Novelty %": (
            "Mean over the listed works of their novelty percentile: 1 minus the highest cosine "
            "similarity to any earlier work, ranked within the same year and category."
        ),
        "AI Score": (
            "Mean over the listed works of the AI score (works under 2 years old) or of the "
            "actual citation percentile in the same month and category (older works)."
        ),
        "score": (
            "AI score of a recent work: percentile, among works of the same month and category, "
            "of its predicted citations after 2 years (gradient boosting on text, venue, "
            "authors' prior h-index, author count, code, category)."
        ),
        "first/last year": "Publication years of the earliest and the latest listed work.",
        "identity confidence": (
            "How sure paperscope is that one person wrote all the listed works: the mean, over "
            "pairs of them, of the identity model's probability that both are by the same "
            "person (1 = certain; a low value means they may be more than one person)."
        ),
        "author positions": (
            "Of the listed works: first author (position 1 of two or more), last author "
            "(position = the work's author count, two or more), sole author (single-author "
            "works count here only), middle, and unknown (the person is hidden behind et al.)."
        ),
        "co-author graph": (
            "The person and the co-authors with the most shared listed works; a line joins "
            "two people who wrote one of these works together, thicker for more such works."
        ),
        "topics over time": (
            "Per year, how many listed works have each of the person's most frequent title "
            "terms (words or word pairs in at least two works) and primary categories."
        ),
        "venue": (
            "Works whose printed venue reduces to the same key: case, accents and punctuation "
            "folded, years, ordinals (43rd, Third), volume marks ((3), Volume 1) and a leading "
            "'Proceedings of the' dropped."
        ),
        "category": (
            "Works listing this arXiv category among their categories (cross-lists included); "
            "a short tag such as CL names the category with most works ending in .CL."
        ),
        "top papers": (
            "Works of this venue or category by citations: the larger of citing works stored "
            "here and the count a source reports, as everywhere; then newest first."
        ),
        "top people": (
            "People with the most works here (or most citations of them): resolved people by "
            "person, authorships not yet resolved by their normalised printed name."
        ),
        "volume per year": "Works here per publication year (works without a year left out).",
        "rising topics": (
            "Title terms whose share of works grew in the last months (up to the newest work; "
            "a work known only by its year counts on 1 July) against the 3 years before: "
            "a of n recent works and b of m earlier works have the term; smoothed log-odds "
            "ratio ln((a+.5)/(n-a+.5)) - ln((b+.5)/(m-b+.5)) over its standard error is z; "
            "listed when a >= 3 and z >= 1.96, by z, one term per word."
        ),
    }
)

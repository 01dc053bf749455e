"""Expert finding: the people whose works match a topic (a query or a pasted abstract).

1. **Matching works.** The text is searched two ways over the whole corpus: keyword (BM25
   over its first `QUERY_TERMS` distinct non-stop words: the works with all of them first,
   then those with any of them) and meaning (cosine of the stored
   embeddings, when `paperscope enrich` has run). Each list keeps its best `depth` works;
   the lists are fused by reciprocal rank fusion, `rrf(w) = 1/(60 + keyword rank) +
   1/(60 + semantic rank)` (a missing rank adds nothing), and a work's **match** is its
   fused score relative to the best work's: 1.0 for the best match, less for the others.
2. **Impact.** Each matching work weighs `1 + IMPACT x ln(1 + citations)`, its citations
   as every page shows them (`WorkSummary.citations`).
3. **People.** Every author of a matching work gets the work's `match x weight` (a
   contribution; a person is `authorships.person_id`, an author `resolve` has not reached
   is a provisional person keyed by the printed name's key). A person's score adds up
   their contributions, largest first, with the position weights `BEST_WORKS`; people are
   ranked by it (ties: more matching works, then the key). Each shows its top
   `EVIDENCE_WORKS` contributions. `how_ranked` words the same from the constants.

`bench/experts.py` measures the ranking on held-out papers of AAN and ACM-CR (do their own
authors rank high for their abstract?) beside BM25 over people, and chose the constants on
its dev samples; docs/experts.md has the numbers and the variants tried.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from paperscope.config import Settings
from paperscope.embeddings.encoders import get_encoder
from paperscope.embeddings.index import open_index
from paperscope.errors import QueryError
from paperscope.read.people import person_summaries
from paperscope.read.person_records import PersonRef, PersonSummary
from paperscope.read.works import (
    WorkSummary,
    citation_counts,
    in_corpus_citations,
    load_works,
    reported_counts,
    used_citations,
)
from paperscope.search.bm25 import Bm25Index, bm25_index
from paperscope.search.filters import SearchFilters
from paperscope.search.keyword import keyword_page
from paperscope.search.query import ParsedQuery, Term, check_length, parse_query
from paperscope.search.service import RRF_K, active_model
from paperscope.store import Store
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, references

MAX_TEXT_CHARS = 10_000
"""The longest query or pasted abstract (a long abstract is about 3,000 characters)."""
QUERY_TERMS = 30
DEPTH = 50
"""Works each list (keyword, semantic) contributes."""
TIE_SLACK = 20
IMPACT = 0.05
"""How strongly citations weigh: a work's weight is 1 + IMPACT x ln(1 + citations)."""
BEST_WORKS: tuple[float, ...] | None = (1.0, 1 / 2, 1 / 3)
"""How a person's contributions add up, largest first: the first weighs BEST_WORKS[0], the
second BEST_WORKS[1], ..., the ones after the last not at all (None: all, weight 1)."""
MAX_PEOPLE = 200
"""Ranked people a result keeps (the pages are cut from them)."""
PER_PAGE = 10
MAX_PER_PAGE = 50
EVIDENCE_WORKS = 3

_ORDINALS = ("largest", "second", "third", "fourth", "fifth", "sixth")


def _aggregate_text(best: Sequence[float] | None) -> str:
    """How contributions add up, in words: "their largest contribution + 1/2 x the second"."""
    if best is None:
        return "the sum of all their contributions"
    if all(weight == 1.0 for weight in best):
        return f"the sum of their {len(best)} largest contributions"
    parts = []
    for position, weight in enumerate(best[: len(_ORDINALS)]):
        share = "" if weight == 1.0 else f"{weight:.2g} × "
        what = "their largest contribution" if position == 0 else f"the {_ORDINALS[position]}"
        parts.append(f"{share}{what}")
    return " + ".join(parts)


def how_ranked(
    depth: int = DEPTH, strength: float = IMPACT, best: Sequence[float] | None = BEST_WORKS
) -> str:
    """The explanation every experts and reviewers page shows, from the constants in use."""
    return (
        "Matching works: the text is searched by keyword (BM25 over titles, abstracts, "
        "authors and venues; works with every word first, then works with any) and by "
        f"meaning (embedding cosine); each list keeps its best "
        f"{depth} works and the two are fused by reciprocal rank fusion (1/(60 + rank) from "
        "each list). A work's match is its fused score divided by the best work's (1.0 = the "
        f"best match). A work weighs 1 + {strength:g} × ln(1 + citations). Each author of a "
        "matching work gets match × weight from it (a contribution); a person's score is "
        f"{_aggregate_text(best)}, and people are ranked by it. Authors not yet resolved into "
        "people are grouped by their printed name."
    )


@dataclass(frozen=True, slots=True)
class WorkMatch:
    """One matching work: its match (fused score over the best one's) and its ranks."""

    work_id: int
    match: float
    keyword_rank: int | None
    semantic_rank: int | None


@dataclass(frozen=True, slots=True)
class Matches:
    """The works matching a text, best first, and how they were found."""

    works: tuple[WorkMatch, ...]
    mode: str
    """hybrid (keyword and meaning), or keyword when there are no embeddings yet."""
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one matching work adds to a person's score: `match x impact`."""

    work_id: int
    match: float
    citations: int
    impact: float
    """The work's weight, 1 + IMPACT x ln(1 + citations)."""
    points: float


@dataclass(frozen=True, slots=True)
class RankedPerson:
    ref: PersonRef
    score: float
    matching_works: int
    contributions: tuple[Contribution, ...]
    """All the person's matching works, the largest contribution first."""

    @property
    def key(self) -> str:
        return self.ref.key


@dataclass(frozen=True, slots=True)
class Expert:
    """A ranked person as the pages and the CLI show them, with the works behind the rank."""

    rank: int
    person: PersonSummary
    score: float
    matching_works: int
    contributions: tuple[Contribution, ...]
    """The top `EVIDENCE_WORKS` contributions, in `works` order."""
    works: tuple[WorkSummary, ...]


@dataclass(frozen=True, slots=True)
class ExpertResults:
    query: str
    mode: str
    notice: str | None
    matched_works: int
    total: int
    """Ranked people (at most `MAX_PEOPLE`)."""
    page: int
    per_page: int
    pages: int
    experts: tuple[Expert, ...]
    how: str = field(default_factory=how_ranked)


# --- matching works -------------------------------------------------------------------------


def check_text(text: str | None) -> str:
    """The query or abstract, stripped; QueryError when it is empty or too long."""
    return check_length(text or "", MAX_TEXT_CHARS)


def query_terms(text: str, limit: int = QUERY_TERMS) -> ParsedQuery:
    """The first `limit` distinct non-stop words of `text`, as a BM25 "any word" query.
    (Phrases and prefixes are not kept: a pasted abstract's quotes and stars are text.)"""
    cleaned = text.replace('"', " ").replace("*", " ")
    terms = parse_query(cleaned, MAX_TEXT_CHARS, max_terms=10 * MAX_TEXT_CHARS).terms
    return ParsedQuery(tuple(dict.fromkeys(Term(t.words) for t in terms))[:limit])


def fuse(keyword: Sequence[int], semantic: Sequence[int]) -> tuple[WorkMatch, ...]:
    """Reciprocal rank fusion of two best-first lists, scaled so the best work has 1.0."""
    keyword_rank = {work_id: rank for rank, work_id in enumerate(keyword, 1)}
    semantic_rank = {work_id: rank for rank, work_id in enumerate(semantic, 1)}
    fused: list[tuple[float, int]] = []
    for work_id in dict.fromkeys([*keyword, *semantic]):
        kr, sr = keyword_rank.get(work_id), semantic_rank.get(work_id)
        score = (1 / (RRF_K + kr) if kr else 0.0) + (1 / (RRF_K + sr) if sr else 0.0)
        fused.append((score, work_id))
    fused.sort(key=lambda item: (-item[0], item[1]))
    if not fused:
        return ()
    best = fused[0][0]
    return tuple(
        WorkMatch(work_id, score / best, keyword_rank.get(work_id), semantic_rank.get(work_id))
        for score, work_id in fused
    )


def keyword_matches(
    connection: Connection,
    text: str,
    depth: int,
    hidden: frozenset[int] = frozenset(),
    bm25: Bm25Index | None = None,
) -> list[int]:
    """The best `depth` works with every query word, then, when fewer have them all, the
    best of the works with any of them. Ranking every work with any word of a topic is what
    costs: at a million works "graph neural networks" has 158k works with any of its words
    (0.4 s to rank on PostgreSQL), 24k with all three (0.13 s); the BM25 index prunes both.

    `hidden` works are left out by the query (the BM25 index excludes them by id), so the
    others keep their scores: a filter leaves the collection statistics as they are."""
    terms = query_terms(text)

    def best(operator: str) -> list[int]:
        page = keyword_page(
            connection,
            terms,
            SearchFilters(),
            depth,
            operator=operator,
            count=False,
            bm25=bm25,
            excluded=hidden,
        )
        return list(page.ids)

    every = best("AND")
    if len(every) == depth or len(terms.terms) < 2:
        return every
    # The best `depth` with any word hold at least `depth - len(every)` of the others.
    found = set(every)
    return (every + [work_id for work_id in best("OR") if work_id not in found])[:depth]


def semantic_matches(
    store: Store, settings: Settings, text: str, depth: int, hidden: frozenset[int] = frozenset()
) -> list[int] | None:
    """Best-first work ids by cosine to the text's embedding; None without embeddings."""
    model = active_model(store, settings)
    index = open_index(store, settings.data_dir, model)
    if index.size == 0:
        return None
    vector = get_encoder(model, settings.data_dir).encode([text])[0]
    # A few more than needed, ordered by (cosine, id): works with the same text (the same
    # vector) tie, and the index orders ties arbitrarily; this way a ranking never depends
    # on how many were asked for.
    found = index.search(vector, depth + len(hidden) + TIE_SLACK)
    found.sort(key=lambda hit: (-hit[1], hit[0]))
    return [work_id for work_id, _ in found if work_id not in hidden][:depth]


def match_works(
    store: Store,
    settings: Settings,
    text: str,
    depth: int = DEPTH,
    hidden: frozenset[int] = frozenset(),
) -> Matches:
    """The works matching `text`, best first. `hidden`: works the ranking must not see (an
    evaluation hides the paper whose authors it looks for)."""
    text = check_text(text)
    with store.connect() as connection:
        keyword = keyword_matches(connection, text, depth, hidden, bm25_index(store, settings))
    semantic = semantic_matches(store, settings, text, depth, hidden)
    if semantic is None:
        notice = "no embeddings yet (run `paperscope enrich`): works matched by keyword only"
        return Matches(fuse(keyword, []), "keyword", notice)
    return Matches(fuse(keyword, semantic), "hybrid")


# --- people ---------------------------------------------------------------------------------


def impact(citations: int, strength: float = IMPACT) -> float:
    """The weight of a work with `citations` citations: 1 + strength x ln(1 + citations)."""
    return 1.0 + strength * math.log1p(max(citations, 0))


def credited_people(connection: Connection, ids: Sequence[int]) -> dict[int, tuple[PersonRef, ...]]:
    """The people each work credits, in author order: resolved people by id, the others
    (not yet resolved) as provisional people by name key; each person once per work."""
    query = (
        select(authorships.c.work_id, authorships.c.person_id, authorships.c.name_key)
        .where(in_list(authorships.c.work_id, ids))
        .order_by(authorships.c.work_id, authorships.c.position)
    )
    credited: dict[int, dict[str, PersonRef]] = {}
    for work_id, person_id, key in connection.execute(query):
        if person_id is None and not key:
            continue
        ref = PersonRef(person_id, "" if person_id is not None else key)
        credited.setdefault(work_id, {}).setdefault(ref.key, ref)
    return {work_id: tuple(refs.values()) for work_id, refs in credited.items()}


def rank_people(
    matches: Iterable[WorkMatch],
    credited: Mapping[int, Sequence[PersonRef]],
    citations: Mapping[int, int],
    strength: float = IMPACT,
    best: Sequence[float] | None = BEST_WORKS,
) -> list[RankedPerson]:
    """People ranked by their contributions (`match x impact`), largest first, weighted by
    position with `best` (all of them, each weight 1, when `best` is None)."""
    gathered: dict[str, tuple[PersonRef, list[Contribution]]] = {}
    for found in matches:
        cited = citations.get(found.work_id, 0)
        weight = impact(cited, strength)
        contribution = Contribution(found.work_id, found.match, cited, weight, found.match * weight)
        for ref in credited.get(found.work_id, ()):
            gathered.setdefault(ref.key, (ref, []))[1].append(contribution)
    ranked = []
    for ref, contributions in gathered.values():
        contributions.sort(key=lambda c: (-c.points, c.work_id))
        weights = best if best is not None else [1.0] * len(contributions)
        score = math.fsum(w * c.points for w, c in zip(weights, contributions, strict=False))
        ranked.append(RankedPerson(ref, score, len(contributions), tuple(contributions)))
    ranked.sort(key=lambda person: (-person.score, -person.matching_works, person.key))
    return ranked


def hidden_citations(
    connection: Connection, ids: Sequence[int], hidden: frozenset[int]
) -> dict[int, int]:
    """Distinct hidden works citing each of `ids` (an evaluation takes them off the count)."""
    if not hidden:
        return {}
    query = (
        select(references.c.cited_work_id, references.c.citing_work_id)
        .where(
            in_list(references.c.cited_work_id, ids),
            in_list(references.c.citing_work_id, sorted(hidden)),
            references.c.citing_work_id != references.c.cited_work_id,
        )
        .distinct()
    )
    counts: dict[int, int] = {}
    for cited, _ in connection.execute(query):
        counts[cited] = counts.get(cited, 0) + 1
    return counts


def work_citations(
    connection: Connection, ids: Sequence[int], hidden: frozenset[int] = frozenset()
) -> dict[int, int]:
    """Citations as the pages show them (`WorkSummary.citations`), the hidden citing works
    taken off the in-corpus count (where that is the count used: a source's reported count
    cannot be taken apart)."""
    if not hidden:
        return citation_counts(connection, ids)
    cited = in_corpus_citations(connection, ids)
    reported = reported_counts(connection, ids)
    taken = hidden_citations(connection, ids, hidden)
    return {
        work_id: used_citations(
            cited.get(work_id, 0) - taken.get(work_id, 0), reported.get(work_id)
        )
        for work_id in ids
    }


def rank_experts(
    store: Store,
    settings: Settings,
    text: str,
    depth: int = DEPTH,
    hidden: frozenset[int] = frozenset(),
) -> tuple[Matches, list[RankedPerson]]:
    """The matching works and every person credited on one, ranked."""
    found = match_works(store, settings, text, depth, hidden)
    ids = [match.work_id for match in found.works]
    with store.connect() as connection:
        credited = credited_people(connection, ids)
        citations = work_citations(connection, ids, hidden)
    return found, rank_people(found.works, credited, citations)


# --- the page -------------------------------------------------------------------------------


def check_paging(page: int, per_page: int, window: int = MAX_PEOPLE) -> None:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE} (got {per_page})")
    if page < 1:
        raise QueryError(f"page must be 1 or more (got {page})")
    if (page - 1) * per_page >= window:
        raise QueryError(f"page {page} is out of range: ranked people stop at {window}")


def describe(connection: Connection, ranked: Sequence[RankedPerson], first: int) -> list[Expert]:
    """The ranked people as shown: their summaries and their top contributing works."""
    evidence = [c for person in ranked for c in person.contributions[:EVIDENCE_WORKS]]
    entries = {e.work_id: e for e in load_works(connection, [c.work_id for c in evidence])}
    # one summary query set for the page, not one per person (10 people: 0.36 s at 1M)
    summaries = person_summaries(connection, [(person.ref, None) for person in ranked])
    experts = []
    for rank, (person, summary) in enumerate(zip(ranked, summaries, strict=True), first):
        top = [c for c in person.contributions[:EVIDENCE_WORKS] if c.work_id in entries]
        experts.append(
            Expert(
                rank=rank,
                person=summary,
                score=person.score,
                matching_works=person.matching_works,
                contributions=tuple(top),
                works=tuple(entries[c.work_id] for c in top),
            )
        )
    return experts


def pages_of(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page)) if total else 0


def find_experts(
    store: Store, settings: Settings, text: str, page: int = 1, per_page: int = PER_PAGE
) -> ExpertResults:
    """People ranked for a topic (a query or a pasted abstract), one page of them."""
    text = check_text(text)
    check_paging(page, per_page)
    found, ranked = rank_experts(store, settings, text)
    ranked = ranked[:MAX_PEOPLE]
    start = (page - 1) * per_page
    with store.connect() as connection:
        experts = describe(connection, ranked[start : start + per_page], start + 1)
    return ExpertResults(
        query=text,
        mode=found.mode,
        notice=found.notice,
        matched_works=len(found.works),
        total=len(ranked),
        page=page,
        per_page=per_page,
        pages=pages_of(len(ranked), per_page),
        experts=tuple(experts),
    )

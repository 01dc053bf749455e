"""What a profile shows about how a person works, computed from exactly its listed works:
the author positions (first, last, sole), the co-author graph, and topics over time.

Author positions (from `authorships.position` and the work's author count, which counts
authors a source printed as `et al.` too):
- *sole*: the work has one author; single-author works count here only, neither as first
  nor as last;
- *first*: position 1 of two or more authors; *last*: position = author count (two or more);
- *middle*: any other printed position;
- *unknown*: the person is not among the printed authors (a source's author profile lists
  the work, but the work's page hides them behind `et al.`).
Shares are of all listed works, so first + last + sole + middle + unknown = papers.

Co-author graph: the person and their `GRAPH_COAUTHORS` co-authors with the most shared
works (ties as on the profile's co-author list); an edge joins the person to each, weighted
by shared works, and two co-authors who are both authors of one of the person's works,
weighted by how many such works.

Topics over time: per year, how many of the person's works have each of their most
frequent title terms (`metrics.terms`; terms of at least two dated works, most works first,
word pairs before single words on a tie, a term sharing a word with one chosen before it
left out) and each of their most frequent primary categories. Undated works are left out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from paperscope.metrics.terms import TermCounter
from paperscope.read.person_records import PersonRef
from paperscope.read.works import AuthorRef, WorkSummary

GRAPH_COAUTHORS = 12
TOPIC_TERMS = 8
TOPIC_CATEGORIES = 6
MIN_TERM_WORKS = 2


@dataclass(frozen=True, slots=True)
class AuthorPositions:
    papers: int
    first: int
    last: int
    sole: int
    middle: int
    unknown: int
    first_share: float | None
    """first / papers (None without papers); likewise the other shares."""
    last_share: float | None
    sole_share: float | None


@dataclass(frozen=True, slots=True)
class GraphNode:
    person_key: str
    """`person:<id>` or `name:<name key>` (an authorship no person claims)."""
    person_id: int | None
    name: str
    works: int
    """Works shared with the person (for the person: all their listed works)."""


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source: int
    """Index into `nodes` (0 is the person)."""
    target: int
    works: int


@dataclass(frozen=True, slots=True)
class CoauthorGraph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    coauthors: int
    """All distinct co-authors (the graph shows at most GRAPH_COAUTHORS)."""


@dataclass(frozen=True, slots=True)
class TopicRow:
    topic: str
    works: int
    per_year: tuple[tuple[int, int], ...]
    """(year, works of that year with the topic), years without any left out."""


@dataclass(frozen=True, slots=True)
class TopicsOverTime:
    years: tuple[int, ...]
    """Every year from the first to the last of the person's dated works."""
    terms: tuple[TopicRow, ...]
    categories: tuple[TopicRow, ...]


def _own_author(ref: PersonRef, work: WorkSummary) -> AuthorRef | None:
    for author in work.authors:
        if ref.is_own(author.person_id, author.name_key):
            return author
    return None


def author_positions(ref: PersonRef, works: Sequence[WorkSummary]) -> AuthorPositions:
    counts: Counter[str] = Counter()
    for work in works:
        own = _own_author(ref, work)
        if own is None or own.position is None:
            counts["unknown"] += 1
        elif work.author_count <= 1:
            counts["sole"] += 1
        elif own.position == 1:
            counts["first"] += 1
        elif own.position == work.author_count:
            counts["last"] += 1
        else:
            counts["middle"] += 1
    papers = len(works)

    def share(kind: str) -> float | None:
        return round(counts[kind] / papers, 4) if papers else None

    return AuthorPositions(
        papers=papers,
        first=counts["first"],
        last=counts["last"],
        sole=counts["sole"],
        middle=counts["middle"],
        unknown=counts["unknown"],
        first_share=share("first"),
        last_share=share("last"),
        sole_share=share("sole"),
    )


def _identity(author: AuthorRef) -> tuple[str, int | None]:
    """A co-author's identity, as `read.people.rank_coauthors` tells them apart."""
    return (author.name_key if author.person_id is None else "", author.person_id)


def coauthor_graph(
    ref: PersonRef, name: str, works: Sequence[WorkSummary], limit: int = GRAPH_COAUTHORS
) -> CoauthorGraph:
    shared: Counter[tuple[str, int | None]] = Counter()
    printed: defaultdict[tuple[str, int | None], Counter[str]] = defaultdict(Counter)
    per_work: list[set[tuple[str, int | None]]] = []
    for work in works:
        others = set()
        for author in work.authors:
            if ref.is_own(author.person_id, author.name_key):
                continue
            identity = _identity(author)
            others.add(identity)
            printed[identity][author.name] += 1
        shared.update(others)
        per_work.append(others)
    ranked = sorted(shared, key=lambda i: (-shared[i], i[0], i[1] or 0))[:limit]
    index = {identity: number for number, identity in enumerate(ranked, start=1)}
    nodes = [GraphNode(ref.key, ref.person_id, name, len(works))]
    for identity in ranked:
        names = printed[identity]
        key = f"person:{identity[1]}" if identity[1] is not None else f"name:{identity[0]}"
        best = min(names, key=lambda text: (-names[text], text))
        nodes.append(GraphNode(key, identity[1], best, shared[identity]))
    pairs: Counter[tuple[int, int]] = Counter()
    for others in per_work:
        shown = sorted(index[i] for i in others if i in index)
        pairs.update(combinations(shown, 2))
    edges = [GraphEdge(0, index[identity], shared[identity]) for identity in ranked]
    edges += [GraphEdge(a, b, n) for (a, b), n in sorted(pairs.items())]
    return CoauthorGraph(tuple(nodes), tuple(edges), len(shared))


def _row(topic: str, years: Counter[int]) -> TopicRow:
    return TopicRow(topic, sum(years.values()), tuple(sorted(years.items())))


def topics_over_time(works: Sequence[WorkSummary]) -> TopicsOverTime:
    counter = TermCounter()
    term_years: defaultdict[str, Counter[int]] = defaultdict(Counter)
    category_years: defaultdict[str, Counter[int]] = defaultdict(Counter)
    years = [work.year for work in works if work.year is not None]
    for work in works:
        terms = counter.add(work.title)
        if work.year is None:
            continue
        for key in terms:
            term_years[key][work.year] += 1
        if work.primary_category:
            category_years[work.primary_category][work.year] += 1
    dated = {key: sum(per_year.values()) for key, per_year in term_years.items()}
    frequent = sorted(
        (key for key, n in dated.items() if n >= MIN_TERM_WORKS),
        key=lambda key: (-dated[key], -len(key.split()), key),
    )
    chosen: list[str] = []
    used: set[str] = set()
    for key in frequent:
        words = set(key.split())
        if words & used:
            continue
        chosen.append(key)
        used |= words
        if len(chosen) == TOPIC_TERMS:
            break
    categories = sorted(category_years, key=lambda c: (-sum(category_years[c].values()), c))
    return TopicsOverTime(
        years=tuple(range(min(years), max(years) + 1)) if years else (),
        terms=tuple(_row(counter.printed(key), term_years[key]) for key in chosen),
        categories=tuple(_row(c, category_years[c]) for c in categories[:TOPIC_CATEGORIES]),
    )

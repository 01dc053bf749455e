"""The neighbourhood page of a paper (`/paper/{id}/neighbourhood`) and its JSON twin: the
related works with why each is there, a graph drawn as SVG, prior and derivative works."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from paperscope.read.works import WorkSummary, load_works
from paperscope.search import neighbourhood as computed
from paperscope.search.neighbourhood import NEIGHBOURS, Neighbour, Neighbourhood
from paperscope.web.context import WebContext
from paperscope.web.graph_svg import Edge, Node, force_layout, graph_svg
from paperscope.web.markup import readable
from paperscope.web.params import parse_int

MIN_SHOWN = 5
EDGES_PER_NODE = 2
"""Besides its link to the centre, each work's strongest links to others are drawn."""
HOW = (
    "Related works are scored by four signals, each between 0 and 1, and ranked by their "
    "weighted sum (weights: co-citation {co_citation:g}, coupling {coupling:g}, text "
    "{text:g}, direct citation {direct:g}).",
    "Co-citation: how many works cite both this paper and the other, as a share "
    "(n / √(works citing this one × works citing the other)); read over at most {citing_cap} "
    "of this paper's citing works, the newest.",
    "Bibliographic coupling: how many references both list, as n / √(references of this one × "
    "references of the other); the most widely cited references are left out once they "
    "would add up to more than {budget:,} citing works to read.",
    "Text similarity: the cosine between the works' stored embeddings (titles and abstracts).",
    "Direct citation: one cites the other.",
    "Prior works are the works the related works cite, each scored by the summed score of "
    "the related works citing it, not newer than this paper. Derivative works are the works "
    "citing the graph's works (this paper included), scored the same way.",
    "The graph: node area grows with citations, darker nodes are newer, and a line joins "
    "each work to this paper and to the works it is most related to; the layout is a "
    "force-directed one computed on the server, the same every time.",
)


@dataclass(frozen=True, slots=True)
class NeighbourEntry:
    work: WorkSummary
    score: float
    co_citations: int
    shared_references: int
    text_similarity: float | None
    cites_centre: bool
    cited_by_centre: bool
    signals: dict[str, float]
    """Each signal's weighted part of `score`."""
    why: str
    x: float
    y: float
    """Position in the drawing, in [0, 1] (x to the right, y down)."""


@dataclass(frozen=True, slots=True)
class RelatedEntry:
    work: WorkSummary
    score: float
    links: int
    """Prior: how many related works cite it. Derivative: how many graph works it cites."""


@dataclass(frozen=True, slots=True)
class GraphLink:
    source: int
    target: int
    weight: float
    kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NeighbourhoodPage:
    centre: WorkSummary
    centre_x: float
    centre_y: float
    neighbours: tuple[NeighbourEntry, ...]
    prior: tuple[RelatedEntry, ...]
    derivative: tuple[RelatedEntry, ...]
    links: tuple[GraphLink, ...]
    """The lines drawn: each related work to the centre, and its strongest other links."""
    text_model: str | None
    notes: tuple[str, ...]
    how: tuple[str, ...]


def parse_limit(value: str | None) -> int:
    return parse_int(value, "limit", default=NEIGHBOURS, low=MIN_SHOWN, high=NEIGHBOURS)


def why(neighbour: Neighbour, model: str | None) -> str:
    """The signals that made `neighbour` related, in words."""
    reasons = []
    if neighbour.co_citations:
        n = neighbour.co_citations
        reasons.append(f"cited together with this paper by {n} work{'s' if n != 1 else ''}")
    if neighbour.shared_references:
        n = neighbour.shared_references
        reasons.append(f"shares {n} reference{'s' if n != 1 else ''}")
    if neighbour.text_similarity is not None:
        how = f"embeddings, {model}" if model else "keyword overlap"
        reasons.append(f"text similarity {neighbour.text_similarity:.2f} ({how})")
    if neighbour.cites_centre:
        reasons.append("cites this paper")
    if neighbour.cited_by_centre:
        reasons.append("cited by this paper")
    return "; ".join(reasons)


def _label(work: WorkSummary) -> str:
    """`Surname 2019`: the first author's last name (or the title's start) and the year."""
    if work.authors:
        name = readable(work.authors[0].name).split()
        head = name[-1] if name else ""
    else:
        head = " ".join(readable(work.title).split()[:3])
    head = head if len(head) <= 24 else head[:23] + "…"
    return f"{head} {work.year}" if work.year else head


def _drawn(found: Neighbourhood, order: dict[int, int]) -> list[computed.Link]:
    """Each related work's link to the centre, and its `EDGES_PER_NODE` strongest others."""
    centre = found.work_id
    drawn = [link for link in found.links if centre in (link.source, link.target)]
    others: dict[int, list[computed.Link]] = defaultdict(list)
    for link in found.links:
        if centre not in (link.source, link.target):
            others[link.source].append(link)
            others[link.target].append(link)
    chosen: dict[tuple[int, int], computed.Link] = {}
    for work_id in order:
        best = sorted(others[work_id], key=lambda e: (-e.weight, e.source, e.target))
        for link in best[:EDGES_PER_NODE]:
            chosen[(link.source, link.target)] = link
    return drawn + sorted(chosen.values(), key=lambda e: (e.source, e.target))


def _page(found: Neighbourhood, loaded: dict[int, WorkSummary]) -> tuple[NeighbourhoodPage, Markup]:
    neighbours = [n for n in found.neighbours if n.work_id in loaded]
    order = {found.work_id: 0, **{n.work_id: i for i, n in enumerate(neighbours, 1)}}
    links = [link for link in found.links if link.source in order and link.target in order]
    drawn = _drawn(
        Neighbourhood(found.work_id, tuple(neighbours), (), (), tuple(links), None), order
    )
    # laid out by the lines drawn: all pairwise links would pull a dense field into a knot
    edges = [Edge(order[e.source], order[e.target], e.weight) for e in drawn]
    position = force_layout(len(order), edges)
    centre = loaded[found.work_id]
    entries = tuple(
        NeighbourEntry(
            work=loaded[n.work_id],
            score=round(n.score, 4),
            co_citations=n.co_citations,
            shared_references=n.shared_references,
            text_similarity=None if n.text_similarity is None else round(n.text_similarity, 4),
            cites_centre=n.cites_centre,
            cited_by_centre=n.cited_by_centre,
            signals={name: round(value, 4) for name, value in n.signals.items()},
            why=why(n, found.text_model),
            x=round(float(position[order[n.work_id], 0]), 4),
            y=round(float(position[order[n.work_id], 1]), 4),
        )
        for n in neighbours
    )
    weights = computed.WEIGHTS
    how = tuple(
        line.format(
            co_citation=weights.co_citation,
            coupling=weights.coupling,
            text=weights.text,
            direct=weights.direct,
            citing_cap=computed.CITING_CAP,
            budget=computed.COUPLING_BUDGET,
        )
        for line in HOW
    )
    page = NeighbourhoodPage(
        centre=centre,
        centre_x=round(float(position[0, 0]), 4),
        centre_y=round(float(position[0, 1]), 4),
        neighbours=entries,
        prior=_related(found.prior, loaded),
        derivative=_related(found.derivative, loaded),
        links=tuple(GraphLink(e.source, e.target, round(e.weight, 4), e.kinds) for e in drawn),
        text_model=found.text_model,
        notes=found.notes,
        how=how,
    )
    nodes = [_node(centre, centre=True), *(_node(e.work) for e in entries)]
    title = f"Works related to {readable(centre.title)}"
    return page, graph_svg(nodes, edges, position, title)


def _node(work: WorkSummary, centre: bool = False) -> Node:
    return Node(work.work_id, _label(work), readable(work.title), work.year, work.citations, centre)


def _related(
    related: Sequence[computed.Related], loaded: dict[int, WorkSummary]
) -> tuple[RelatedEntry, ...]:
    return tuple(
        RelatedEntry(loaded[r.work_id], round(r.score, 4), r.links)
        for r in related
        if r.work_id in loaded
    )


def neighbourhood_view(
    ctx: WebContext, work_id: int, limit: int = NEIGHBOURS
) -> tuple[NeighbourhoodPage, Markup]:
    """The page data and its drawing (cached like author pages: the graph changes only when
    a batch stage runs)."""

    def compute() -> tuple[NeighbourhoodPage, Markup]:
        found = computed.neighbourhood(ctx.store, ctx.settings, work_id, limit=limit)
        ids = [
            work_id,
            *(n.work_id for n in found.neighbours),
            *(r.work_id for r in found.prior),
            *(r.work_id for r in found.derivative),
        ]
        with ctx.store.connect() as connection:
            loaded = {w.work_id: w for w in load_works(connection, ids)}
        return _page(found, loaded)

    return ctx.cache.get_or_compute(("neighbourhood", work_id, limit), compute)

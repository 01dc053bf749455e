"""The citation neighbourhood of a work, in the spirit of Connected Papers.

A work's neighbours are the works most related to it by four signals, each in [0, 1]:

- **co-citation**: how many works cite both, as Salton's cosine
  `n / sqrt(citing(work) * citing(neighbour))`, over at most `CITING_CAP` of the work's
  citing works (the newest);
- **bibliographic coupling**: how many references both list, as `n / sqrt(refs(work) *
  refs(neighbour))`, over the work's references cited at most `COUPLING_BUDGET` times in all
  (the least cited first: a reference everyone cites says little);
- **text similarity**: the cosine of the stored embeddings (`search.similar_works`; without
  embeddings, keyword overlap scaled to the best match);
- **direct citation**: for a work citing this one `1 / sqrt(citing(work))`, for one of its
  references `1 / sqrt(refs(work))`: one link among few says more than one among hundreds.

The combined score is the weighted sum (`WEIGHTS`), and each neighbour keeps its raw numbers
so a page can say which signals gave it. From the neighbours (the best `NEIGHBOURS`):

- **prior works**: works cited by the neighbourhood, each scored by the sum of the scores of
  the neighbours citing it; only works not newer than this one (when both years are known);
- **derivative works**: works citing the neighbourhood (this work included, weighted as the
  best neighbour), scored the same way.

Every query is bounded (see `read.citation_graph`): a work with 10,000 citing works reads its
newest `CITING_CAP`, and each neighbour's citing works are sampled to `PER_WORK_CITING`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, select

from paperscope.config import Settings
from paperscope.embeddings.vectors import load_embeddings
from paperscope.errors import NotFoundError, PaperscopeError
from paperscope.read import citation_graph as graph
from paperscope.search.service import active_model, similar_works
from paperscope.store import Store
from paperscope.store.schema import works

CITING_CAP = 300
"""Citing works of the centre read for co-citation (the newest)."""
REFERENCE_CAP = 300
"""References of the centre read for coupling (in the order listed)."""
COUPLING_BUDGET = 20_000
"""At most this many citing edges are read for coupling (least-cited references first)."""
CANDIDATES = 100
"""Candidates kept per graph signal before scoring."""
TEXT_CANDIDATES = 40
NEIGHBOURS = 30
PER_WORK_CITING = 400
"""Citing edges read per neighbour for derivative works (a sample for widely cited ones)."""
EDGE_ROWS = 30_000
"""Reference edges read from the neighbours' reference lists, at most."""
LISTED = 20
"""Prior and derivative works listed."""


@dataclass(frozen=True, slots=True)
class Weights:
    co_citation: float = 1.0
    coupling: float = 1.0
    text: float = 0.5
    direct: float = 2.0


WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A related work, its combined score and what gave it."""

    work_id: int
    score: float
    co_citations: int
    """Works citing both this one and the centre."""
    shared_references: int
    """References both list."""
    text_similarity: float | None
    """Cosine of the embeddings (or scaled keyword overlap), when among the text matches."""
    cites_centre: bool
    cited_by_centre: bool
    signals: dict[str, float]
    """Each signal's part of the score (name -> weighted value), for the explanation."""


@dataclass(frozen=True, slots=True)
class Related:
    """A prior or derivative work: how many neighbourhood works it cites / is cited by."""

    work_id: int
    score: float
    links: int


@dataclass(frozen=True, slots=True)
class Link:
    """A relation between two works of the graph, with its strength in [0, 1]."""

    source: int
    target: int
    weight: float
    kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    work_id: int
    neighbours: tuple[Neighbour, ...]
    prior: tuple[Related, ...]
    derivative: tuple[Related, ...]
    links: tuple[Link, ...]
    text_model: str | None
    """The embedding model of the text signal; None when it fell back to keywords or failed."""
    notes: tuple[str, ...] = field(default=())
    """What was capped or unavailable, in words."""


@dataclass(slots=True)
class _Candidate:
    co_citations: int = 0
    shared_references: int = 0
    text: float | None = None
    cites_centre: bool = False
    cited_by_centre: bool = False
    parts: dict[str, float] = field(default_factory=dict)


def _salton(shared: int, mine: int, theirs: int) -> float:
    return shared / math.sqrt(mine * theirs) if mine and theirs else 0.0


@dataclass(slots=True)
class _Builder:
    connection: Connection
    work_id: int
    hidden: int | None
    weights: Weights
    notes: list[str] = field(default_factory=list)
    found: dict[int, _Candidate] = field(default_factory=lambda: defaultdict(_Candidate))
    citing_total: int = 0
    references_total: int = 0

    def co_citation(self) -> None:
        total = graph.citation_counts(self.connection, [self.work_id], self.hidden).get(
            self.work_id, 0
        )
        citing = graph.citing_work(self.connection, self.work_id, CITING_CAP)
        self.citing_total = total
        if total > len(citing):
            self.notes.append(
                f"Co-citation uses the {len(citing)} newest of the {total} citing works."
            )
        for work_id in citing:
            self.found[work_id].cites_centre = True
        pairs = graph.most_cited_by(
            self.connection, citing, CANDIDATES, exclude=[self.work_id], hidden=self.hidden
        )
        counts = graph.citation_counts(self.connection, [w for w, _ in pairs], self.hidden)
        for work_id, shared in pairs:
            candidate = self.found[work_id]
            candidate.co_citations = shared
            value = _salton(shared, len(citing), counts.get(work_id, shared))
            candidate.parts["co-citation"] = self.weights.co_citation * value

    def coupling(self) -> None:
        if self.hidden == self.work_id:
            return
        cited = graph.cited_by_work(self.connection, self.work_id, REFERENCE_CAP)
        self.references_total = len(cited)
        for work_id in cited:
            self.found[work_id].cited_by_centre = True
        counts = graph.citation_counts(self.connection, cited, self.hidden)
        used = graph.within_budget(counts, cited, COUPLING_BUDGET)
        if len(used) < len(cited):
            self.notes.append(
                f"Coupling uses {len(used)} of the {len(cited)} references: the most cited "
                "ones were left out (together they are cited more than "
                f"{COUPLING_BUDGET:,} times)."
            )
        pairs = graph.most_citing(
            self.connection, used, CANDIDATES, exclude=[self.work_id], hidden=self.hidden
        )
        lengths = graph.reference_counts(self.connection, [w for w, _ in pairs], self.hidden)
        for work_id, shared in pairs:
            candidate = self.found[work_id]
            candidate.shared_references = shared
            value = _salton(shared, len(used), lengths.get(work_id, shared))
            candidate.parts["coupling"] = self.weights.coupling * value

    def text(self, hits: Iterable[tuple[int, float]]) -> None:
        for work_id, similarity in hits:
            if work_id == self.work_id:
                continue
            candidate = self.found[work_id]
            candidate.text = similarity
            candidate.parts["text"] = self.weights.text * max(similarity, 0.0)

    def direct(self) -> None:
        """1 / √(citing works of the centre) for a citing work, 1 / √(its references) for a
        reference: one link among few says more than one among hundreds."""
        citing = 1 / math.sqrt(self.citing_total) if self.citing_total else 0.0
        cited = 1 / math.sqrt(self.references_total) if self.references_total else 0.0
        for candidate in self.found.values():
            value = max(
                citing if candidate.cites_centre else 0.0,
                cited if candidate.cited_by_centre else 0.0,
            )
            if value:
                candidate.parts["direct citation"] = self.weights.direct * value

    def ranked(self, limit: int) -> list[Neighbour]:
        neighbours = [
            Neighbour(
                work_id=work_id,
                score=sum(c.parts.values()),
                co_citations=c.co_citations,
                shared_references=c.shared_references,
                text_similarity=c.text,
                cites_centre=c.cites_centre,
                cited_by_centre=c.cited_by_centre,
                signals=dict(c.parts),
            )
            for work_id, c in self.found.items()
            if work_id != self.work_id and sum(c.parts.values()) > 0
        ]
        neighbours.sort(key=lambda n: (-n.score, n.work_id))
        return neighbours[:limit]


def _text_hits(
    store: Store, settings: Settings, work_id: int, notes: list[str]
) -> tuple[list[tuple[int, float]], str | None]:
    """(work id, similarity in [0, 1]) of the most similar works, and the model used."""
    try:
        hits = similar_works(store, work_id, settings, TEXT_CANDIDATES)
    except NotFoundError:
        raise
    except PaperscopeError as error:
        notes.append(f"Text similarity is not available: {error}")
        return [], None
    if hits and all(hit.semantic_rank is not None for hit in hits):
        return [(hit.work_id, hit.score) for hit in hits], active_model(store, settings)
    best = max((hit.score for hit in hits), default=0.0)
    notes.append("No embeddings: text similarity is keyword overlap, scaled to the best match.")
    return [(hit.work_id, hit.score / best if best else 0.0) for hit in hits], None


def _related(
    edges: Iterable[tuple[int, int]],
    weight_of: dict[int, float],
    *,
    side: int,
    exclude: set[int],
) -> list[Related]:
    """Works on the far side of `edges` from the weighted works, scored by the sum of their
    weights (side 0: the citing end is the related work; 1: the cited end)."""
    scores: dict[int, float] = defaultdict(float)
    links: dict[int, int] = defaultdict(int)
    for edge in edges:
        related, anchor = edge[side], edge[1 - side]
        if related in exclude or anchor not in weight_of:
            continue
        scores[related] += weight_of[anchor]
        links[related] += 1
    ranked = sorted(scores, key=lambda w: (-scores[w], -links[w], w))
    return [Related(w, scores[w], links[w]) for w in ranked]


def _direct(refs: set[int], citing: set[int]) -> float:
    """A citation from a work with `refs` references to one with `citing` citing works."""
    return max(
        1 / math.sqrt(len(refs)) if refs else 0.0, 1 / math.sqrt(len(citing)) if citing else 0.0
    )


def _links(
    connection: Connection,
    weights: Weights,
    model: str | None,
    centre: int,
    neighbours: list[Neighbour],
    references: list[tuple[int, int]],
    citing: list[tuple[int, int]],
) -> list[Link]:
    """Relations among the graph's works: each neighbour to the centre (its score), and
    between neighbours the same signals as for the centre, from edges already read."""
    nodes = [centre, *(n.work_id for n in neighbours)]
    index = {w: i for i, w in enumerate(nodes)}
    size = len(nodes)
    refs: dict[int, set[int]] = defaultdict(set)
    for a, b in references:
        refs[a].add(b)
    cites: dict[int, set[int]] = defaultdict(set)
    for a, b in citing:
        cites[b].add(a)
    vectors = np.zeros((size, 0), dtype=np.float32)
    if model is not None:
        ids, matrix = load_embeddings(connection, model, nodes)
        if len(ids):
            vectors = np.zeros((size, matrix.shape[1]), dtype=np.float32)
            for work_id, row in zip(ids.tolist(), matrix, strict=True):
                vectors[index[work_id]] = row
    cosines = vectors @ vectors.T if vectors.shape[1] else np.zeros((size, size))
    best = max((n.score for n in neighbours), default=1.0) or 1.0
    found = [Link(centre, n.work_id, n.score / best, tuple(sorted(n.signals))) for n in neighbours]
    for i in range(1, size):
        for j in range(i + 1, size):
            a, b = nodes[i], nodes[j]
            parts: dict[str, float] = {}
            co = _salton(len(cites[a] & cites[b]), len(cites[a]), len(cites[b]))
            if co:
                parts["co-citation"] = weights.co_citation * co
            coupled = _salton(len(refs[a] & refs[b]), len(refs[a]), len(refs[b]))
            if coupled:
                parts["coupling"] = weights.coupling * coupled
            direct = max(
                _direct(refs[a], cites[b]) if b in refs[a] else 0.0,
                _direct(refs[b], cites[a]) if a in refs[b] else 0.0,
            )
            if direct:
                parts["direct citation"] = weights.direct * direct
            if cosines[i, j] > 0:
                parts["text"] = weights.text * float(cosines[i, j])
            if set(parts) - {"text"}:
                found.append(Link(a, b, min(sum(parts.values()) / best, 1.0), tuple(sorted(parts))))
    return found


def neighbourhood(
    store: Store,
    settings: Settings,
    work_id: int,
    *,
    hidden: bool = False,
    weights: Weights = WEIGHTS,
    limit: int = NEIGHBOURS,
) -> Neighbourhood:
    """The neighbourhood of `work_id` (NotFoundError if unknown).

    `hidden`: compute it as if the work's own reference edges were absent (no coupling, no
    direct links to its references, its edges left out of every count), as the benchmark does.
    """
    with store.connect() as connection:
        year = connection.execute(select(works.c.year).where(works.c.id == work_id)).first()
    if year is None:
        raise NotFoundError(f"there is no paper {work_id}")
    notes: list[str] = []
    hits, model = _text_hits(store, settings, work_id, notes)
    with store.connect() as connection:
        builder = _Builder(connection, work_id, work_id if hidden else None, weights, notes)
        builder.co_citation()
        builder.coupling()
        builder.text(hits)
        builder.direct()
        neighbours = builder.ranked(limit)
        hide = work_id if hidden else None
        ids = [n.work_id for n in neighbours]
        references = graph.edges_from(connection, ids, EDGE_ROWS, hide)
        counts = graph.citation_counts(connection, [work_id, *ids], hide)
        citing = graph.citing_sample(connection, [work_id, *ids], counts, PER_WORK_CITING, hide)
        weight_of = {n.work_id: n.score for n in neighbours}
        prior = _related(references, weight_of, side=1, exclude={work_id})
        prior = _not_newer(connection, prior, year[0])[:LISTED]
        derivative = _related(
            citing,
            {**weight_of, work_id: max(weight_of.values(), default=1.0)},
            side=0,
            exclude={work_id},
        )[:LISTED]
        links = _links(connection, weights, model, work_id, neighbours, references, citing)
    return Neighbourhood(
        work_id,
        tuple(neighbours),
        tuple(prior),
        tuple(derivative),
        tuple(links),
        model,
        tuple(notes),
    )


def _not_newer(connection: Connection, related: list[Related], year: int | None) -> list[Related]:
    """`related` without the works published after `year` (kept when either year is unknown)."""
    if year is None:
        return related
    known = graph.years(connection, [r.work_id for r in related[: LISTED * 5]])
    kept = [r for r in related[: LISTED * 5] if (known.get(r.work_id) or year) <= year]
    return kept

"""Name blocks larger than `limit` split into parts that are clustered on their own, so that
no part costs more than `limit`² pairs. Both engines call this module: the single-machine
`resolve` (`identity.resolve`) and the Spark batch resolve (`batch.resolve_stage`), block by
block, with the members in the same order, so they give the same people.

A block (folded surname + first initial, joined with the block of a swapped two-part name)
of at most `limit` authorships is clustered whole. Its pairwise and group evidence is fitted
on the block: TF-IDF weights over its titles and venues, co-authors of co-authors, and the
group model's `block_size` and `fragments` features. So clustering a block's parts one by one
is *not* the same as clustering the block, even where no pair across two parts could ever be
joined; splitting is reserved for the blocks where the whole would cost too much.

A larger block is first split into the connected components of the "names compatible"
graph, joined by every must-link (corrections, one ORCID, one source author id, an existing
person): two authorships whose given names conflict ("Wei Wang", "Wen Wang") get probability
0 and are never one person, so no pair this cut separates could have been joined. Each part
is then clustered with evidence of its own (the values above differ from the whole block's).
A component can still be large: one very common name ("Wei Wang") prints thousands of
authorships at a million works. `bisect` cuts such a component in two by 2-means over what
each authorship's work says about its author (co-authors, venue, title embedding or title
words), again and again until every part holds at most `limit` authorships; authorships
that must be one person stay together. One person's works can end in two parts and are then
two people: what that costs is measured on the AMiner names by forcing a small limit
(`bench/disambiguation.py --part-limit`, docs/people.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from paperscope.identity.assign import cluster_block, must_groups
from paperscope.identity.corrections import Constraints
from paperscope.identity.explain import PersonDraft
from paperscope.identity.loading import Stored
from paperscope.identity.model import PairwiseModel
from paperscope.identity.signatures import Signature
from paperscope.names import NameParts, fold, given_compatible, parse_name, person_key

PART_LIMIT = 1_000
"""The largest block clustered whole, and the largest part of a larger one."""

Vectors = Mapping[int, NDArray[np.float64]]
"""Unit title vectors by authorship id (signature key)."""


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for k in range(len(self.parent)):
            out.setdefault(self.find(k), []).append(k)
        return list(out.values())


def components(
    signatures: Sequence[Signature], together: Sequence[Sequence[int]] = ()
) -> list[list[int]]:
    """Index lists (in order of first member) of the signatures whose names are connected
    by compatibility; each list of `together` (must-links) ends in one component."""
    n = len(signatures)
    union = _Union(n)
    first_of: dict[str, int] = {}
    for k, s in enumerate(signatures):
        printed = fold(s.name)
        if printed in first_of:
            union.join(first_of[printed], k)
        else:
            first_of[printed] = k
    names: list[tuple[NameParts, int]] = [
        (parse_name(signatures[k].name), k) for k in first_of.values()
    ]
    for a, (name_a, k) in enumerate(names):
        for name_b, m in names[a + 1 :]:
            if given_compatible(name_a, name_b):
                union.join(k, m)
    for group in together:
        for k in group[1:]:
            union.join(group[0], k)
    return sorted(union.groups(), key=lambda g: g[0])


def parts(
    signatures: Sequence[Signature],
    topics: NDArray[np.float64] | None = None,
    together: Sequence[Sequence[int]] = (),
    limit: int = PART_LIMIT,
) -> list[list[int]]:
    """The block's parts: the whole block when it holds at most `limit` signatures, else its
    name components, each bisected until at most `limit` long (unless must-links hold more
    together). Index lists into `signatures`, sorted."""
    out: list[list[int]] = []
    for piece in pieces(signatures, together, limit):
        out += _bisected(signatures, topics, together, piece, limit)
    return sorted(out, key=lambda g: g[0])


def pieces(
    signatures: Sequence[Signature], together: Sequence[Sequence[int]], limit: int
) -> list[list[int]]:
    """The whole block when it holds at most `limit` signatures, else its name components
    (`components`); what `parts` then bisects needs the title vectors, these do not."""
    if len(signatures) <= limit:
        return [list(range(len(signatures)))]
    return components(signatures, together)


def _bisected(
    signatures: Sequence[Signature],
    topics: NDArray[np.float64] | None,
    together: Sequence[Sequence[int]],
    component: list[int],
    limit: int,
) -> list[list[int]]:
    if len(component) <= limit:
        return [component]
    inside = {k: a for a, k in enumerate(component)}
    units = _units(len(component), [[inside[k] for k in g if k in inside] for g in together])
    vectors = _vectors([signatures[k] for k in component], topics, component)
    return [sorted(component[a] for a in piece) for piece in bisect(vectors, units, limit)]


def block_pieces(
    members: Sequence[Stored], rules: Constraints, full: bool, limit: int = PART_LIMIT
) -> list[list[int]]:
    """`pieces` of a block of stored authorships, must-links from `rules`, ORCIDs, source
    ids and (unless `full`) existing people."""
    return pieces([s.signature for s in members], must_groups(members, rules, full), limit)


def cluster_in_parts(
    members: Sequence[Stored],
    rules: Constraints,
    model: PairwiseModel,
    full: bool,
    vectors: Vectors | None = None,
    limit: int = PART_LIMIT,
    split: Sequence[list[int]] | None = None,
) -> list[list[PersonDraft]]:
    """Cluster one name block (members in the blocking order): the drafts of each part, in
    order (`split`: the block's `block_pieces`, when already computed). An incremental run
    (`full` False) skips a part without a new authorship (its people stay as they are: no
    drafts). An old person split over two parts keeps its id in the draft holding more of it.
    """
    split = block_pieces(members, rules, full, limit) if split is None else split
    out: list[list[PersonDraft]] = []
    for piece in split:
        for part in _parts_of(members, piece, vectors, rules, full, limit):
            if not full and all(members[k].person_id is not None for k in part):
                out.append([])
                continue
            chosen = [members[k] for k in part]
            out.append(cluster_block(list(chosen), rules, model, full, _stack(vectors, chosen)))
    return _unique_ids(out)


def _stack(vectors: Vectors | None, chosen: Sequence[Stored]) -> NDArray[np.float64] | None:
    """The title vectors of `chosen` as rows (None: without; one alone needs none)."""
    if not vectors or len(chosen) < 2:
        return None
    return np.stack([vectors[s.signature.key] for s in chosen])


def _parts_of(
    members: Sequence[Stored],
    piece: list[int],
    vectors: Vectors | None,
    rules: Constraints,
    full: bool,
    limit: int,
) -> list[list[int]]:
    """A piece as is, or bisected into parts of at most `limit`."""
    if len(piece) <= limit:
        return [piece]
    chosen = [members[k] for k in piece]
    together = must_groups(chosen, rules, full)
    found = _bisected(
        [s.signature for s in chosen], _stack(vectors, chosen), together,
        list(range(len(chosen))), limit,
    )  # fmt: skip
    return [[piece[a] for a in part] for part in sorted(found, key=lambda g: g[0])]


def _unique_ids(drafts: list[list[PersonDraft]]) -> list[list[PersonDraft]]:
    """An old person split over two parts keeps its id in the draft holding more of it."""
    best: dict[int, tuple[int, int]] = {}
    flat = [draft for part in drafts for draft in part]
    for d, draft in enumerate(flat):
        if draft.keep_id is not None:
            held = (len(draft.authorships), -d)
            if draft.keep_id not in best or held > best[draft.keep_id]:
                best[draft.keep_id] = held
    out: list[list[PersonDraft]] = []
    d = 0
    for part in drafts:
        kept = []
        for draft in part:
            if draft.keep_id is not None and best[draft.keep_id][1] != -d:
                draft = replace(draft, keep_id=None)
            kept.append(draft)
            d += 1
        out.append(kept)
    return out


def _units(n: int, together: Sequence[Sequence[int]]) -> list[list[int]]:
    """Items that must stay together, as lists (everything else alone)."""
    union = _Union(n)
    for group in together:
        for k in group[1:]:
            union.join(group[0], k)
    return union.groups()


def _vectors(
    signatures: Sequence[Signature], topics: NDArray[np.float64] | None, rows: Sequence[int]
) -> Any:
    """One row per signature: co-authors, venue and topic (or title words), each scaled to
    unit length, side by side (sparse)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    own = [person_key(s.name) for s in signatures]
    coauthors = [
        " ".join(sorted({person_key(c).replace(" ", "_") for c in s.coauthors} - {own[i], ""}))
        for i, s in enumerate(signatures)
    ]
    blocks = [
        _bag(coauthors, token_pattern=r"\S+"),
        _bag([fold(s.venue or "").replace(" ", "_") for s in signatures], token_pattern=r"\S+"),
    ]
    if topics is not None:
        blocks.append(csr_matrix(normalize(topics[list(rows)])))
    else:
        try:
            titles = TfidfVectorizer(stop_words="english", sublinear_tf=True)
            blocks.append(titles.fit_transform([s.title for s in signatures]))
        except ValueError:  # no title words at all
            pass
    return hstack(blocks, format="csr")


def _bag(texts: Sequence[str], token_pattern: str) -> Any:
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        return TfidfVectorizer(token_pattern=token_pattern, lowercase=False).fit_transform(texts)
    except ValueError:  # nothing to count
        return csr_matrix((len(texts), 1))


def bisect(vectors: Any, units: Sequence[Sequence[int]], limit: int) -> list[list[int]]:
    """Split the items (rows of `vectors`, grouped in `units` that stay whole) in two by
    2-means over the units' mean vectors, recursively, until each part holds at most `limit`
    items or is one unit. A 2-means split that leaves more than 3/4 of the items on one side
    is replaced by a cut at the weighted median of the same direction, so the depth stays
    logarithmic."""
    sizes = np.array([len(u) for u in units])
    if sizes.sum() <= limit or len(units) == 1:
        return [[k for u in units for k in u]]
    from scipy.sparse import csr_matrix

    rows = [k for u in units for k in u]
    owner = np.repeat(np.arange(len(units)), sizes)
    member = csr_matrix((np.ones(len(rows)) / sizes[owner], (owner, rows)))
    member = csr_matrix(member, shape=(len(units), vectors.shape[0]))
    means = member @ vectors
    side = _two_means(means, sizes)
    left = [u for u, s in zip(units, side, strict=True) if s]
    right = [u for u, s in zip(units, side, strict=True) if not s]
    return bisect(vectors, left, limit) + bisect(vectors, right, limit)


def _two_means(means: Any, sizes: NDArray[np.int_]) -> NDArray[np.bool_]:
    """Which units go left: 2-means (seeded, weighted by size), or a weighted-median cut
    along the line between its two centres when it is too lopsided."""
    from sklearn.cluster import KMeans

    total = sizes.sum()
    kmeans = KMeans(n_clusters=2, n_init=1, random_state=0, max_iter=50)
    labels = kmeans.fit_predict(means, sample_weight=sizes.astype(float))
    left = labels == 0
    if 0.25 * total <= sizes[left].sum() <= 0.75 * total:
        return np.asarray(left)
    centres = kmeans.cluster_centers_
    score = np.asarray(means @ (centres[0] - centres[1])).ravel()
    order = np.argsort(-score, kind="stable")
    cumulative = np.cumsum(sizes[order])
    cut = int(np.searchsorted(cumulative, total / 2)) + 1
    out = np.zeros(len(sizes), dtype=bool)
    out[order[: max(1, min(cut, len(order) - 1))]] = True
    return out

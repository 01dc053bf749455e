"""Name blocks split into parts that are clustered on their own, so that no part costs
more than `limit`² pairs.

A block (folded surname + first initial, joined with the block of a swapped two-part name)
holds names that *might* be one person, but most pairs of them cannot be: "Wei Wang" and
"Wen Wang" conflict, and swapped names chain blocks of different surnames together ("Lei
Liu" ~ "Liu Lei", "Li Lin" ~ "Lin Li" ... end in one block). Two authorships whose given
names conflict get probability 0 and are never one person, so the connected components of
the "names compatible" graph, joined by every must-link (corrections, one ORCID, one source
author id, an existing person), can be clustered apart without changing what may be joined:
`components` is exact.

A component can still be large: one very common name ("Wei Wang") prints thousands of
authorships at a million works, and scoring all their pairs is quadratic. `bisect` cuts
such a component in two by 2-means over what each authorship's work says about its author
(co-authors, venue, title embedding or title words), again and again until every part
holds at most `limit` authorships; authorships that must be one person stay together. One
person's works can end in two parts and are then two people: what that costs is measured
on the AMiner names by forcing a small limit (`bench/disambiguation.py --part-limit`,
docs/people.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from paperscope.identity.signatures import Signature
from paperscope.names import NameParts, fold, given_compatible, parse_name, person_key

PART_LIMIT = 1_000
"""The largest part clustered as one; larger components are bisected."""


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
    """The block's parts: its name components, each bisected until at most `limit` long
    (unless must-links hold more together). Index lists into `signatures`, sorted."""
    out: list[list[int]] = []
    for component in components(signatures, together):
        if len(component) <= limit:
            out.append(component)
            continue
        inside = {k: a for a, k in enumerate(component)}
        units = _units(len(component), [[inside[k] for k in g if k in inside] for g in together])
        vectors = _vectors([signatures[k] for k in component], topics, component)
        for piece in bisect(vectors, units, limit):
            out.append(sorted(component[a] for a in piece))
    return sorted(out, key=lambda g: g[0])


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

"""Pairwise evidence between signatures, computed as whole matrices per block.

Every feature is a number or NaN ("unknown": a missing affiliation, year or abstract), which
the gradient-boosted model handles natively. The matrices come from sparse products, so a
block of 1,000 signatures (500k pairs) takes well under a second.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from paperscope.identity.signatures import Signature
from paperscope.names import fold, given_agreement, parse_name, person_key

FEATURE_NAMES = (
    "given_agreement",
    "same_printed_name",
    "shared_coauthors",
    "coauthor_jaccard",
    "fewer_coauthors",
    "same_venue",
    "venue_cosine",
    "title_cosine",
    "abstract_cosine",
    "category_jaccard",
    "affiliation_cosine",
    "year_gap",
    "self_citation",
    "same_source_id",
    "coauthor_of_coauthor",
    "common_cjk_surname",
    "topic_cosine",
)

# The most frequent Chinese and Korean family names in romanised form: names built on them
# are shared by many people, so the same evidence means less (S2AND uses name counts).
_CJK_SURNAME_TEXT = (
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng "
    "liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye "
    "cheng wei su lu ding shen ren yao jin kim lee park choi jung kang cho yoon jang lim"
)
_COMMON_CJK_SURNAMES = frozenset(_CJK_SURNAME_TEXT.split())

Matrix = NDArray[np.float64]


_WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def _tfidf(
    texts: Sequence[str | None],
    *,
    stop_words: str | None = None,
    token_pattern: str | None = None,
    max_features: int | None = None,
) -> tuple[Any, NDArray[np.bool_]]:
    """L2-normalised TF-IDF rows (sparse) and which texts were present.

    The same numbers as scikit-learn's `TfidfVectorizer(sublinear_tf=True, ...)` fitted on
    `texts` (lowercased words, smoothed idf; tested against it), without its per-call
    overhead: a resolve fits four per part, tens of thousands of parts at a million works.
    """
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    n = len(texts)
    present = np.array([bool(t and t.strip()) for t in texts], dtype=bool)
    pattern = _WORD if token_pattern is None else re.compile(token_pattern)
    stop = ENGLISH_STOP_WORDS if stop_words == "english" else frozenset()
    vocabulary: dict[str, int] = {}
    indptr: list[int] = [0]
    indices: list[int] = []
    counts: list[int] = []
    for text in texts:
        if text:
            words = Counter(w for w in pattern.findall(text.lower()) if w not in stop)
            indices += [vocabulary.setdefault(w, len(vocabulary)) for w in words]
            counts += words.values()
        indptr.append(len(indices))
    if not vocabulary:  # no text, or only stop words: an empty vocabulary
        return csr_matrix((n, 1)), np.zeros(n, dtype=bool)
    matrix = csr_matrix(
        (np.array(counts, dtype=np.float64), indices, indptr), shape=(n, len(vocabulary))
    )
    if max_features is not None and len(vocabulary) > max_features:
        totals = np.asarray(matrix.sum(axis=0)).ravel()
        matrix = matrix[:, np.sort(np.argsort(-totals, kind="stable")[:max_features])].tocsr()
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    idf = np.log((1 + n) / (1 + frequency)) + 1
    matrix.data = (np.log(matrix.data) + 1) * idf[matrix.indices]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
    return matrix, present


def _binary(rows: Sequence[Sequence[str]]) -> Any:
    from scipy.sparse import csr_matrix

    vocabulary: dict[str, int] = {}
    indptr, indices = [0], []
    for items in rows:
        columns = sorted({vocabulary.setdefault(item, len(vocabulary)) for item in items})
        indices.extend(columns)
        indptr.append(len(indices))
    data = np.ones(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), max(len(vocabulary), 1)))


def _columns(rows: Sequence[Sequence[int]], width: int) -> Any:
    """A 0/1 sparse matrix with a 1 in each row's listed (distinct) columns."""
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0] + [len(row) for row in rows])
    indices = np.array([k for row in rows for k in row], dtype=np.int64)
    data = np.ones(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), max(width, 1)))


class Evidence:
    """Precomputed per-signature vectors; `pairs(rows, cols)` gives the feature tensor."""

    def __init__(
        self, signatures: Sequence[Signature], topics: NDArray[np.float64] | None = None
    ) -> None:
        """`topics`: one unit-length text embedding per signature (title), or None."""
        self.signatures = list(signatures)
        self.topics = topics
        self.index = {s.key: i for i, s in enumerate(self.signatures)}
        own = [person_key(s.name) for s in self.signatures]
        coauthors = [
            sorted({person_key(n) for n in s.coauthors} - {own[i], ""})
            for i, s in enumerate(self.signatures)
        ]
        self.coauthors = _binary(coauthors)
        self.coauthor_counts = np.array([len(c) for c in coauthors], dtype=float)
        self.titles, _ = _tfidf([s.title for s in self.signatures], stop_words="english")
        self.abstracts, self.has_abstract = _tfidf(
            [s.abstract for s in self.signatures], stop_words="english", max_features=50_000
        )
        self.venues, self.has_venue = _tfidf(
            [_venue_text(s.venue) for s in self.signatures], token_pattern=r"[a-z]{2,}"
        )
        venue_keys = [fold(s.venue or "") for s in self.signatures]
        codes: dict[str, int] = {}
        self.venue_codes = np.array([codes.setdefault(v, len(codes)) for v in venue_keys])
        self.affiliations, self.has_affiliation = _tfidf(
            [s.affiliation for s in self.signatures], stop_words="english"
        )
        self.categories = _binary([s.categories for s in self.signatures])
        self.has_categories = np.array([bool(s.categories) for s in self.signatures])
        self.category_counts = np.array([len(set(s.categories)) for s in self.signatures], float)
        self.years = np.array([s.year if s.year else np.nan for s in self.signatures], float)
        self.names = [parse_name(s.name) for s in self.signatures]
        self.printed = [fold(s.name) for s in self.signatures]
        self.works = np.array([s.work for s in self.signatures])
        self.common_cjk = np.array([n.surname in _COMMON_CJK_SURNAMES for n in self.names])
        # Second-order co-authorship: co-authors' co-authors, as a normalised bag.
        graph = self.coauthors @ self.coauthors.T
        self.second_order = _row_normalise(graph @ self.coauthors)
        self._citations: tuple[Any, Any] | None = None

    def pairs(self, rows: Sequence[int], cols: Sequence[int]) -> NDArray[np.float64]:
        """Features for every (row, col) pair, shape (len(rows), len(cols), len(FEATURE_NAMES))."""
        r = np.asarray(rows, dtype=int)
        c = np.asarray(cols, dtype=int)
        out = np.full((len(r), len(c), len(FEATURE_NAMES)), np.nan)
        out[:, :, 0], out[:, :, 1] = self._names(r, c)
        shared = _product(self.coauthors, r, c)
        union = self.coauthor_counts[r][:, None] + self.coauthor_counts[c][None, :] - shared
        out[:, :, 2] = shared
        out[:, :, 3] = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        out[:, :, 4] = np.minimum.outer(self.coauthor_counts[r], self.coauthor_counts[c])
        both_venue = np.logical_and.outer(self.has_venue[r], self.has_venue[c])
        same_venue = np.equal.outer(self.venue_codes[r], self.venue_codes[c]).astype(float)
        out[:, :, 5] = np.where(both_venue, same_venue, np.nan)
        out[:, :, 6] = _masked_cosine(self.venues, self.has_venue, r, c)
        out[:, :, 7] = _product(self.titles, r, c)
        out[:, :, 8] = _masked_cosine(self.abstracts, self.has_abstract, r, c)
        out[:, :, 9] = self._category_jaccard(r, c)
        out[:, :, 10] = _masked_cosine(self.affiliations, self.has_affiliation, r, c)
        out[:, :, 11] = np.abs(np.subtract.outer(self.years[r], self.years[c]))
        out[:, :, 12] = self._self_citations(r, c)
        out[:, :, 13] = self._source_ids(r, c)
        out[:, :, 14] = _product(self.second_order, r, c)
        out[:, :, 15] = np.logical_or.outer(self.common_cjk[r], self.common_cjk[c])
        if self.topics is not None:
            out[:, :, 16] = self.topics[r] @ self.topics[c].T
        return out

    def _names(self, r: NDArray[np.int_], c: NDArray[np.int_]) -> tuple[Matrix, Matrix]:
        """Given-name agreement (0 conflict, 1 compatible, 2 same full name) and equality,
        computed once per pair of distinct printed names."""
        distinct = sorted(set(self.printed))
        position = {name: k for k, name in enumerate(distinct)}
        parts = {self.printed[k]: self.names[k] for k in range(len(self.printed))}
        table = np.zeros((len(distinct), len(distinct)))
        for a, name_a in enumerate(distinct):
            for b, name_b in enumerate(distinct):
                if a == b:
                    table[a, b] = 2.0 if parts[name_a].has_full_given else 1.0
                else:
                    table[a, b] = given_agreement(parts[name_a], parts[name_b])
        codes = np.array([position[p] for p in self.printed])
        rc, cc = codes[r], codes[c]
        return table[np.ix_(rc, cc)], np.equal.outer(rc, cc).astype(float)

    def _category_jaccard(self, r: NDArray[np.int_], c: NDArray[np.int_]) -> Matrix:
        shared = _product(self.categories, r, c)
        union = self.category_counts[r][:, None] + self.category_counts[c][None, :] - shared
        both = np.logical_and.outer(self.has_categories[r], self.has_categories[c])
        jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        return np.where(both, jaccard, np.nan)

    def _self_citations(self, r: NDArray[np.int_], c: NDArray[np.int_]) -> Matrix:
        """1 where either work cites the other (a strong sign of one person)."""
        cites, own = self._citation_matrices()
        forward = _product(cites, r, c, own)  # the row's work cites the column's
        backward = _product(own, r, c, cites)
        return ((forward + backward) > 0).astype(float)

    def _citation_matrices(self) -> tuple[Any, Any]:
        """Per signature, the block's works its work cites and its own work (sparse, one
        column per work of the block): works outside the block cannot match."""
        if self._citations is None:
            column: dict[int, int] = {}
            for work in self.works.tolist():
                column.setdefault(work, len(column))
            cited = [[column[w] for w in s.cites if w in column] for s in self.signatures]
            self._citations = (
                _columns(cited, len(column)),
                _columns([[column[w]] for w in self.works.tolist()], len(column)),
            )
        return self._citations

    def _source_ids(self, r: NDArray[np.int_], c: NDArray[np.int_]) -> Matrix:
        ids = [self.signatures[k].source_id for k in range(len(self.signatures))]
        if not any(ids):
            return np.full((len(r), len(c)), np.nan)
        codes: dict[str, int] = {}
        values = np.array([codes.setdefault(i, len(codes)) if i else -1 for i in ids])
        rv, cv = values[r], values[c]
        same = np.equal.outer(rv, cv).astype(float)
        known = np.logical_and.outer(rv >= 0, cv >= 0)
        return np.where(known, same, np.nan)


def _venue_text(venue: str | None) -> str | None:
    return fold(venue) if venue else None


def dense(matrix: Any) -> Matrix:
    """A sparse or dense matrix as a dense float array."""
    return np.asarray(matrix.toarray() if hasattr(matrix, "toarray") else matrix, dtype=float)


def _product(
    left: Any, r: NDArray[np.int_], c: NDArray[np.int_], right: Any | None = None
) -> Matrix:
    """Rows `r` of `left` times rows `c` of `right` (default: `left`) transposed, dense. A
    sparse matrix is not copied where all its rows are taken in order (the common case of a
    block scored whole): the same product, without two row selections per feature."""
    right = left if right is None else right
    return dense(_rows(left, r) @ _rows(right, c).T)


def _rows(matrix: Any, rows: NDArray[np.int_]) -> Any:
    everything = len(rows) == matrix.shape[0] and bool((rows == np.arange(len(rows))).all())
    return matrix if everything else matrix[rows]


def _masked_cosine(
    vectors: Any, present: NDArray[np.bool_], r: NDArray[np.int_], c: NDArray[np.int_]
) -> Matrix:
    cosine = _product(vectors, r, c)
    both = np.logical_and.outer(present[r], present[c])
    return np.where(both, cosine, np.nan)


def _row_normalise(matrix: Any) -> Any:
    from sklearn.preprocessing import normalize

    return normalize(matrix.astype(float), norm="l2", axis=1)


def upper_pairs(features: NDArray[np.float64]) -> NDArray[np.float64]:
    """The (i < j) pairs of a square feature tensor as rows."""
    n = features.shape[0]
    i, j = np.triu_indices(n, k=1)
    return features[i, j]

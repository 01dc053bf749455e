"""What resolve records about each person: canonical name, confidence, and a note that
explains visible uncertainty (other people of the same name kept apart, weak cohesion)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from paperscope.identity.features import Evidence
from paperscope.identity.merge import Verdicts
from paperscope.identity.signatures import Signature
from paperscope.names import given_compatible, parse_name, person_key

if TYPE_CHECKING:
    from paperscope.identity.loading import Stored
    from paperscope.identity.model import PairwiseModel

LOW_CONFIDENCE = 0.6
"""Below this mean within-person probability, a note says the works may be several people."""


@dataclass(frozen=True, slots=True)
class PersonDraft:
    """A person as clustered: member indices into the block, the id to keep (None: new)."""

    members: tuple[int, ...]
    keep_id: int | None = None
    canonical_name: str = ""
    confidence: float | None = None
    note: str | None = None
    authorships: tuple[tuple[int, float], ...] = field(default_factory=tuple)
    """(authorship id, mean probability of being one person with the other members)."""
    joins: tuple[float, ...] = ()
    """Probabilities of the second-pass merges that joined this person's groups."""
    verdicts: Verdicts | None = None
    """The second pass's last probabilities between this block's groups (None: no pass)."""

    def confidence_groups(self) -> Iterator[tuple[float, list[int]]]:
        groups: dict[float, list[int]] = {}
        for key, confidence in self.authorships:
            groups.setdefault(round(confidence, 2), []).append(key)
        yield from sorted(groups.items())


def canonical_name(signatures: Sequence[Signature]) -> str:
    """The most printed full form ("Haoyu Ren" over "H. Ren"), longest on ties."""
    counts = Counter(s.name for s in signatures)
    return max(counts, key=lambda n: (parse_name(n).has_full_given, counts[n], len(n), n))


def _span(signatures: Sequence[Signature]) -> str:
    count = f"{len(signatures)} work" + ("" if len(signatures) == 1 else "s")
    years = sorted(s.year for s in signatures if s.year)
    if not years:
        return count
    span = str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"
    return f"{count} {span}"


def _top_coauthors(signatures: Sequence[Signature], k: int = 2) -> list[str]:
    counts = Counter(name for s in signatures for name in s.coauthors)
    return [name for name, _ in counts.most_common(k)]


def describe_block(
    members: Sequence[Stored],
    drafts: list[PersonDraft],
    probabilities: NDArray[np.float64] | None,
    evidence: Evidence,
    model: PairwiseModel,
) -> list[PersonDraft]:
    """Fill names, confidences and notes of the drafts of one block."""
    signatures = [m.signature for m in members]
    described: list[PersonDraft] = []
    for draft in drafts:
        mine = [signatures[k] for k in draft.members]
        within = _within(draft.members, probabilities, evidence, model)
        described.append(
            replace(
                draft,
                canonical_name=canonical_name(mine),
                confidence=float(np.mean(within)) if len(draft.members) > 1 else 1.0,
                authorships=tuple(
                    (signatures[k].key, float(c))
                    for k, c in zip(draft.members, within, strict=True)
                ),
            )
        )
    coauthors: dict[tuple[int, ...], frozenset[str]] = {}
    return [
        replace(d, note=_note(d, described, signatures, probabilities, model, coauthors))
        for d in described
    ]


def _within(
    group: Sequence[int],
    probabilities: NDArray[np.float64] | None,
    evidence: Evidence,
    model: PairwiseModel,
) -> NDArray[np.float64]:
    """Per member: mean probability with the group's other members (1.0 alone)."""
    if len(group) == 1:
        return np.ones(1)
    if probabilities is not None:
        p = probabilities[np.ix_(group, group)]
    elif len(group) <= 500:
        p = model.probabilities(evidence.pairs(group, group))
    else:
        return np.full(len(group), np.nan)
    p = (p + p.T) / 2
    np.fill_diagonal(p, 0.0)
    return np.asarray(p.sum(axis=1) / (len(group) - 1), dtype=float)


def _note(
    draft: PersonDraft,
    block: Sequence[PersonDraft],
    signatures: Sequence[Signature],
    probabilities: NDArray[np.float64] | None,
    model: PairwiseModel,
    coauthors: dict[tuple[int, ...], frozenset[str]],
) -> str | None:
    """`coauthors`: the co-author keys of the drafts (by members) looked at so far."""
    parts: list[str] = []
    mine = [signatures[k] for k in draft.members]
    name = parse_name(draft.canonical_name)
    namesakes = [
        other
        for other in block
        if other is not draft and given_compatible(name, parse_name(other.canonical_name))
    ]
    if namesakes:
        parts.append(
            f"{len(namesakes) + 1} people print this name; this one: {_span(mine)}"
            + (f" with {', '.join(_top_coauthors(mine))}" if _top_coauthors(mine) else "")
            + "."
        )
        for other in sorted(namesakes, key=lambda d: -len(d.members))[:3]:
            theirs = [signatures[k] for k in other.members]
            shared = _coauthors_of(draft, signatures, coauthors) & _coauthors_of(
                other, signatures, coauthors
            )
            link = _link(draft, other, shared, probabilities, model)
            parts.append(f"Kept apart from {other.canonical_name}, {_span(theirs)}{link}.")
    if draft.joins and model.groups is not None:
        parts.append(
            f"Joined from {len(draft.joins) + 1} groups by their pooled co-authors, venues, "
            f"titles and years (weakest join {min(draft.joins):.2f} >= "
            f"{model.groups.threshold:.2f})."
        )
    if draft.confidence is not None and draft.confidence < LOW_CONFIDENCE and len(mine) > 1:
        parts.append(
            f"Uncertain: mean same-person probability inside this person is "
            f"{draft.confidence:.2f}; these works may be more than one person."
        )
    return " ".join(parts) or None


def _link(
    draft: PersonDraft,
    other: PersonDraft,
    shared: frozenset[str],
    probabilities: NDArray[np.float64] | None,
    model: PairwiseModel,
) -> str:
    """Why two namesakes are apart: the first pass's link, the second pass's verdict."""
    if probabilities is None:
        return ""
    p = probabilities[np.ix_(draft.members, other.members)]
    score, what = (
        (float(p.max()), "strongest same-person link")
        if model.linkage == "single"
        else (float(p.mean()), "mean same-person probability")
    )
    reasons = [f"{what} {score:.3f} < threshold {model.threshold:.2f}"]
    pooled = None
    if draft.verdicts is not None:
        pooled = draft.verdicts.between(min(draft.members), min(other.members))
    if pooled is not None and model.groups is not None:
        reasons.append(
            f"pooled co-authors, venues, titles and years {pooled:.3f} < "
            f"{model.groups.threshold:.2f}"
        )
    reasons.append(f"{len(shared)} shared co-authors")
    return f" ({'; '.join(reasons)})"


def _coauthors_of(
    draft: PersonDraft,
    signatures: Sequence[Signature],
    known: dict[tuple[int, ...], frozenset[str]],
) -> frozenset[str]:
    """The draft's co-author keys, computed once per block (`known` keeps them)."""
    if draft.members not in known:
        known[draft.members] = frozenset(_coauthor_keys([signatures[k] for k in draft.members]))
    return known[draft.members]


def _coauthor_keys(signatures: Sequence[Signature]) -> list[str]:
    return [person_key(n) for s in signatures for n in s.coauthors]

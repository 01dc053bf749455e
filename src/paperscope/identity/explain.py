"""What resolve records about each person: canonical name, confidence, and a note that
explains visible uncertainty (other people of the same name kept apart, weak cohesion)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
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
    return most_printed(Counter(s.name for s in signatures))


def most_printed(counts: Mapping[str, int]) -> str:
    """`canonical_name` from how often each form is printed."""
    return max(counts, key=lambda n: (parse_name(n).has_full_given, counts[n], len(n), n))


def _described(signatures: Sequence[Signature]) -> str:
    """Who the person of these authorships is, without counts: `1996–2025 with A, B`."""
    coauthors_named = ", ".join(_top_coauthors(signatures))
    return (_years(signatures) + (f" with {coauthors_named}" if coauthors_named else "")).strip()


def _years(signatures: Sequence[Signature]) -> str:
    years = sorted(s.year for s in signatures if s.year)
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


def _top_coauthors(signatures: Sequence[Signature], k: int = 2) -> list[str]:
    counts = Counter(name for s in signatures for name in s.coauthors)
    return [name for name, _ in counts.most_common(k)]


def describe_block(
    members: Sequence[Stored],
    drafts: list[PersonDraft],
    probabilities: NDArray[np.float64] | None,
    evidence: Evidence,
    model: PairwiseModel,
    changed: Sequence[bool] | None = None,
) -> list[PersonDraft]:
    """Fill names, confidences and notes of the drafts of one block. `changed` (an
    incremental run): describe and return only those drafts, the others giving their names
    to the notes (`_Scorer` says how their confidences are found)."""
    signatures = [m.signature for m in members]
    wanted = [True] * len(drafts) if changed is None else list(changed)
    scorer = _Scorer(probabilities, evidence, model, members if changed is not None else None)
    described: list[PersonDraft] = []
    for draft, describe in zip(drafts, wanted, strict=True):
        mine = [signatures[k] for k in draft.members]
        if not describe:
            described.append(replace(draft, canonical_name=canonical_name(mine)))
            continue
        within = scorer.within(draft.members)
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
        replace(d, note=_note(d, described, signatures, scorer, model, coauthors))
        for d, describe in zip(described, wanted, strict=True)
        if describe
    ]


class _Scorer:
    """Same-person probabilities between members of a block: from the block's matrix where
    it was computed, else scored here. A full run scores a person's pairs only up to 500
    members (a block above 2,000 describes every person that way). An incremental run
    (`members` given) computed only the pairs with a new member; it describes only the
    people that gained one, and updates their old members' stored means with their
    probabilities against the new members instead of scoring the person's every pair."""

    _WITHIN_LIMIT = 500
    _ROWS = 200

    def __init__(
        self,
        probabilities: NDArray[np.float64] | None,
        evidence: Evidence,
        model: PairwiseModel,
        members: Sequence[Stored] | None,
    ) -> None:
        self.probabilities = probabilities
        self.evidence = evidence
        self.model = model
        self.members = members

    def between(self, rows: Sequence[int], cols: Sequence[int]) -> NDArray[np.float64] | None:
        """The rows x cols probabilities the block's matrix holds (None: not computed)."""
        if self.probabilities is None:
            return None
        return self.probabilities[np.ix_(rows, cols)]

    def within(self, group: Sequence[int]) -> NDArray[np.float64]:
        """Per member: mean probability with the group's other members (1.0 alone)."""
        if len(group) == 1:
            return np.ones(1)
        if self.probabilities is not None:
            p = self.probabilities[np.ix_(group, group)]
        elif (updated := self._updated(group)) is not None:
            return updated
        elif len(group) <= self._WITHIN_LIMIT:
            p = self._scored(group, group)
        else:
            return np.full(len(group), np.nan)
        p = (p + p.T) / 2
        np.fill_diagonal(p, 0.0)
        return np.asarray(p.sum(axis=1) / (len(group) - 1), dtype=float)

    def _updated(self, group: Sequence[int]) -> NDArray[np.float64] | None:
        """An old person that gained members: each old member's stored mean over the old
        others, plus its probabilities with the new members, over the new count of others;
        each new member's mean scored in full (against the loaded members, for a person
        loaded in part). None: not such a person (or a stored mean is missing)."""
        if self.members is None:
            return None
        stored = [self.members[k] for k in group]
        new = [j for j, s in enumerate(stored) if s.person_id is None]
        old = [j for j, s in enumerate(stored) if s.person_id is not None]
        if not new or not old or any(stored[j].person_confidence is None for j in old):
            return None
        rows = [group[j] for j in new]
        p = (self._scored(rows, group) + self._scored(group, rows).T) / 2
        p[np.arange(len(new)), new] = 0.0
        out = np.empty(len(group))
        out[new] = p.sum(axis=1) / (len(group) - 1)
        before = np.array([float(stored[j].person_confidence or 0.0) for j in old])
        was = stored[old[0]].person_size or len(old)  # the whole person, not its loaded part
        out[old] = (before * (was - 1) + p[:, old].sum(axis=0)) / (was + len(new) - 1)
        return out

    def _scored(self, rows: Sequence[int], cols: Sequence[int]) -> NDArray[np.float64]:
        out = np.empty((len(rows), len(cols)))
        for start in range(0, len(rows), self._ROWS):  # bounded feature tensors
            part = list(rows[start : start + self._ROWS])
            out[start : start + len(part)] = self.model.probabilities(
                self.evidence.pairs(part, cols)
            )
        return out


def _note(
    draft: PersonDraft,
    block: Sequence[PersonDraft],
    signatures: Sequence[Signature],
    scorer: _Scorer,
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
        # No counts, of people or of works: only the namesakes clustered beside this person
        # are in `block` (one part of a split block, or an incremental run's candidates,
        # each loaded in part above 100 authorships), and a later run that adds works keeps
        # this note; the author page counts them from the database.
        this_one = _described(mine)
        parts.append(
            "Other people print this name" + (f"; this one: {this_one}." if this_one else ".")
        )
        for other in sorted(namesakes, key=lambda d: -len(d.members))[:3]:
            theirs = _described([signatures[k] for k in other.members])
            shared = _coauthors_of(draft, signatures, coauthors) & _coauthors_of(
                other, signatures, coauthors
            )
            link = _link(draft, other, shared, scorer, model)
            about = f", {theirs}" if theirs else ""
            parts.append(f"Kept apart from {other.canonical_name}{about}{link}.")
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
    scorer: _Scorer,
    model: PairwiseModel,
) -> str:
    """Why two namesakes are apart: the first pass's link, the second pass's verdict."""
    p = scorer.between(draft.members, other.members)
    if p is None:
        return ""
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

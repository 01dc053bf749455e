"""Signatures: one authorship with everything the identity domain weighs about it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from paperscope.names import block_key, swapped_block_key


@dataclass(frozen=True, slots=True)
class Signature:
    """One name printed on one work (S2AND's "signature") and its evidence.

    `key` identifies the authorship (its row id in the store, an index in the benchmark);
    `work` the work (for self-citations and "two authors of one paper are two people").
    """

    key: int
    work: int
    name: str
    coauthors: tuple[str, ...] = ()
    """The other authors' printed names."""
    title: str = ""
    abstract: str | None = None
    venue: str | None = None
    categories: tuple[str, ...] = ()
    affiliation: str | None = None
    year: int | None = None
    orcid: str | None = None
    source_id: str | None = None
    """The author's id in the source that printed the name, `scheme:value`."""
    cites: frozenset[int] = field(default_factory=frozenset)
    """Works this signature's work cites (resolved work ids)."""


def blocks(signatures: Iterable[Signature]) -> dict[str, list[Signature]]:
    """Group signatures by surname + first initial; a swapped two-part name ("Wang Wei") joins
    the block of its other order when that order is printed somewhere too."""
    by_key: dict[str, list[Signature]] = defaultdict(list)
    for signature in signatures:
        by_key[block_key(signature.name)].append(signature)
    parent = {key: key for key in by_key}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    printed = {signature.name.lower() for group in by_key.values() for signature in group}
    for key, group in by_key.items():
        for signature in group:
            other = swapped_block_key(signature.name)
            swapped_name = " ".join(reversed(signature.name.lower().split()))
            if other and other in by_key and other != key and swapped_name in printed:
                parent[find(other)] = find(key)
    merged: dict[str, list[Signature]] = defaultdict(list)
    for key in sorted(by_key):
        merged[find(key)].extend(by_key[key])
    return dict(merged)

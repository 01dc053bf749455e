"""Signatures: one authorship with everything the identity domain weighs about it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
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
    signatures = list(signatures)
    code_of: dict[str, int] = {}
    codes = [code_of.setdefault(s.name, len(code_of)) for s in signatures]
    by_name = name_blocks(list(code_of))
    block_of = {code: key for key, names in by_name.items() for code in names}
    merged: dict[str, list[Signature]] = defaultdict(list)
    for key in by_name:
        merged[key] = []
    for signature, code in zip(signatures, codes, strict=True):
        merged[block_of[code]].append(signature)
    return dict(merged)


def name_blocks(names: Sequence[str]) -> dict[str, list[int]]:
    """The blocks of distinct printed names: block key -> indices into `names`, in key
    order (the smallest key of a swapped pair names the block)."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for code, name in enumerate(names):
        by_key[block_key(name)].append(code)
    parent = {key: key for key in by_key}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    printed = {name.lower() for name in names}
    for key, codes in by_key.items():
        for code in codes:
            other = swapped_block_key(names[code])
            swapped_name = " ".join(reversed(names[code].lower().split()))
            if other and other in by_key and other != key and swapped_name in printed:
                parent[find(other)] = find(key)
    merged: dict[str, list[int]] = defaultdict(list)
    for key in sorted(by_key):
        merged[find(key)].extend(by_key[key])
    return dict(merged)

"""Name blocks for the batch `resolve` stage: the keys each authorship is blocked by, and one
block's signatures rebuilt in the single-machine order.

Blocks are `identity.signatures.blocks`' (surname + first initial; a two-part name printed
family name first joins the block of its other order when that order is printed too),
joined where a stored correction must-link crosses two of them, as
`identity.resolve._blocks_with_constraints` does. Inside a block, members are ordered as the
single-machine stage orders them: by the block key of their first sub-block, their own
block key, then authorship id; ties in the clustering then break the same way.

A block goes to one task whole; `identity.parts.cluster_in_parts` there splits a block
larger than `max_block` (default `identity.parts.PART_LIMIT`, as on one machine) into name
components and bisected parts, so no part costs more than its limit squared. The two
engines split alike only at the same limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperscope.identity.loading import Stored
from paperscope.identity.parts import PART_LIMIT
from paperscope.identity.signatures import Signature
from paperscope.names import block_key, swapped_block_key

DEFAULT_MAX_BLOCK = PART_LIMIT
"""The largest part clustered as one (a part's pair matrix: 1M probabilities, 8 MB)."""


def name_keys(name: str) -> tuple[str, str | None, str]:
    """(block key, swapped block key or None, the name reversed in lower case)."""
    swapped = " ".join(reversed(name.lower().split()))
    return block_key(name), swapped_block_key(name), swapped


def signature(row: Any) -> Stored:
    """One member of a block from a row of the block table (a pandas row or a Spark Row)."""
    from paperscope.batch.spark_util import pairs, plain

    authors = sorted((int(p), str(n)) for p, n in pairs(row["authors"]))
    position = int(row["position"])
    categories = [c for _, c in sorted((int(p), str(c)) for p, c in pairs(row["categories"]))]
    source_value = plain(row["source_value"])
    year = plain(row["year"])
    cites = row["cites"]
    return Stored(
        Signature(
            key=int(row["id"]),
            work=int(row["work_id"]),
            name=str(row["name"]),
            coauthors=tuple(n for p, n in authors if p != position),
            title=str(plain(row["title"]) or ""),
            abstract=plain(row["abstract"]),
            venue=plain(row["venue"]),
            categories=tuple(categories),
            affiliation=plain(row["affiliation"]),
            year=int(year) if year is not None else None,
            orcid=plain(row["orcid"]),
            source_id=f"{plain(row['source_scheme'])}:{source_value}" if source_value else None,
            cites=frozenset(int(c) for c in (cites if cites is not None else ())),
        ),
        None,
        position,
    )


def member_order(rows: Sequence[Any]) -> list[Any]:
    """Rows in the single-machine order: first sub-block, own block key, authorship id."""
    return sorted(rows, key=lambda r: (str(r["named"]), str(r["sub_key"]), int(r["id"])))

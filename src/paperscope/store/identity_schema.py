"""Tables of the identity domain, on the shared metadata (migration: versions/0003_identity.py).

Corrections (`paperscope people merge|split|remove`, and those approved on the web; migration
0011_claims added their audit) are stored by what survives a re-ingest and a re-clustering:
each member authorship is named by one external id of its work plus the author's folded
name (and, as a tie-break, its position), never by a row id.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from paperscope.store.schema import metadata

identity_corrections = Table(
    "identity_corrections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("note", Text),
    # Added by migration 0011_claims: the audit. Who proposed and who approved it (user ids
    # of the accounts domain; NULL: the command line), and for a `revert`, the correction
    # it cancels.
    Column("proposed_by", Integer),
    Column("approved_by", Integer),
    Column("reverts", Integer, ForeignKey("identity_corrections.id", ondelete="CASCADE")),
)

identity_correction_members = Table(
    "identity_correction_members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "correction_id",
        Integer,
        ForeignKey("identity_corrections.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("side", Integer, nullable=False),
    Column("work_scheme", String(16), nullable=False),
    Column("work_value", String(512), nullable=False),
    Column("name_key", Text, nullable=False),
    Column("position", Integer),
    Index("ix_identity_correction_members_correction", "correction_id"),
)

__all__ = ["identity_correction_members", "identity_corrections", "metadata"]

"""Tables of roles, claims, proposed corrections and pipeline runs, on the shared metadata
(migration: versions/0011_claims.py): what the admin page shows and acts on.

`user_roles`: roles granted from the command line (`paperscope users grant-admin`).
`person_claims`: "this is me" on a person's profile; `status` is `pending` (for an admin),
`owner` (verified automatically or approved; at most one per person, a partial unique
index), or `rejected`. `correction_proposals`: a merge, split or work removal proposed on
the web; `pending` until an admin approves (`applied`, with the identity correction it
wrote) or rejects it. Person ids are not foreign keys: a full re-cluster may delete and
recreate people, and a claim or a proposal must outlive that to be shown. Timestamps are
naive UTC. `pipeline_runs`: one row per stage run by `pipeline.runner.run_stages`.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

from paperscope.store.schema import metadata

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("granted_at", DateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "role", name="pk_user_roles"),
)

person_claims = Table(
    "person_claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("evidence", Text, nullable=False),
    # JSON: the durable keys of the person's authorships (identity.corrections.MemberKey)
    # when claimed or last corrected; the resolve stage moves the claim to the person that
    # holds most of them, so a re-ingest or a re-cluster that renumbers people keeps it.
    Column("anchors", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("reviewed_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("reviewed_at", DateTime),
    Index("ix_person_claims_person", "person_id"),
    Index("ix_person_claims_user", "user_id"),
    Index(
        "uq_person_claims_owner",
        "person_id",
        unique=True,
        sqlite_where=text("status = 'owner'"),
        postgresql_where=text("status = 'owner'"),
    ),
)

correction_proposals = Table(
    "correction_proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("other_person", Integer),
    # A JSON list of the works named, as `scheme:value` (durable across re-ingest).
    Column("works", Text, nullable=False),
    Column("note", Text),
    Column("proposed_by", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(8), nullable=False),  # what the proposer was: owner or admin
    Column("created_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reviewed_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("reviewed_at", DateTime),
    Column("correction_id", Integer, ForeignKey("identity_corrections.id", ondelete="SET NULL")),
    Index("ix_correction_proposals_status", "status"),
)

pipeline_runs = Table(
    "pipeline_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("stage", String(16), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", String(8), nullable=False),
    Column("summary", Text),
    Index("ix_pipeline_runs_started", "started_at"),
)
"""Every stage `pipeline.runner.run_stages` ran: `running`, `ok` or `failed` (the error)."""

__all__ = ["correction_proposals", "metadata", "person_claims", "pipeline_runs", "user_roles"]

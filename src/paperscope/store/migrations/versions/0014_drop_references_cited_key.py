"""Drop `ix_references_cited_key` (references by cited value and scheme).

No query reads reference edges by their cited identifier any more: a new edge is linked
before it is inserted (`ingest.references.link_new_edges` looks the identifiers up in
`work_ids`), the end-of-ingest pass starts from the unlinked edges (`cited_work_id IS
NULL`, the index on `cited_work_id`), and the unique edge key has an index of its own. The
index still cost every ingest one more b-tree insert per edge, at a random place: on a copy
of the 100k generated corpus's database, ingesting 56k more records took 18.5 s instead of
21.1 s without it (and it held 35 MB per 100k works).

Revision ID: 0014_drop_references_cited_key
Revises: 0013_references_cited_citing
"""

from __future__ import annotations

from alembic import op

revision = "0014_drop_references_cited_key"
down_revision = "0013_references_cited_citing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_references_cited_key", table_name="references")


def downgrade() -> None:
    op.create_index("ix_references_cited_key", "references", ["cited_value", "cited_scheme"])

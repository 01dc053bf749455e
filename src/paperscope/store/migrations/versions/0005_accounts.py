"""Accounts: users, emailed tokens, sessions, rate limits, library, upvotes, subscriptions,
first-seen times of works and digest deliveries.

Revision ID: 0005_accounts
Revises: 0004_metrics
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_accounts"
down_revision = "0004_metrics"
branch_labels = None
depends_on = None


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("verified_at", sa.DateTime),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, _fk("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_id"])
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bucket", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_rate_events_bucket", "rate_events", ["bucket", "created_at"])
    op.create_table(
        "library_items",
        sa.Column("user_id", sa.Integer, _fk("users.id"), nullable=False),
        sa.Column("work_id", sa.Integer, _fk("works.id"), nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "work_id", name="pk_library_items"),
    )
    op.create_table(
        "library_tags",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("work_id", sa.Integer, nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "work_id", "tag", name="pk_library_tags"),
        sa.ForeignKeyConstraint(
            ["user_id", "work_id"],
            ["library_items.user_id", "library_items.work_id"],
            ondelete="CASCADE",
            name="fk_library_tags_item",
        ),
    )
    op.create_table(
        "user_upvotes",
        sa.Column("user_id", sa.Integer, _fk("users.id"), nullable=False),
        sa.Column("work_id", sa.Integer, _fk("works.id"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "work_id", name="pk_user_upvotes"),
    )
    op.create_index("ix_user_upvotes_work", "user_upvotes", ["work_id"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, _fk("users.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("nothing_new", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("unsubscribe_nonce", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("confirmed_at", sa.DateTime),
        sa.Column("ended_at", sa.DateTime),
    )
    op.create_index("ix_subscriptions_user", "subscriptions", ["user_id"])
    op.create_index("ix_subscriptions_status", "subscriptions", ["status", "period"])
    op.create_table(
        "email_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("subscription_id", sa.Integer, _fk("subscriptions.id")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime),
        sa.UniqueConstraint("token_hash", name="uq_email_tokens_hash"),
    )
    op.create_table(
        "work_first_seen",
        sa.Column("work_id", sa.Integer, _fk("works.id"), primary_key=True),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_work_first_seen_at", "work_first_seen", ["first_seen_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscription_id", sa.Integer, _fk("subscriptions.id"), nullable=False),
        sa.Column("window", sa.String(10), nullable=False),
        sa.Column("since_at", sa.DateTime, nullable=False),
        sa.Column("cutoff_at", sa.DateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("entries", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sending_at", sa.DateTime),
        sa.Column("sent_at", sa.DateTime),
        sa.UniqueConstraint("subscription_id", "window", name="uq_deliveries_window"),
    )
    op.create_index("ix_deliveries_state", "deliveries", ["state"])


def downgrade() -> None:
    for table in (
        "deliveries",
        "work_first_seen",
        "email_tokens",
        "subscriptions",
        "user_upvotes",
        "library_tags",
        "library_items",
        "rate_events",
        "sessions",
        "users",
    ):
        op.drop_table(table)

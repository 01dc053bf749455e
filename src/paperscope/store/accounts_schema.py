"""Tables of the accounts domain, on the shared metadata (migrations: versions/0005_accounts.py,
versions/0009_library.py,
versions/0010_follows.py, versions/0012_feedback.py).

Users sign in by emailed one-time links (`email_tokens`, stored as hashes), keep a library
(`library_items` with a note, read state and what an imported file said, `library_tags`;
imported items that match no stored work yet in `library_unmatched` and
`library_unmatched_tags`, until an ingest brings their work), upvote works (`user_upvotes`,
added to the sources' counts for trending), say what they want more or less of
(`work_feedback`: "not interested" hides a work and is a negative for the personal ranking,
"more like this" a positive), subscribe to digests (`subscriptions`), and follow people,
venues, categories, searches and institutions (`follows`, which feed the home page; a follow
sends no mail).
Every digest sent, skipped or still owed is a row in `deliveries` (one per subscription and
period window), which is what makes `digest send` exactly-once. Timestamps are naive UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from paperscope.store.schema import metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("verified_at", DateTime),
    UniqueConstraint("email", name="uq_users_email"),
)

email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("email", String(320), nullable=False),
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="CASCADE")),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime),
    UniqueConstraint("token_hash", name="uq_email_tokens_hash"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("ix_sessions_user", "user_id"),
)

rate_events = Table(
    "rate_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bucket", String(128), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_rate_events_bucket", "bucket", "created_at"),
)

library_items = Table(
    "library_items",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("added_at", DateTime, nullable=False),
    Column("note", Text),
    Column("read_at", DateTime),
    Column("imported", Text),
    PrimaryKeyConstraint("user_id", "work_id", name="pk_library_items"),
)

library_tags = Table(
    "library_tags",
    metadata,
    Column("user_id", Integer, nullable=False),
    Column("work_id", Integer, nullable=False),
    Column("tag", String(64), nullable=False),
    PrimaryKeyConstraint("user_id", "work_id", "tag", name="pk_library_tags"),
    ForeignKeyConstraint(
        ["user_id", "work_id"],
        ["library_items.user_id", "library_items.work_id"],
        ondelete="CASCADE",
        name="fk_library_tags_item",
    ),
)

library_unmatched = Table(
    "library_unmatched",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("item_key", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("title_key", Text, nullable=False),
    Column("year", Integer),
    Column("doi", String(512)),
    Column("arxiv", String(64)),
    Column("record", Text, nullable=False),
    Column("note", Text),
    Column("read_at", DateTime),
    Column("added_at", DateTime, nullable=False),
    UniqueConstraint("user_id", "item_key", name="uq_library_unmatched_key"),
    Index("ix_library_unmatched_doi", "doi"),
    Index("ix_library_unmatched_arxiv", "arxiv"),
    Index("ix_library_unmatched_title", "title_key"),
)

library_unmatched_tags = Table(
    "library_unmatched_tags",
    metadata,
    Column(
        "item_id",
        Integer,
        ForeignKey("library_unmatched.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("user_id", Integer, nullable=False),
    Column("tag", String(64), nullable=False),
    PrimaryKeyConstraint("item_id", "tag", name="pk_library_unmatched_tags"),
    Index("ix_library_unmatched_tags_user", "user_id", "tag"),
)

user_upvotes = Table(
    "user_upvotes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "work_id", name="pk_user_upvotes"),
    Index("ix_user_upvotes_work", "work_id"),
)

work_feedback = Table(
    "work_feedback",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # "dismissed" or "more"
    Column("created_at", DateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "work_id", name="pk_work_feedback"),
    Index("ix_work_feedback_user_kind", "user_id", "kind"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", Text, nullable=False),
    Column("period", String(8), nullable=False),
    Column("nothing_new", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("unsubscribe_nonce", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("confirmed_at", DateTime),
    Column("ended_at", DateTime),
    Index("ix_subscriptions_user", "user_id"),
    Index("ix_subscriptions_status", "status", "period"),
)

work_first_seen = Table(
    "work_first_seen",
    metadata,
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), primary_key=True),
    Column("first_seen_at", DateTime, nullable=False),
    Index("ix_work_first_seen_at", "first_seen_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("window", String(10), nullable=False),
    Column("since_at", DateTime, nullable=False),
    Column("cutoff_at", DateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("message_id", String(255), nullable=False),
    Column("entries", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Column("sending_at", DateTime),
    Column("sent_at", DateTime),
    UniqueConstraint("subscription_id", "window", name="uq_deliveries_window"),
    Index("ix_deliveries_state", "state"),
)

follows = Table(
    "follows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    # The normal form `notify.follows` keys it by (a person id, a venue key, a category,
    # whitespace-collapsed text), so one thing is followed once.
    Column("value", String(300), nullable=False),
    Column("label", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("user_id", "kind", "value", name="uq_follows_user_kind_value"),
)

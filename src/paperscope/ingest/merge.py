"""How one source's record becomes, or improves, a stored work row.

Policy, kept deliberately simple and predictable:
- A new work takes every field the record has.
- A record matched to an existing work fills the fields that are still empty.
- A newer version of a record already stored (same format and key, different content)
  overrides the fields it carries: the source corrected itself.
- Upvotes only grow: two captures of the same page differ by when they were taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paperscope.ingest.keys import KeyedWork
from paperscope.untrusted import safe_url

WORK_FIELDS = (
    "title",
    "abstract",
    "published",
    "updated",
    "featured",
    "year",
    "venue",
    "primary_category",
    "author_count",
    "authors_truncated",
    "code_badge",
    "upvotes",
    "keywords",
    "comments",
    "url",
    "source_score",
)


def work_row(work: KeyedWork) -> dict[str, Any]:
    """The `works` row a record describes (without id)."""
    record = work.record
    return {
        "title": record.title,
        "title_key": work.title_key,
        "merge_key": work.merge_keys[0] if work.merge_keys else None,
        "abstract": record.abstract,
        "published": record.published,
        "updated": record.updated,
        "featured": record.featured,
        "year": work.year,
        "venue": record.venue,
        "primary_category": record.categories[0] if record.categories else None,
        "author_count": record.author_count or (len(record.authors) or None),
        "authors_truncated": record.authors_truncated or None,
        "code_badge": record.code_badge,
        "upvotes": record.upvotes,
        "keywords": "; ".join(record.keywords) or None,
        "comments": record.comments,
        "url": safe_url(record.url),  # only http(s) is a link; the raw record keeps the rest
        "source_score": record.source_score,
    }


def merged_changes(
    stored: Mapping[str, Any], incoming: Mapping[str, Any], *, override: bool
) -> dict[str, Any]:
    """The columns of `stored` that `incoming` changes under the policy above."""
    changes: dict[str, Any] = {}
    for name in WORK_FIELDS:
        new = incoming[name]
        old = stored[name]
        if new is None or new == old:
            continue
        if name == "upvotes" and old is not None:
            if new > old:
                changes[name] = new
        elif old is None or override:
            changes[name] = new
    if "title" in changes:
        changes["title_key"] = incoming["title_key"]
    if (stored["merge_key"] is None and incoming["merge_key"] is not None) or "title" in changes:
        changes["merge_key"] = incoming["merge_key"]
    return changes

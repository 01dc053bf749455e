"""Naive-UTC time (what the accounts tables store) and digest period windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

PERIODS = ("daily", "weekly")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def window_of(period: str, now: datetime) -> str:
    """The period window `now` falls in: the UTC day, or the Monday of the ISO week."""
    day: date = now.date()
    if period == "daily":
        return day.isoformat()
    if period == "weekly":
        return (day - timedelta(days=day.weekday())).isoformat()
    raise ValueError(f"unknown period {period!r}")

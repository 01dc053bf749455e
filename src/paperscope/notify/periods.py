"""Digest periods and their windows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

PERIODS = ("daily", "weekly")


def window_of(period: str, now: datetime) -> str:
    """The period window `now` falls in: the UTC day, or the Monday of the ISO week."""
    day: date = now.date()
    if period == "daily":
        return day.isoformat()
    if period == "weekly":
        return (day - timedelta(days=day.weekday())).isoformat()
    raise ValueError(f"unknown period {period!r}")

"""Daily and trending lists computed in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from web_corpus import WebCorpus

from paperscope.read.lists import daily, latest_day, trending, trending_score


def test_trending_score_is_the_design_formula() -> None:
    assert trending_score(0, 0.0) == pytest.approx(1 / 2**1.5)
    assert trending_score(9, 14.0) == pytest.approx(10 / 16**1.5)
    assert trending_score(5, -3.0) == trending_score(5, 0.0)  # a clock skew is not a boost


def test_trending_decays_upvotes_by_age(web_corpus: WebCorpus) -> None:
    now = datetime(2024, 3, 7, 12, 0, tzinfo=UTC)
    with web_corpus.store.connect() as connection:
        ranked = trending(connection, now)
    titles = [item.entry.title for item in ranked]
    # Foxtrot: 8 upvotes, 12 h old -> 9 / 14^1.5 = 0.172; Alpha: 50 upvotes, 60 h -> 0.104
    assert titles[:2] == ["Foxtrot: two days later", "Alpha: the most upvoted paper of the day"]
    assert ranked[0].age_hours == 12.0
    assert ranked[0].trending_score == pytest.approx(9 / 14**1.5, rel=1e-5)


def test_daily_and_latest_day(web_corpus: WebCorpus) -> None:
    with web_corpus.store.connect() as connection:
        day = daily(connection, date(2024, 3, 4))
        assert [e.title for e in day.entries] == ["Echo: the day before"]
        assert day.next_day == date(2024, 3, 5)
        empty = daily(connection, date(2024, 3, 6))
        assert empty.entries == () and empty.previous_day == date(2024, 3, 5)
        assert latest_day(connection, date(2024, 3, 6)) == date(2024, 3, 5)
        assert latest_day(connection, date(2030, 1, 1)) == date(2024, 3, 7)

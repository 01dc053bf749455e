"""Rising topics: title terms whose share of a set of works grew in the last months.

Definition (shown on the venue and category pages, and in /about#rising-topics):

- A work's day is its publication date, else 1 July of its year (as `read.works.is_recent`
  counts it); works with neither are left out. The *anchor* is the newest day among the works.
- *Recent* works: day in (anchor - `months`, anchor]. *Earlier* works: day in
  (anchor - `months` - `earlier_months`, anchor - `months`]: by default the last 12 months
  against the three years before.
- For a term t (`metrics.terms`: a title word or adjacent word pair), a = recent works whose
  title has t, n = recent works; b = earlier works with t, m = earlier works.
- Smoothed log-odds ratio (0.5 added to each cell, Haldane-Anscombe):
  `lor = ln((a+.5)/(n-a+.5)) - ln((b+.5)/(m-b+.5))`, its standard error
  `se = sqrt(1/(a+.5) + 1/(n-a+.5) + 1/(b+.5) + 1/(m-b+.5))`, and `z = lor / se`.
- A term is *rising* when a >= `MIN_COUNT` and z >= `Z_MIN` (its share grew by more than
  chance would explain at about the 5% level); rising terms are ranked by z, and a term that
  shares a word with a higher-ranked rising term is left out (so `neural`, `network` and
  `neural network` do not fill three rows). Each shows a, n, b, m.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from paperscope.metrics.terms import TermCounter

MONTHS = 12
EARLIER_MONTHS = 36
MIN_COUNT = 3
Z_MIN = 1.96
SMOOTHING = 0.5
SHOWN = 15


@dataclass(frozen=True, slots=True)
class TermTrend:
    term: str
    recent: int
    """Recent works whose title has the term (a)."""
    earlier: int
    """Earlier works whose title has the term (b)."""
    recent_share: float
    earlier_share: float
    log_odds_ratio: float
    z: float


@dataclass(frozen=True, slots=True)
class RisingTopics:
    anchor: date | None
    """The newest work's day: the recent window ends here."""
    recent_since: date | None
    """The recent window is (recent_since, anchor]."""
    earlier_since: date | None
    """The earlier period is (earlier_since, recent_since]."""
    months: int
    recent_works: int
    earlier_works: int
    min_count: int
    z_min: float
    capped: bool
    """Only the newest works were read (see the page's note); the earlier period then starts
    after the oldest day read."""
    terms: tuple[TermTrend, ...]
    notice: str | None


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(f"no day {months} months before {day}")  # pragma: no cover


def work_day(published: date | None, year: int | None) -> date | None:
    return published or (date(year, 7, 1) if year else None)


def log_odds(a: int, n: int, b: int, m: int) -> tuple[float, float]:
    """Smoothed log-odds ratio of a/n against b/m, and its z (see the module docstring)."""
    s = SMOOTHING
    ratio = math.log((a + s) / (n - a + s)) - math.log((b + s) / (m - b + s))
    error = math.sqrt(1 / (a + s) + 1 / (n - a + s) + 1 / (b + s) + 1 / (m - b + s))
    return ratio, ratio / error


def rising_topics(
    dated: Sequence[tuple[date | None, str]],
    *,
    months: int = MONTHS,
    earlier_months: int = EARLIER_MONTHS,
    capped: bool = False,
    shown: int = SHOWN,
) -> RisingTopics:
    """Rising title terms among (day, title) pairs (see the module docstring)."""
    days = [day for day, _ in dated if day is not None]
    if not days:
        return RisingTopics(
            None, None, None, months, 0, 0, MIN_COUNT, Z_MIN, capped, (), "No dated works."
        )
    anchor = max(days)
    recent_since = months_before(anchor, months)
    earlier_since = months_before(recent_since, earlier_months)
    if capped:  # the oldest day read may be cut short: the earlier period starts after it
        earlier_since = max(earlier_since, min(days))
    recent, earlier = TermCounter(), TermCounter()
    for day, title in dated:
        if day is None or day <= earlier_since:
            continue
        (recent if day > recent_since else earlier).add(title)
    n, m = recent.titles, earlier.titles
    notice = None
    if not n or not m:
        notice = "Too few works: rising topics need works in the recent window and before it."
    trends = _ranked(recent, earlier) if n and m else []
    return RisingTopics(
        anchor=anchor,
        recent_since=recent_since,
        earlier_since=earlier_since,
        months=months,
        recent_works=n,
        earlier_works=m,
        min_count=MIN_COUNT,
        z_min=Z_MIN,
        capped=capped,
        terms=tuple(_distinct_words(trends)[:shown]),
        notice=notice,
    )


def _ranked(recent: TermCounter, earlier: TermCounter) -> list[tuple[TermTrend, frozenset[str]]]:
    n, m = recent.titles, earlier.titles
    found = []
    for key, a in recent.works.items():
        if a < MIN_COUNT:
            continue
        b = earlier.works.get(key, 0)
        ratio, z = log_odds(a, n, b, m)
        if z < Z_MIN:
            continue
        trend = TermTrend(
            term=recent.printed(key),
            recent=a,
            earlier=b,
            recent_share=round(a / n, 4),
            earlier_share=round(b / m, 4),
            log_odds_ratio=round(ratio, 3),
            z=round(z, 2),
        )
        found.append((trend, frozenset(key.split())))
    found.sort(key=lambda item: (-item[0].z, -item[0].recent, item[0].term))
    return found


def _distinct_words(ranked: list[tuple[TermTrend, frozenset[str]]]) -> list[TermTrend]:
    """Leave out a term that shares a word with a higher-ranked one."""
    kept: list[TermTrend] = []
    used: set[str] = set()
    for trend, words in ranked:
        if words & used:
            continue
        kept.append(trend)
        used |= words
    return kept

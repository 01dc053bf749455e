"""Title terms, rising topics (the smoothed log-odds statistic, its windows and limits), and a
profile's author positions, co-author graph and topics over time, on hand-made works."""

from __future__ import annotations

import math
from datetime import date

import pytest

from paperscope.metrics.authorship import author_positions, coauthor_graph, topics_over_time
from paperscope.metrics.terms import TermCounter, fold_plural, title_terms
from paperscope.metrics.trends import (
    MIN_COUNT,
    Z_MIN,
    log_odds,
    months_before,
    rising_topics,
    work_day,
)
from paperscope.read.person_records import PersonRef
from paperscope.read.works import AuthorRef, WorkSummary


def test_title_terms_are_words_and_adjacent_pairs_without_stop_words() -> None:
    terms = title_terms("Towards Graph Neural Networks for the 3D Pre-training of BERT: a Study")
    assert set(terms) == {
        "graph",
        "neural",
        "network",
        "graph neural",
        "neural network",
        "3d",
        "pre-training",
        "3d pre-training",
        "bert",
    }
    assert terms["neural network"] == "Neural Networks"  # keyed folded, shown as printed
    assert title_terms("2019: A Café in 10 Steps") == {"cafe": "Cafe", "step": "Steps"}


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("networks", "network"),
        ("studies", "study"),
        ("analysis", "analysis"),
        ("process", "process"),
        ("robotics", "robotics"),
        ("corpus", "corpus"),
        ("gas", "gas"),
    ],
)
def test_plurals_fold(word: str, folded: str) -> None:
    assert fold_plural(word) == folded


def test_a_work_counts_a_term_once_and_the_common_printing_shows() -> None:
    counter = TermCounter()
    counter.add_all(["Graph graph GRAPH", "graph cuts", "Graph Cuts"])
    assert counter.works["graph"] == 3 and counter.titles == 3
    assert counter.printed("graph") == "Graph" and counter.printed("graph cut") == "Graph Cuts"


def test_log_odds_is_the_smoothed_ratio_over_its_standard_error() -> None:
    ratio, z = log_odds(5, 5, 0, 11)
    expected = math.log(5.5 / 0.5) - math.log(0.5 / 11.5)
    error = math.sqrt(1 / 5.5 + 1 / 0.5 + 1 / 0.5 + 1 / 11.5)
    assert ratio == pytest.approx(expected) and z == pytest.approx(expected / error)
    assert log_odds(3, 30, 10, 100)[0] == pytest.approx(
        math.log(3.5 / 27.5) - math.log(10.5 / 90.5)
    )
    assert log_odds(1, 20, 10, 100)[1] < 0  # a smaller share is not rising


def test_months_before_clamps_to_the_end_of_a_short_month() -> None:
    assert months_before(date(2021, 3, 31), 1) == date(2021, 2, 28)
    assert months_before(date(2020, 3, 31), 1) == date(2020, 2, 29)
    assert months_before(date(2021, 6, 15), 12) == date(2020, 6, 15)
    assert months_before(date(2021, 1, 10), 13) == date(2019, 12, 10)
    assert work_day(None, 2019) == date(2019, 7, 1) and work_day(None, None) is None


def _dated(recent: list[str], earlier: list[str]) -> list[tuple[date | None, str]]:
    anchor = date(2021, 6, 1)
    rows: list[tuple[date | None, str]] = [(anchor, title) for title in recent]
    rows += [(date(2019, 6, 1), title) for title in earlier]
    rows.append((None, "Undated Graph Graph"))  # left out
    rows.append((date(2015, 1, 1), "Graph Ancient"))  # before the earlier period
    return rows


def test_rising_topics_windows_counts_and_ranking() -> None:
    recent = ["Graph Transformers"] * 4 + ["Widget Kernels"] * 4
    earlier = ["Widget Kernels"] * 10 + ["Graph Cuts"] * 1 + ["Kernel Tricks"] * 9
    rising = rising_topics(_dated(recent, earlier), months=12)
    assert (rising.anchor, rising.recent_since) == (date(2021, 6, 1), date(2020, 6, 1))
    assert rising.earlier_since == date(2017, 6, 1)
    assert (rising.recent_works, rising.earlier_works) == (8, 20)
    terms = {t.term: t for t in rising.terms}
    graph = terms["Graph"]
    assert (graph.recent, graph.earlier, graph.recent_share, graph.earlier_share) == (
        4,
        1,
        0.5,
        0.05,
    )
    assert graph.z == pytest.approx(round(log_odds(4, 8, 1, 20)[1], 2))
    assert all(t.recent >= MIN_COUNT and t.z >= Z_MIN for t in rising.terms)
    assert "Graph Transformers" not in terms  # shares a word with the higher-ranked Graph
    assert "Widget" not in terms  # 4 of 8 against 10 of 20: the same share
    zs = [t.z for t in rising.terms]
    assert zs == sorted(zs, reverse=True)


def test_rising_topics_need_both_periods_and_enough_works() -> None:
    only_recent = rising_topics([(date(2021, 1, 1), "Graph")] * 5)
    assert only_recent.terms == () and only_recent.notice and "Too few works" in only_recent.notice
    assert rising_topics([]).notice == "No dated works."
    rare = rising_topics(_dated(["Graph Transformers"] * 2, ["Widgets"] * 30))
    assert rare.terms == ()  # 2 recent works: below MIN_COUNT


def test_capped_reading_starts_the_earlier_period_after_the_oldest_day_read() -> None:
    rows = [(date(2021, 6, 1), "Graph")] * 5 + [(date(2020, 1, 1), "Widget")] * 5
    rows += [(date(2019, 1, 1), "Widget")] * 5  # the oldest day read, perhaps cut short
    rising = rising_topics(rows, capped=True)
    assert rising.capped and rising.earlier_since == date(2019, 1, 1)
    assert rising.earlier_works == 5


def _work(
    work_id: int,
    title: str,
    authors: list[tuple[str, int | None]],
    *,
    year: int = 2020,
    count: int | None = None,
    category: str | None = None,
) -> WorkSummary:
    refs = tuple(
        AuthorRef(name, person, name.lower(), position)
        for position, (name, person) in enumerate(authors, start=1)
    )
    total = count or len(refs)
    return WorkSummary(
        work_id=work_id,
        title=title,
        abstract=None,
        authors=refs,
        author_count=total,
        authors_truncated=total > len(refs),
        published=None,
        year=year,
        day=None,
        venue=None,
        primary_category=category,
        code_urls=(),
        code_badge=False,
        upvotes=None,
        in_corpus_citations=0,
        reported_citations=None,
        citations=0,
        citation_source="corpus",
        recent=False,
        ai_score=None,
        score=None,
        novelty_pct=None,
        citation_pct=None,
    )


ME = PersonRef(1, "ada")
WORKS = [
    _work(1, "Widget Folding", [("Ada", 1), ("Grace", 2)], year=2018, category="cs.LG"),
    _work(2, "Widget Kernels", [("Grace", 2), ("Alan", None), ("Ada", 1)], category="cs.LG"),
    _work(3, "Sole Widget Work", [("Ada", 1)], year=2021, category="stat.ML"),
    _work(4, "Middle Kernels", [("Alan", None), ("Ada", 1), ("Grace", 2)], category="cs.LG"),
    _work(5, "Listed by a profile", [("Bob", None)], count=9),  # Ada hidden by et al.
    _work(6, "Ten Authors", [("Ada", 1), ("Bob", None)], count=10),
]


def test_author_positions_count_sole_works_apart_and_sum_to_the_papers() -> None:
    positions = author_positions(ME, WORKS)
    assert (positions.first, positions.last, positions.sole) == (2, 1, 1)
    assert (positions.middle, positions.unknown, positions.papers) == (1, 1, 6)
    total = positions.first + positions.last + positions.sole + positions.middle
    assert total + positions.unknown == positions.papers
    assert positions.first_share == round(2 / 6, 4) and positions.sole_share == round(1 / 6, 4)
    assert author_positions(ME, []).first_share is None


def test_coauthor_graph_nodes_edges_and_limit() -> None:
    graph = coauthor_graph(ME, "Ada", WORKS)
    assert [(n.name, n.works, n.person_key) for n in graph.nodes] == [
        ("Ada", 6, "person:1"),
        ("Grace", 3, "person:2"),
        ("Alan", 2, "name:alan"),
        ("Bob", 2, "name:bob"),
    ]
    edges = {(e.source, e.target): e.works for e in graph.edges}
    assert edges == {(0, 1): 3, (0, 2): 2, (0, 3): 2, (1, 2): 2}
    small = coauthor_graph(ME, "Ada", WORKS, limit=1)
    assert len(small.nodes) == 2 and small.coauthors == 3 and len(small.edges) == 1


def test_topics_over_time_per_year() -> None:
    topics = topics_over_time(WORKS)
    assert topics.years == (2018, 2019, 2020, 2021)
    rows = {row.topic: row for row in topics.terms}
    assert rows["Widget"].per_year == ((2018, 1), (2020, 1), (2021, 1))
    assert rows["Kernels"].works == 2 and "Widget Kernels" not in rows
    assert [(c.topic, c.works) for c in topics.categories] == [("cs.LG", 3), ("stat.ML", 1)]
    assert topics_over_time([]).years == ()

"""Following people, venues, categories, searches and institutions, and the home feed they
build, on SQLite and PostgreSQL: what each follow picks and why, newest first and paged,
normal forms (one follow per thing), and nobody seeing or removing another user's follows."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from corpus import add_person, add_work

from paperscope.accounts import feedback
from paperscope.accounts.users import user_for_email
from paperscope.errors import NotFoundError, QueryError
from paperscope.notify import follows
from paperscope.store import Store

NOW = datetime(2026, 11, 20, 8, 0)


def _user(store: Store, email: str) -> int:
    with store.transaction() as connection:
        return user_for_email(connection, email, NOW, verified=True).id


def _follow(store: Store, user_id: int, kind: str, value: str) -> follows.Follow:
    with store.transaction() as connection:
        return follows.add(connection, user_id, kind, value, NOW)


def _feed(store: Store, user_id: int, page: int = 1, per_page: int = 20) -> follows.HomeFeed:
    with store.connect() as connection:
        return follows.home_feed(connection, user_id, page, per_page=per_page)


def test_each_kind_picks_its_works_newest_first_with_every_reason(store: Store) -> None:
    grace = add_person(store, "Grace Hopper")
    by_grace = add_work(
        store,
        "Compilers for everyone",
        authors=(("G. Hopper", grace),),
        categories=("cs.PL",),
        published=date(2026, 1, 5),
    )
    at_acl = add_work(
        store, "Parsing news", venue="ACL 2019", categories=("cs.PL",), published=date(2026, 3, 1)
    )
    at_acl_later = add_work(
        store,
        "Parsing more",
        venue="Proceedings of ACL 2020",
        categories=("cs.PL",),
        published=date(2026, 5, 1),
    )
    in_cv = add_work(store, "Pixels", categories=("cs.CV",), published=date(2026, 2, 1))
    graph = add_work(
        store,
        "Graph neural networks",
        "Message passing.",
        categories=("cs.PL",),
        published=date(2026, 4, 1),
    )
    at_mit = add_work(
        store,
        "Robots",
        authors=(("Ada Lovelace", None), ("Rod Brooks", None)),
        affiliations=(None, "CSAIL, MIT; Cambridge"),
        categories=("cs.PL",),
        published=date(2026, 6, 1),
    )
    add_work(
        store,
        "Smithing",
        authors=(("Smith", None),),
        affiliations=("Smithsonian Institute",),
        categories=("cs.PL",),
        published=date(2026, 7, 1),
    )
    pat = _user(store, "pat@example.org")
    person = _follow(store, pat, "person", str(grace))
    venue = _follow(store, pat, "venue", "ACL 2021")
    category = _follow(store, pat, "category", "CV")
    query = _follow(store, pat, "query", "graph  neural")
    institution = _follow(store, pat, "institution", "mit")
    assert (person.label, venue.value, venue.label) == ("Grace Hopper", "acl", "ACL 2019")
    assert (category.value, query.value, institution.value) == ("cs.CV", "graph neural", "mit")

    feed = _feed(store, pat)
    assert [e.work.work_id for e in feed.entries] == [
        at_mit,
        at_acl_later,
        graph,
        at_acl,
        in_cv,
        by_grace,
    ]
    why = {
        e.work.work_id: [(r.follow_id, r.follow, r.reason) for r in e.reasons] for e in feed.entries
    }
    assert why[by_grace] == [(person.id, "person Grace Hopper", "by Grace Hopper (as “G. Hopper”)")]
    assert why[at_acl_later] == [(venue.id, "venue ACL 2019", "in Proceedings of ACL 2020")]
    assert why[in_cv] == [(category.id, "category cs.CV", "in category cs.CV")]
    assert why[graph] == [
        (query.id, "search graph neural", "matches your search “graph neural” (in the title)")
    ]
    assert why[at_mit] == [
        (institution.id, "institution mit", "Rod Brooks at CSAIL, MIT; Cambridge")
    ]
    assert (feed.follows, feed.total, feed.pages) == (5, 6, 1)


def test_a_work_two_follows_pick_says_both_and_pages_hold_the_rest(store: Store) -> None:
    grace = add_person(store, "Grace Hopper")
    ids = [
        add_work(
            store,
            f"Compilers {n}",
            authors=(("Grace Hopper", grace),),
            categories=("cs.PL",),
            published=date(2026, 1, 1 + n),
        )
        for n in range(5)
    ]
    pat = _user(store, "pat@example.org")
    _follow(store, pat, "person", str(grace))
    _follow(store, pat, "category", "cs.PL")
    first = _feed(store, pat, 1, per_page=2)
    assert [e.work.work_id for e in first.entries] == [ids[4], ids[3]]
    assert [r.follow for r in first.entries[0].reasons] == ["category cs.PL", "person Grace Hopper"]
    last = _feed(store, pat, 3, per_page=2)
    assert (last.total, last.pages, [e.work.work_id for e in last.entries]) == (5, 3, [ids[0]])


def test_one_follow_per_thing_and_only_real_things(store: Store) -> None:
    add_work(store, "Parsing", venue="EMNLP 2019", affiliations=("Stanford University",))
    pat = _user(store, "pat@example.org")
    first = _follow(store, pat, "venue", "EMNLP 2019")
    again = _follow(store, pat, "venue", "Proceedings of EMNLP 2023")
    assert again.id == first.id
    assert _follow(store, pat, "category", "cl").value == "cs.CL"
    assert (
        _follow(store, pat, "institution", " stanford   university ").value == "stanford university"
    )
    with pytest.raises(NotFoundError):
        _follow(store, pat, "person", "424242")
    with pytest.raises(QueryError):
        _follow(store, pat, "person", "Grace")
    with pytest.raises(NotFoundError):
        _follow(store, pat, "venue", "NeurIPS")
    with pytest.raises(NotFoundError):
        _follow(store, pat, "category", "cs.DB")
    with pytest.raises(NotFoundError):
        _follow(store, pat, "institution", "Stanford Medicine")
    with pytest.raises(QueryError):
        _follow(store, pat, "query", "  ")
    with pytest.raises(QueryError):
        _follow(store, pat, "journal", "Nature")
    with store.connect() as connection:
        assert [f.kind for f in follows.for_user(connection, pat)] == [
            "category",
            "institution",
            "venue",
        ]


def test_nobody_sees_or_removes_another_users_follows(store: Store) -> None:
    add_work(store, "Parsing", categories=("cs.CL",))
    pat, sam = _user(store, "pat@example.org"), _user(store, "sam@example.org")
    mine = _follow(store, pat, "category", "cs.CL")
    with store.connect() as connection:
        assert follows.for_user(connection, sam) == []
        assert follows.find(connection, sam, "category", "cs.CL") is None
    assert _feed(store, sam).entries == ()
    with store.transaction() as connection, pytest.raises(NotFoundError):
        follows.remove(connection, sam, mine.id)
    with store.connect() as connection:
        assert [f.id for f in follows.for_user(connection, pat)] == [mine.id]
    with store.transaction() as connection:
        follows.remove_value(connection, pat, "category", "cs.CL")
        assert follows.for_user(connection, pat) == []
    assert _feed(store, pat).total == 0


def test_a_work_marked_not_interested_leaves_the_home_feed(store: Store) -> None:
    ids = [
        add_work(store, f"Parsing {n}", categories=("cs.CL",), published=date(2026, 2, 1 + n))
        for n in range(3)
    ]
    pat = _user(store, "pat@example.org")
    _follow(store, pat, "category", "cs.CL")
    with store.transaction() as connection:
        feedback.give(connection, pat, ids[1], "dismissed", NOW)
    feed = _feed(store, pat)
    assert [e.work.work_id for e in feed.entries] == [ids[2], ids[0]]
    assert feed.total == 2

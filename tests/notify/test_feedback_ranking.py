"""Feedback that trains the feed, on SQLite and PostgreSQL: "not interested" and "more like
this" stored per user (nobody sees or changes another's), dismissed works never picked for
any digest, dismissals as weighted negatives of the personal ranking and named in its
reasons, "more like this" as a positive."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from corpus import add_work
from flows import hashing

from paperscope.accounts import feedback, library
from paperscope.accounts.users import user_for_email
from paperscope.errors import NotFoundError, QueryError
from paperscope.notify import personal, subscriptions
from paperscope.notify.feed import personal_feed
from paperscope.notify.selection import pick
from paperscope.store import Store

NOW = datetime(2026, 11, 20, 8, 0)


def _user(store: Store, email: str) -> int:
    with store.transaction() as connection:
        return user_for_email(connection, email, NOW, verified=True).id


def _subscription(store: Store, user_id: int, kind: str, value: str) -> subscriptions.Subscription:
    with store.transaction() as connection:
        sid = subscriptions.create(
            connection, user_id, kind, value, "daily", "note", NOW, confirmed=True
        )
        found = subscriptions.get(connection, sid)
    assert found is not None
    return found


def test_feedback_is_per_user_replaceable_and_undoable(store: Store) -> None:
    a, b = _user(store, "a@example.org"), _user(store, "b@example.org")
    work = add_work(store, "Graph neural networks")
    other = add_work(store, "Protein folding")
    with store.transaction() as connection:
        assert feedback.give(connection, a, work, "dismissed", NOW).changed
        assert not feedback.give(connection, a, work, "dismissed", NOW).changed
        feedback.give(connection, b, other, "more", NOW)
        assert feedback.hidden_ids(connection, a) == {work}
        assert feedback.hidden_ids(connection, b) == frozenset()
        assert feedback.hidden_ids(connection, None) == frozenset()
        # The other kind replaces the first: one feedback per user and work.
        change = feedback.give(connection, a, work, "more", NOW)
        assert (change.kind, change.changed) == ("more", True)
        assert feedback.work_ids(connection, a, "dismissed") == []
        assert feedback.work_ids(connection, a, "more") == [work]
        # b undoing a's work changes nothing of a's.
        assert not feedback.clear(connection, b, work).changed
        assert feedback.kind_of(connection, a, work) == "more"
        page_a, page_b = (
            feedback.feedback_page(connection, a),
            feedback.feedback_page(connection, b),
        )
        assert [e.work.work_id for e in page_a.more] == [work] and not page_a.dismissed
        assert [e.work.work_id for e in page_b.more] == [other]
        assert feedback.clear(connection, a, work).changed
        assert feedback.kind_of(connection, a, work) is None
        with pytest.raises(NotFoundError):
            feedback.give(connection, a, 424242, "dismissed", NOW)
    with pytest.raises(QueryError):
        feedback.check_kind("hate")


def test_dismissed_works_are_never_picked(store: Store) -> None:
    user = _user(store, "pat@example.org")
    hot = add_work(store, "Hot", upvotes=9)
    warm = add_work(store, "Warm", upvotes=3)
    trending = _subscription(store, user, "trending", "")
    with store.transaction() as connection:
        feedback.give(connection, user, hot, "dismissed", NOW)
    with store.connect() as connection:
        assert [p.work_id for p in pick(connection, trending, [hot, warm], hashing)] == [warm]


def _topic_corpus(store: Store) -> tuple[list[int], int, int, int]:
    """Saved protein papers, a galaxy background, and new works: protein folding, protein
    dynamics in membranes (close to a dismissed paper) and galaxies."""
    saved = [
        add_work(store, f"Protein folding with deep networks {n}", "Amino acid sequences fold.")
        for n in range(3)
    ] + [add_work(store, "Protein membrane dynamics", "Lipid membranes and protein motion.")]
    for n in range(40):  # older than the feed's window: the sampled negatives
        add_work(
            store,
            f"Galaxy survey {n}",
            "Telescopes observe distant galaxies and stars.",
            published=date(2025, 1, 1),
        )
    folding = add_work(store, "Predicting protein folding", "Amino acid sequences fold.")
    membranes = add_work(store, "Protein dynamics in lipid membranes", "Membrane protein motion.")
    galaxy = add_work(store, "Galaxy clusters", "Telescopes and distant stars.")
    return saved, folding, membranes, galaxy


def test_dismissals_push_similar_works_down_and_say_so(store: Store) -> None:
    user = _user(store, "pat@example.org")
    saved, folding, membranes, galaxy = _topic_corpus(store)
    disliked = add_work(store, "Membrane protein simulation", "Lipid membrane protein motion.")
    with store.transaction() as connection:
        for work in saved:
            library.save(connection, user, work, [], NOW)
    candidates = [folding, membranes, galaxy, disliked]
    with store.connect() as connection:
        before = personal.rank(connection, user, "", candidates, hashing)
    assert {p.work_id for p in before.picks} >= {folding, membranes}
    assert all(p.pushed_down_by is None for p in before.picks) and not before.held_back
    with store.transaction() as connection:
        feedback.give(connection, user, disliked, "dismissed", NOW)
    with store.connect() as connection:
        after = personal.rank(connection, user, "", candidates, hashing)
    picked = {p.work_id: p for p in after.picks}
    assert disliked not in picked and galaxy not in picked
    assert folding in picked and picked[folding].pushed_down_by is None
    before_p = {p.work_id: p.probability for p in before.picks}
    after_p = {p.work_id: p.probability for p in after.picks}
    # The dismissal lowers the membrane paper: held back, or picked saying why.
    if membranes in picked:
        assert after_p[membranes] < before_p[membranes]
        assert picked[membranes].pushed_down_by == "Membrane protein simulation"
    else:
        assert [h.work_id for h in after.held_back] == [membranes]
        assert after.held_back[0].dismissed_title == "Membrane protein simulation"


def test_more_like_this_is_a_positive_and_the_feed_says_why(store: Store) -> None:
    user = _user(store, "pat@example.org")
    _saved, folding, _membranes, galaxy = _topic_corpus(store)
    liked = add_work(store, "Amino acid folding", "Protein sequences fold into structure.")
    with store.connect() as connection:
        assert personal_feed(connection, user, hashing).entries == ()  # nothing learnt yet
    with store.transaction() as connection:
        feedback.give(connection, user, liked, "more", NOW)
    with store.connect() as connection:
        feed = personal_feed(connection, user, hashing)
    ids = [item.work.work_id for item in feed.entries]
    assert folding in ids and galaxy not in ids and liked not in ids
    reason = feed.entries[ids.index(folding)].reason
    assert "closest to your asked more like “Amino acid folding”" in reason


def test_a_dismissal_weighs_more_than_a_sampled_negative() -> None:
    rng = np.random.default_rng(3)
    positives = rng.normal(1.0, 0.3, (5, 4)).astype(np.float32)
    sampled = rng.normal(-1.0, 0.3, (50, 4)).astype(np.float32)
    dismissed = np.array([[1.0, 1.0, -1.0, -1.0]], dtype=np.float32)
    test = np.array([[1.0, 1.0, -0.8, -0.8]], dtype=np.float32)
    light = personal.fit_scores(positives, dismissed, sampled, test, 1.0)[0]
    heavy = personal.fit_scores(positives, dismissed, sampled, test, 20.0)[0]
    none = personal.fit_scores(positives, dismissed[:0], sampled, test)[0]
    assert heavy < light < none

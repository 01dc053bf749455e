"""What each kind of subscription picks from the new works, and the reason it gives."""

from __future__ import annotations

from datetime import datetime

import pytest
from corpus import add_person, add_work
from flows import hashing

from paperscope.accounts import library
from paperscope.accounts.users import user_for_email
from paperscope.errors import NotFoundError, QueryError
from paperscope.notify import subscriptions
from paperscope.notify.selection import pick, query_terms
from paperscope.store import Store

NOW = datetime(2026, 11, 20, 8, 0)


def _subscription(store: Store, kind: str, value: str) -> subscriptions.Subscription:
    with store.transaction() as connection:
        user = user_for_email(connection, "pat@example.org", NOW, verified=True)
        sid = subscriptions.create(
            connection, user.id, kind, value, "daily", "note", NOW, confirmed=True
        )
        found = subscriptions.get(connection, sid)
    assert found is not None
    return found


def _pick(store: Store, subscription: subscriptions.Subscription, ids: list[int]):  # type: ignore[no-untyped-def]
    with store.connect() as connection:
        return pick(connection, subscription, ids, hashing)


def test_query_needs_every_word_and_phrase(store: Store) -> None:
    a = add_work(store, "Graph neural networks", "We study message passing.")
    b = add_work(store, "Networks of graphs", "Not the phrase.")
    c = add_work(store, "Vision", "A graph neural network for images.")
    picks = _pick(store, _subscription(store, "query", '"graph neural" network'), [a, b, c])
    assert [p.work_id for p in picks] == [c]
    assert "in the abstract" in picks[0].reason
    assert query_terms('Graph "Neural  Nets" graph') == ["graph", "neural nets"]


def test_category_full_and_short_names(store: Store) -> None:
    cl = add_work(store, "Parsing", categories=("cs.CL",))
    cv = add_work(store, "Pixels", categories=("cs.CV", "cs.CL"))
    lg = add_work(store, "Learning", categories=("cs.LG",))
    assert [
        p.work_id for p in _pick(store, _subscription(store, "category", "CL"), [cl, cv, lg])
    ] == [cv, cl]  # newest first when upvotes tie
    picks = _pick(store, _subscription(store, "category", "cs.LG"), [cl, cv, lg])
    assert [(p.work_id, p.reason) for p in picks] == [(lg, "in category cs.LG")]


def test_person_by_resolved_authorship(store: Store) -> None:
    grace = add_person(store, "Grace Hopper")
    mine = add_work(store, "Compilers", authors=(("G. Hopper", grace), ("Other", None)))
    other = add_work(store, "Not hers", authors=(("Grace Hoppe", None),))
    picks = _pick(store, _subscription(store, "person", str(grace)), [mine, other])
    assert [(p.work_id, p.reason) for p in picks] == [(mine, "by Grace Hopper (as “G. Hopper”)")]
    with pytest.raises(NotFoundError):
        _subscription(store, "person", "424242")
    with pytest.raises(QueryError):
        _subscription(store, "person", "Grace")


def test_trending_orders_by_source_plus_local_upvotes(store: Store) -> None:
    low = add_work(store, "Low", upvotes=1)
    high = add_work(store, "High", upvotes=5)
    local = add_work(store, "Locally loved", upvotes=4)
    with store.transaction() as connection:
        for n in range(3):
            user = user_for_email(connection, f"u{n}@example.org", NOW, verified=True)
            library.toggle_upvote(connection, user.id, local, NOW)
    picks = _pick(store, _subscription(store, "trending", ""), [low, high, local])
    assert [p.work_id for p in picks] == [local, high, low]
    assert picks[0].reason.startswith("trending: 7 upvotes")


def test_personal_ranking_learns_from_the_library(store: Store) -> None:
    saved = [
        add_work(
            store,
            f"Protein folding with deep networks {n}",
            "Protein structure prediction, amino acid sequences, folding.",
        )
        for n in range(3)
    ]
    for n in range(30):
        add_work(store, f"Galaxy survey {n}", "Telescopes observe distant galaxies and stars.")
    liked = add_work(
        store, "Predicting protein folding", "Amino acid sequences fold into structure."
    )
    disliked = add_work(store, "Galaxy clusters", "Telescopes and distant stars.")
    subscription = _subscription(store, "personal", "")
    with store.transaction() as connection:
        for work in saved:
            library.save(connection, subscription.user_id, work, ["bio"], NOW)
    picks = _pick(store, subscription, [liked, disliked])
    assert [p.work_id for p in picks] == [liked]
    assert "like your library" in picks[0].reason and "Protein folding" in picks[0].reason
    # A tag with no saved works trains nothing, and says nothing.
    assert _pick(store, _subscription(store, "personal", "empty tag"), [liked]) == []


class CountingEncoder:
    """The hashing encoder, counting the texts it had to encode."""

    def __init__(self) -> None:
        self.inner = hashing()
        self.name, self.version, self.dim = self.inner.name, self.inner.version, self.inner.dim
        self.encoded = 0

    def encode(self, texts, batch_size=32):  # type: ignore[no-untyped-def]
        self.encoded += len(texts)
        return self.inner.encode(texts, batch_size)


def test_personal_ranking_uses_stored_vectors(store: Store) -> None:
    from sqlalchemy import insert, select

    from paperscope.embeddings.encoders import work_text
    from paperscope.store.schema import works
    from paperscope.store.search_schema import embeddings

    saved = add_work(store, "Protein folding", "Amino acid sequences fold.")
    for n in range(250):
        add_work(store, f"Galaxy survey {n}", "Telescopes observe distant galaxies.")
    fresh = add_work(store, "Protein structure", "Amino acid folding prediction.")
    encoder = CountingEncoder()
    with store.transaction() as connection:
        rows = connection.execute(select(works.c.id, works.c.title, works.c.abstract)).all()
        vectors = encoder.inner.encode([work_text(r.title, r.abstract) for r in rows])
        connection.execute(
            insert(embeddings),
            [
                {
                    "work_id": r.id,
                    "model": encoder.name,
                    "version": encoder.version,
                    "text_hash": "x",
                    "vector": vectors[n].tobytes(),
                }
                for n, r in enumerate(rows)
            ],
        )
    subscription = _subscription(store, "personal", "")
    with store.transaction() as connection:
        library.save(connection, subscription.user_id, saved, [], NOW)
        picks = pick(connection, subscription, [fresh], lambda: encoder)  # type: ignore[arg-type,return-value]
    assert [p.work_id for p in picks] == [fresh]
    assert encoder.encoded == 0

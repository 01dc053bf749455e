"""Which new works go into a subscription's digest, and why each one was picked.

The candidates are the works new in the digest's window (see newworks), less those the
subscriber marked "not interested". Each kind of
subscription filters and orders them and says why:
  trending     the most upvoted new works (source + local upvotes)
  query        every query word (or quoted phrase) occurs in the title or abstract
  person       an authorship of the work is resolved to the person
  category     the work is in the category (`cs.CL`, or `CL` for any archive)
  venue        the work's venue key (`store.venues.venue_key`) is the venue's
  institution  an author's printed affiliation contains the institution's name (folded,
               as whole words)
  personal     the library-trained model (personal.py) likes it

`match` is the filter of the kinds that name a thing (query, person, category, venue,
institution) over candidates in a given order: digests call it through `pick` (most upvoted
first, at most `MAX_ENTRIES`), the home feed of followed things (follows.py) with the newest
works first and no cap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, select

from paperscope.accounts.feedback import hidden_ids
from paperscope.names import fold
from paperscope.notify import personal
from paperscope.notify.entries import DigestItem
from paperscope.notify.subscriptions import Subscription
from paperscope.read.works import load_works, upvote_counts
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, people, work_categories, works

if TYPE_CHECKING:
    from paperscope.embeddings.encoders import Encoder

MAX_ENTRIES = 25
MATCH_KINDS = ("query", "person", "category", "venue", "institution")
"""The kinds `match` filters by: each names one thing (a search, a person, ...)."""
_TERMS = re.compile(r'"([^"]+)"|(\S+)')


@dataclass(frozen=True, slots=True)
class Pick:
    work_id: int
    reason: str


@dataclass(slots=True)
class Pool:
    """What picking reads about candidate works, read once per run: the subscribers of one
    run mostly share the same new works."""

    upvotes: dict[int, int] = field(default_factory=dict)
    texts: dict[int, tuple[str, str]] = field(default_factory=dict)
    categories: dict[int, list[str]] = field(default_factory=dict)
    venues: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    affiliations: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def load_upvotes(self, connection: Connection, ids: list[int]) -> dict[int, int]:
        missing = [i for i in ids if i not in self.upvotes]
        if missing:
            self.upvotes.update(upvote_counts(connection, missing))
        return self.upvotes

    def load_texts(self, connection: Connection, ids: list[int]) -> dict[int, tuple[str, str]]:
        missing = [i for i in ids if i not in self.texts]
        if missing:
            for work_id, title, abstract in connection.execute(
                select(works.c.id, works.c.title, func.coalesce(works.c.abstract, "")).where(
                    in_list(works.c.id, missing)
                )
            ):
                self.texts[work_id] = (title.lower(), abstract.lower())
        return self.texts

    def load_categories(self, connection: Connection, ids: list[int]) -> dict[int, list[str]]:
        missing = [i for i in ids if i not in self.categories]
        for work_id in missing:
            self.categories[work_id] = []
        if missing:
            for work_id, name in connection.execute(
                select(work_categories.c.work_id, work_categories.c.category).where(
                    in_list(work_categories.c.work_id, missing)
                )
            ):
                self.categories[work_id].append(name)
        return self.categories

    def load_venues(
        self, connection: Connection, ids: list[int]
    ) -> dict[int, tuple[str | None, str | None]]:
        """(venue key, venue as printed) of each work."""
        missing = [i for i in ids if i not in self.venues]
        if missing:
            for work_id, key, venue in connection.execute(
                select(works.c.id, works.c.venue_key, works.c.venue).where(
                    in_list(works.c.id, missing)
                )
            ):
                self.venues[work_id] = (key, venue)
        return self.venues

    def load_affiliations(
        self, connection: Connection, ids: list[int]
    ) -> dict[int, list[tuple[str, str]]]:
        """(printed name, printed affiliation) of each author who printed one, in order."""
        missing = [i for i in ids if i not in self.affiliations]
        for work_id in missing:
            self.affiliations[work_id] = []
        if missing:
            for work_id, name, affiliation in connection.execute(
                select(authorships.c.work_id, authorships.c.name, authorships.c.affiliation)
                .where(
                    in_list(authorships.c.work_id, missing),
                    authorships.c.affiliation.is_not(None),
                )
                .order_by(authorships.c.work_id, authorships.c.position)
            ):
                self.affiliations[work_id].append((name, affiliation))
        return self.affiliations


def match(
    connection: Connection,
    kind: str,
    value: str,
    order: list[int],
    pool: Pool,
    limit: int | None = MAX_ENTRIES,
) -> list[Pick]:
    """The works of `order` (kept in that order, at most `limit`) that a `kind` of
    `MATCH_KINDS` naming `value` picks, each with why."""
    if kind == "category":
        return _by_category(pool.load_categories(connection, order), value, order, limit)
    if kind == "person":
        return _by_person(connection, int(value), order, limit)
    if kind == "venue":
        return _by_venue(pool.load_venues(connection, order), value, order, limit)
    if kind == "institution":
        return _by_institution(pool.load_affiliations(connection, order), value, order, limit)
    if kind == "query":
        return _by_query(pool.load_texts(connection, order), value, order, limit)
    raise ValueError(f"{kind!r} is not one of {MATCH_KINDS}")


def pick(
    connection: Connection,
    subscription: Subscription,
    candidates: list[int],
    encoder_factory: Callable[[], Encoder],
    pool: Pool | None = None,
) -> list[Pick]:
    pool = pool or Pool()
    hidden = hidden_ids(connection, subscription.user_id)  # "not interested" is never sent
    candidates = [c for c in candidates if c not in hidden]
    if not candidates:
        return []
    kind, value = subscription.kind, subscription.value
    if kind == "personal":
        ranked = personal.rank(connection, subscription.user_id, value, candidates, encoder_factory)
        return [Pick(p.work_id, personal_reason(p)) for p in ranked.picks[:MAX_ENTRIES]]
    upvotes = pool.load_upvotes(connection, candidates)
    order = sorted(candidates, key=lambda i: (-upvotes.get(i, 0), -i))
    if kind == "trending":
        return [
            Pick(i, f"trending: {upvotes.get(i, 0)} upvotes, among the most upvoted new papers")
            for i in order[:MAX_ENTRIES]
        ]
    return match(connection, kind, value, order, pool)


def personal_reason(pick: personal.PersonalPick) -> str:
    """Why the personal ranking picked a work: the nearest kept or liked work, and the
    dismissal that lowered it, if one did."""
    kept = "asked more like" if pick.nearest_liked else "saved"
    reason = (
        f"for you: {pick.probability:.0%} like your library; closest to your {kept} "
        f"“{pick.nearest_title}” (similarity {pick.similarity:.2f})"
    )
    if pick.pushed_down_by is not None:
        reason += f"; ranked lower because you marked “{pick.pushed_down_by}” not interested"
    return reason


def _full(picks: list[Pick], limit: int | None) -> bool:
    return limit is not None and len(picks) >= limit


def _by_category(
    categories: dict[int, list[str]], category: str, order: list[int], limit: int | None
) -> list[Pick]:
    wanted = category.strip().lower()
    short = "." not in wanted
    picks = []
    for work_id in order:
        hit = next(
            (
                name
                for name in categories.get(work_id, ())
                if name.lower() == wanted or (short and name.rsplit(".", 1)[-1].lower() == wanted)
            ),
            None,
        )
        if hit is not None:
            picks.append(Pick(work_id, f"in category {hit}"))
            if _full(picks, limit):
                break
    return picks


def _by_venue(
    venues: dict[int, tuple[str | None, str | None]],
    key: str,
    order: list[int],
    limit: int | None,
) -> list[Pick]:
    picks = []
    for work_id in order:
        found_key, printed = venues.get(work_id, (None, None))
        if found_key == key:
            picks.append(Pick(work_id, f"in {printed or key}"))
            if _full(picks, limit):
                break
    return picks


def institution_pattern(institution: str) -> re.Pattern[str] | None:
    """The folded institution's words as a whole-word pattern over folded affiliations
    (`MIT` finds "CSAIL, MIT" and not "Smith"); None when no word is left."""
    folded = fold(institution)
    return _pattern(folded) if folded else None


def _by_institution(
    affiliations: dict[int, list[tuple[str, str]]],
    institution: str,
    order: list[int],
    limit: int | None,
) -> list[Pick]:
    pattern = institution_pattern(institution)
    if pattern is None:
        return []
    picks = []
    for work_id in order:
        hit = next(
            (
                (name, printed)
                for name, printed in affiliations.get(work_id, ())
                if pattern.search(fold(printed))
            ),
            None,
        )
        if hit is not None:
            picks.append(Pick(work_id, f"{hit[0]} at {hit[1]}"))
            if _full(picks, limit):
                break
    return picks


def _by_person(
    connection: Connection, person_id: int, order: list[int], limit: int | None
) -> list[Pick]:
    name = connection.execute(
        select(people.c.canonical_name).where(people.c.id == person_id)
    ).scalar_one_or_none()
    hits: dict[int, str] = {}
    for work_id, printed in connection.execute(
        select(authorships.c.work_id, authorships.c.name).where(
            authorships.c.person_id == person_id, in_list(authorships.c.work_id, order)
        )
    ):
        hits.setdefault(work_id, printed)
    picks = [Pick(i, f"by {name or hits[i]} (as “{hits[i]}”)") for i in order if i in hits]
    return picks if limit is None else picks[:limit]


def query_terms(text: str) -> list[str]:
    """Words and "quoted phrases", lower-cased."""
    terms = []
    for phrase, word in _TERMS.findall(text.lower()):
        term = " ".join((phrase or word).split()).strip("\"'")
        if term and term not in terms:
            terms.append(term)
    return terms


def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(term) + r"(?!\w)")


def _by_query(
    texts: dict[int, tuple[str, str]], text: str, order: list[int], limit: int | None
) -> list[Pick]:
    terms = query_terms(text)
    patterns = [_pattern(t) for t in terms]
    if not patterns:
        return []

    def found(index: int, haystack: str) -> bool:
        # The substring test first: a whole-word regex is many times slower, and most
        # texts do not hold the term at all.
        return terms[index] in haystack and patterns[index].search(haystack) is not None

    picks = []
    for work_id in order:
        title, abstract = texts.get(work_id, ("", ""))
        in_title = [found(n, title) for n in range(len(terms))]
        if all(in_title):
            where = "title"
        elif all(hit or found(n, abstract) for n, hit in enumerate(in_title)):
            where = "abstract"
        else:
            continue
        picks.append(Pick(work_id, f"matches your search “{text}” (in the {where})"))
        if _full(picks, limit):
            break
    return picks


def load_entries(connection: Connection, picks: list[Pick]) -> list[DigestItem]:
    """Each picked work as every list shows it, in pick order (vanished works dropped)."""
    found = {w.work_id: w for w in load_works(connection, [p.work_id for p in picks])}
    return [DigestItem(found[p.work_id], p.reason) for p in picks if p.work_id in found]

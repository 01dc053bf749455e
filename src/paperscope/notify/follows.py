"""Following: the people, venues, categories, searches and institutions a user follows, and
the home feed built from them.

A follow is not a digest subscription: it sends no mail, has no period and no opt-in; it
feeds the signed-in user's home page (`/home`, `paperscope home`). What a follow picks is
decided by the same filters digests use (`selection.match`), run over the newest
`FEED_WINDOW` works of the store (newest first) instead of a digest window's new works.

Each follow is stored once per thing, in a normal form: a person by id, a venue by its key
(`store.venues.venue_key`, so "ACL 2019" and "ACL 2020" are one venue), a category as the
store spells it (`CL` becomes the `cs.CL` most works list), a search and an institution
with their whitespace collapsed. A follow must name something the store has: a person, a
venue or category some work lists, an institution some author printed as an affiliation.
Every function takes the user's id and touches only that user's rows: another user's
follow is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import Connection, Row, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from paperscope.accounts.feedback import hidden_ids
from paperscope.errors import NotFoundError, QueryError
from paperscope.names import fold
from paperscope.notify.selection import (
    MATCH_KINDS,
    Pick,
    Pool,
    institution_pattern,
    match,
    query_terms,
)
from paperscope.read.lists import newest_work_ids
from paperscope.read.venues import find_category, find_venue
from paperscope.read.works import WorkSummary, load_works
from paperscope.store.accounts_schema import follows
from paperscope.store.schema import authorships, people
from paperscope.store.venues import venue_key
from paperscope.untrusted import parse_id

KINDS = MATCH_KINDS
"""What can be followed: query, person, category, venue, institution."""
MAX_FOLLOWS = 200
"""Follows per user (each is a filter the home feed runs)."""
MAX_VALUE_CHARS = 300
FEED_WINDOW = 5000
"""How many of the newest works the home feed looks through."""
PER_PAGE = 20
_KIND_NAMES = {
    "query": "search",
    "person": "person",
    "category": "category",
    "venue": "venue",
    "institution": "institution",
}


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    kind: str
    value: str
    """The normal form: person id, venue key, category, search or institution text."""
    label: str
    """What to call it: the person's or venue's name, the category, the text."""
    created_at: datetime

    @property
    def description(self) -> str:
        return f"{_KIND_NAMES[self.kind]} {self.label}"

    @property
    def url(self) -> str | None:
        """The page of what is followed (institutions have none)."""
        if self.kind == "person":
            return f"/author/{self.value}"
        if self.kind == "venue":
            return "/venue?" + urlencode({"name": self.label})
        if self.kind == "category":
            return "/category/" + quote(self.value, safe="")
        if self.kind == "query":
            return "/search?" + urlencode({"q": self.value})
        return None


@dataclass(frozen=True, slots=True)
class FeedReason:
    """Which follow picked a work, and what it saw."""

    follow_id: int
    follow: str
    """The follow's description (`person Ada Lovelace`)."""
    reason: str


@dataclass(frozen=True, slots=True)
class HomeEntry:
    work: WorkSummary
    reasons: tuple[FeedReason, ...]


@dataclass(frozen=True, slots=True)
class HomeFeed:
    follows: int
    """How many things the user follows."""
    window: int
    """How many of the newest works were looked through."""
    total: int
    page: int
    per_page: int
    pages: int
    entries: tuple[HomeEntry, ...]


def _text(value: str, kind: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise QueryError(f"name the {_KIND_NAMES.get(kind, kind)} to follow")
    if len(text) > MAX_VALUE_CHARS:
        raise QueryError(f"the {kind} is longer than {MAX_VALUE_CHARS} characters")
    return text


def normal_value(kind: str, value: str) -> str:
    """The stored form of `value` as a `kind` (without checking that the store has it)."""
    if kind not in KINDS:
        raise QueryError(f"unknown kind {kind!r}; follow one of {', '.join(KINDS)}")
    text = _text(value, kind)
    if kind == "person":
        person_id = parse_id(text)
        if person_id is None:
            raise QueryError("follow a person by their numeric id")
        return str(person_id)
    if kind == "venue":
        return venue_key(text) or text
    return text


def resolve(connection: Connection, kind: str, value: str) -> tuple[str, str]:
    """(normal value, label) of what `kind` `value` names in this store; NotFound if nothing."""
    text = normal_value(kind, value)
    if kind == "person":
        name = connection.execute(
            select(people.c.canonical_name).where(people.c.id == int(text))
        ).scalar_one_or_none()
        if name is None:
            raise NotFoundError(f"no person {text}")
        return text, str(name)
    if kind == "venue":
        found = find_venue(connection, value)
        if found is None:
            raise NotFoundError(f"no work lists the venue {value.strip()!r}")
        return found.key, found.name
    if kind == "category":
        category = find_category(connection, text)
        if category is None:
            raise NotFoundError(f"no work lists the category {text!r}")
        return category.category, category.category
    if kind == "institution":
        _check_institution(connection, text)
        return text, text
    if not query_terms(text):
        raise QueryError("a search to follow needs at least one word")
    return text, text


def _check_institution(connection: Connection, text: str) -> None:
    """Some stored affiliation holds the institution's words (a whole-word match on the
    folded texts that contain its longest word)."""
    pattern = institution_pattern(text)
    if pattern is None:
        raise QueryError("an institution to follow needs at least one letter or digit")
    longest = max(text.lower().split(), key=len)
    rows = connection.execute(
        select(authorships.c.affiliation)
        .where(func.lower(authorships.c.affiliation).contains(longest, autoescape=True))
        .distinct()
        .limit(10_000)
    ).scalars()
    if not any(pattern.search(fold(affiliation)) for affiliation in rows):
        raise NotFoundError(
            f"no author printed the affiliation {text!r} (institutions come from the "
            "affiliations sources print, e.g. OpenAlex's and arXiv's)"
        )


def _record(row: Row[Any]) -> Follow:
    r = row._mapping
    return Follow(r["id"], r["kind"], r["value"], r["label"], r["created_at"])


def for_user(connection: Connection, user_id: int) -> list[Follow]:
    rows = connection.execute(
        select(follows).where(follows.c.user_id == user_id).order_by(follows.c.kind, follows.c.id)
    )
    return [_record(row) for row in rows]


def find(connection: Connection, user_id: int, kind: str, value: str) -> Follow | None:
    """This user's follow of `kind` `value` (given in any spelling `normal_value` reads)."""
    try:
        normal = normal_value(kind, value)
    except QueryError:
        return None
    row = connection.execute(
        select(follows).where(
            follows.c.user_id == user_id, follows.c.kind == kind, follows.c.value == normal
        )
    ).first()
    return _record(row) if row else None


def add(connection: Connection, user_id: int, kind: str, value: str, now: datetime) -> Follow:
    """Follow `kind` `value`; following it again changes nothing."""
    normal, label = resolve(connection, kind, value)
    existing = find(connection, user_id, kind, normal)
    if existing is not None:
        return existing
    count = connection.execute(
        select(func.count()).select_from(follows).where(follows.c.user_id == user_id)
    ).scalar_one()
    if count >= MAX_FOLLOWS:
        raise QueryError(f"you follow {MAX_FOLLOWS} things already: unfollow some first")
    try:
        with connection.begin_nested():
            new_id = connection.execute(
                insert(follows)
                .values(user_id=user_id, kind=kind, value=normal, label=label, created_at=now)
                .returning(follows.c.id)
            ).scalar_one()
    except IntegrityError:  # the same follow, added at the same moment (a double click)
        raced = find(connection, user_id, kind, normal)
        if raced is None:
            raise
        return raced
    return Follow(int(new_id), kind, normal, label, now)


def remove(connection: Connection, user_id: int, follow_id: int) -> None:
    """Unfollow; another user's follow (or none) is NotFound (not Forbidden)."""
    removed = connection.execute(
        delete(follows).where(follows.c.id == follow_id, follows.c.user_id == user_id)
    ).rowcount
    if not removed:
        raise NotFoundError("you do not follow this")


def remove_value(connection: Connection, user_id: int, kind: str, value: str) -> Follow:
    found = find(connection, user_id, kind, value)
    if found is None:
        raise NotFoundError(f"you do not follow the {kind} {value.strip()!r}")
    remove(connection, user_id, found.id)
    return found


def home_feed(
    connection: Connection,
    user_id: int,
    page: int = 1,
    *,
    per_page: int = PER_PAGE,
    window: int = FEED_WINDOW,
) -> HomeFeed:
    """The newest works any of the user's follows picks, newest first, each with every
    follow that picked it; one page of them. Works the user marked "not interested" are
    left out, as everywhere else."""
    mine = for_user(connection, user_id)
    hidden = hidden_ids(connection, user_id)
    order = [i for i in newest_work_ids(connection, window) if i not in hidden] if mine else []
    pool = Pool()
    reasons: dict[int, list[FeedReason]] = {}
    for follow in mine:
        picks: list[Pick] = match(connection, follow.kind, follow.value, order, pool, None)
        for picked in picks:
            reasons.setdefault(picked.work_id, []).append(
                FeedReason(follow.id, follow.description, picked.reason)
            )
    picked_ids = [work_id for work_id in order if work_id in reasons]
    total = len(picked_ids)
    pages = max(1, -(-total // per_page))
    start = (page - 1) * per_page
    shown = load_works(connection, picked_ids[start : start + per_page])
    entries = tuple(HomeEntry(work, tuple(reasons[work.work_id])) for work in shown)
    return HomeFeed(len(mine), len(order), total, page, per_page, pages, entries)

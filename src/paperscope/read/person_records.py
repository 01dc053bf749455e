"""Who a person is, as every page, API answer, CLI listing and digest names them: a resolved
person (`person:<id>`) or a provisional one (`name:<name key>`), and the summary that tells
namesakes apart. `read.people` finds and summarises them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PERSON_KEY = re.compile(r"(?:person:)?(?P<id>\d+)|name:(?P<name>.+)")


@dataclass(frozen=True, slots=True)
class PersonRef:
    """A person, resolved (`person_id`) or provisional (`name_key` only)."""

    person_id: int | None
    name_key: str

    @property
    def key(self) -> str:
        if self.person_id is not None:
            return f"person:{self.person_id}"
        return f"name:{self.name_key}"

    @property
    def provisional(self) -> bool:
        return self.person_id is None

    def is_own(self, person_id: int | None, key: str) -> bool:
        """Whether an authorship (its person id and name key) is this person's."""
        if self.person_id is not None:
            return person_id == self.person_id
        return person_id is None and key == self.name_key


@dataclass(frozen=True, slots=True)
class CoAuthor:
    name: str
    person_id: int | None
    shared_works: int


@dataclass(frozen=True, slots=True)
class PersonSummary:
    """What tells namesakes apart: years, categories, co-authors, and the person id."""

    person_id: int | None
    person_key: str
    name: str
    provisional: bool
    papers: int
    first_year: int | None
    last_year: int | None
    top_categories: tuple[str, ...]
    top_coauthors: tuple[CoAuthor, ...]
    confidence: float | None
    """`people.confidence`: the mean same-person probability between the person's works, as
    `resolve` stored it; None for provisional people and people resolve did not score."""
    note: str | None
    """`people.note`: why these works are one person and who they were kept apart from."""

    @property
    def ref(self) -> PersonRef:
        match = _PERSON_KEY.fullmatch(self.person_key)
        key = match["name"] if match and match["name"] else ""
        return PersonRef(self.person_id, key)


def parse_person_key(text: str) -> PersonRef | None:
    """`123`, `person:123` or `name:<name key>`; None when `text` is a plain name."""
    match = _PERSON_KEY.fullmatch(text.strip())
    if match is None:
        return None
    if match["id"]:
        return PersonRef(int(match["id"]), "")
    return PersonRef(None, match["name"])

"""Name normalisation: fold diacritics and case so that spellings of one name compare equal.

`fold`, `surname_key` and `name_key` are what ingest stores (`authorships.name_key`); do not
change what they return. `parse_name` splits a printed name into given names, particles,
surname and suffix for the identity domain: blocking, and deciding whether two printed names
can be one person ("H. Ren" and "Haoyu Ren" can; "Hao Ren" and "Haoyu Ren" cannot).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})
# Letters that NFKD does not decompose into a base letter plus a combining mark.
_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "la", "le", "dos", "das"}
    | {"ter", "ten", "zu", "bin", "al", "el", "mac", "st"}
)
# Initials are 1 letter; "Ch." or "Th." style two-letter abbreviations count as initials too.
_INITIAL_TOKEN = re.compile(r"^[^\W\d_]{1,2}\.$|^[^\W\d_]$")


def fold(text: str) -> str:
    """Lower-case ASCII-ish form: accents dropped, punctuation to single spaces."""
    lowered = text.lower()
    if not lowered.isascii():
        decomposed = unicodedata.normalize("NFKD", lowered.translate(_FOLD))
        lowered = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", lowered).strip()


def surname_key(name: str) -> str:
    """The folded family name of a "First Last" name ("Last, First" is also understood)."""
    if "," in name:
        name = name.split(",", 1)[0]
        tokens = fold(name).split()
        return tokens[-1] if tokens else ""
    tokens = [t for t in fold(name).split() if t not in _SUFFIXES]
    return tokens[-1] if tokens else ""


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """Folded "first last" form of a name; "Last, First" is turned around first."""
    if name.count(",") == 1:
        last, first = name.split(",")
        name = f"{first} {last}"
    return fold(name)


@dataclass(frozen=True, slots=True)
class NameParts:
    """A printed name taken apart, every part folded.

    `given` holds one entry per given name: a hyphenated or run-together romanised name
    ("Ya-Qi", "Yaqi") is one entry `yaqi`; an initial ("H.") is one letter. `surname` joins
    particles and hyphenated parts without spaces ("van der Berg" -> `vanderberg`,
    "El-Khamy" -> `elkhamy`), so spellings that only differ there compare equal.
    """

    given: tuple[str, ...]
    surname: str
    suffix: str = ""

    @property
    def first_initial(self) -> str:
        return self.given[0][0] if self.given and self.given[0] else ""

    @property
    def first_given(self) -> str:
        return self.given[0] if self.given else ""

    @property
    def initials(self) -> str:
        return "".join(g[0] for g in self.given if g)

    @property
    def has_full_given(self) -> bool:
        return bool(self.given) and len(self.given[0]) > 1

    def key(self) -> str:
        """A canonical "given surname" form: the same for every spelling of the same name."""
        return " ".join((*self.given, self.surname)).strip()


def _tokens_keeping_hyphens(text: str) -> list[str]:
    """Whitespace tokens of `text`, hyphenated parts kept together, each part folded."""
    out: list[str] = []
    for raw in text.replace(".", ". ").split():
        folded = "".join(fold(part) for part in raw.split("-")).replace(" ", "")
        is_initial = folded not in _SUFFIXES and bool(_INITIAL_TOKEN.match(raw))
        if folded:
            out.append(folded[0] if is_initial else folded)
    return out


@lru_cache(maxsize=200_000)
def parse_name(name: str) -> NameParts:
    """Take a printed name apart: "Last, First", suffixes, particles, initials, hyphens."""
    text = name.strip()
    if text.count(",") == 1:
        last, first = text.split(",")
        # "John Smith, Jr" puts a suffix after the comma; otherwise it is "Last, First".
        text = f"{last} {first}" if fold(first) in _SUFFIXES else f"{first} {last}"
    elif text.count(",") > 1:
        text = text.replace(",", " ")
    tokens = _tokens_keeping_hyphens(text)
    suffix = ""
    while len(tokens) > 1 and tokens[-1] in _SUFFIXES:
        suffix = tokens.pop()
    if not tokens:
        return NameParts((), "", suffix)
    surname_parts = [tokens.pop()]
    while len(tokens) > 1 and tokens[-1] in _PARTICLES:
        surname_parts.insert(0, tokens.pop())
    return NameParts(tuple(tokens), "".join(surname_parts), suffix)


def given_compatible(a: NameParts, b: NameParts) -> bool:
    """Can the two names be the same person? Initials match full names; full names must agree.

    "H. Ren" ~ "Haoyu Ren"; "Haoyu Ren" ~ "Hao-Yu Ren"; "Hao Ren" !~ "Haoyu Ren";
    "J. A. Smith" !~ "J. B. Smith"; a missing middle name is compatible.
    """
    if a.surname != b.surname:
        return _swapped(a, b)
    for x, y in zip(a.given, b.given, strict=False):
        if len(x) > 1 and len(y) > 1:
            if x != y:
                return False
        elif x[:1] != y[:1]:
            return False
    return True


def _swapped(a: NameParts, b: NameParts) -> bool:
    """ "Wang Wei" printed family-name first beside "Wei Wang"."""
    return (
        len(a.given) == 1
        and len(b.given) == 1
        and (a.given[0] == b.surname and a.surname == b.given[0])
    )


def given_agreement(a: NameParts, b: NameParts) -> int:
    """How well the given names agree: 2 same full names, 1 compatible, 0 conflicting."""
    if not given_compatible(a, b):
        return 0
    if a.has_full_given and b.has_full_given and a.given == b.given:
        return 2
    return 1


@lru_cache(maxsize=200_000)
def person_key(name: str) -> str:
    """A co-author's identity: surname and full first given name (or its initial)."""
    parts = parse_name(name)
    return f"{parts.surname} {parts.first_given}".strip()


def block_key(name: str) -> str:
    """The blocking key: folded surname and first initial ("Haoyu Ren" -> `ren h`)."""
    parts = parse_name(name)
    return f"{parts.surname} {parts.first_initial}".strip()


def swapped_block_key(name: str) -> str | None:
    """The block a two-part name would fall in if printed family name first, else None."""
    parts = parse_name(name)
    if len(parts.given) != 1 or not parts.has_full_given or parts.suffix:
        return None
    return f"{parts.given[0]} {parts.surname[:1]}"

"""Name normalisation: fold diacritics and case so that spellings of one name compare equal."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})
# Letters that NFKD does not decompose into a base letter plus a combining mark.
_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


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

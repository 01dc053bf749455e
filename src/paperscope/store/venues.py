"""The definition of `works.venue_key`: one key for the printings of one venue.

Venues are free text, and one venue prints many ways: "Proceedings of the 2019 CHI
Conference on Human Factors in Computing Systems" and "... the 2020 CHI Conference ...",
"ICPR (3)", "ACL 2019", "SemEval-2007", "Knowledge Discovery & Data Mining". The key keeps
what names the venue and drops what names one edition or one volume of it:

1. accents and case folded (NFKD, combining marks dropped), `&` read as `and`;
2. trailing parenthesised volume or part marks dropped: `(3)`, `(II)`, `(Volume 1: Long
   Papers)`, `(Vol. 2)`, `(Part B)` (a group holding only a number, or starting with
   vol/volume/part/pt/no);
3. punctuation becomes spaces; what is left is split into words of letters and digits;
4. words naming an edition dropped anywhere: years (`1900`-`2099`, and `'19` / `’19`),
   ordinal numbers (`43rd`, `2nd`) and ordinal words (`first` ... `twentieth`);
5. trailing volume numbers dropped (`... 52`, `... vol 3`, `... part 2`, `... 2 011`);
6. a leading `in`, `proceedings`, `proc`, `of`, `the` (any run of them) dropped.

The words left, joined by single spaces, are the key; a venue with no word left keeps its
folded text. Abbreviations are not expanded (`COLING` and `International Conference On
Computational Linguistics` are two keys), and the key is idempotent (the key of a key is
itself), so a page addressed by a key finds the same works.

This module is the column's definition, like a generated column's expression: ingest and
migration 0008_venues compute the column with it. Changing the rules needs a migration that
recomputes `works.venue_key`.
"""

from __future__ import annotations

import re
import unicodedata

_VOLUME_GROUP = re.compile(
    r"\s*\(\s*(?:\d+|[ivx]+|(?:vol|volume|part|pt|no)\b[^()]*)\s*\)\s*$", re.IGNORECASE
)
_SHORT_YEAR = re.compile(r"['’‘]\d{2}\b")
_WORD = re.compile(r"[a-z0-9]+")
_YEAR = re.compile(r"(?:19|20)\d\d")
_ORDINAL_NUMBER = re.compile(r"\d+(?:st|nd|rd|th)")
_ORDINAL_TEXT = """
    first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
    thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth
"""
_ORDINAL_WORDS = frozenset(_ORDINAL_TEXT.split())
_VOLUME_WORDS = frozenset({"vol", "volume", "part", "pt", "no", "issue"})
_LEADING = frozenset({"in", "proceedings", "proc", "of", "the"})
_ROMAN = re.compile(r"[ivxlc]+")
MAX_VENUE_CHARS = 500
"""Longer venue texts are cut before they are keyed (a venue is not a paragraph)."""


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _edition_word(word: str) -> bool:
    return bool(_YEAR.fullmatch(word) or _ORDINAL_NUMBER.fullmatch(word) or word in _ORDINAL_WORDS)


def _drop_trailing_volume(words: list[str]) -> list[str]:
    """`... 52`, `... vol 3`, `... part ii`, `... 2 011`: numbers at the end (digits, or roman
    after a volume word), and a volume word before them."""
    while True:
        digits = len(words) > 1 and words[-1].isdigit()
        roman = len(words) > 2 and words[-2] in _VOLUME_WORDS and _ROMAN.fullmatch(words[-1])
        if not (digits or roman):
            return words
        words = words[:-1]
        if len(words) > 1 and words[-1] in _VOLUME_WORDS:
            words = words[:-1]


def venue_key(text: str | None) -> str | None:
    """The key of a printed venue (see the module docstring); None for no venue."""
    if text is None:
        return None
    cleaned = _folded(text[:MAX_VENUE_CHARS]).replace("&", " and ").strip()
    if not cleaned:
        return None
    while True:
        shorter = _VOLUME_GROUP.sub("", cleaned)
        if shorter == cleaned or not shorter.strip():
            break
        cleaned = shorter
    cleaned = _SHORT_YEAR.sub(" ", cleaned)
    words = [word for word in _WORD.findall(cleaned) if not _edition_word(word)]
    words = _drop_trailing_volume(words)
    start = 0
    while start < len(words) - 1 and words[start] in _LEADING:
        start += 1
    words = words[start:]
    if not words:
        fallback = " ".join(_WORD.findall(cleaned)) or " ".join(cleaned.split())
        return fallback or None
    return " ".join(words)

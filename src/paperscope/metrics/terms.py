"""The terms of a title that topics are counted by: words and adjacent word pairs.

A title is accent-folded and split into words (letters, digits and inner
hyphens: `bert`, `3d`, `pre-training`); single characters and pure numbers are dropped. A
*term* is one word that is not a stop word (English function words and title boilerplate
such as `using`, `based`, `towards`, `approach`), or two such words printed next to each
other (`neural network`).
Terms are keyed in lower case with plurals folded (`networks` -> `network`, `studies` ->
`study`; words ending in `ss`, `us`, `is`, `ics` are left alone), and a term is shown as
the printing seen most often (`TinyML`, `Graph Transformers`).
A work counts a term once, however often its title repeats it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.IGNORECASE)
_STOP_TEXT = """
    a about above across after again against all almost along also am among an and any are
    as at be because been before being below between both but by can could did do does doing
    down during each either et al few for from further had has have having he her here hers
    him his how i if in into is it its itself just may me might more most much must my no nor
    not now of off on once one only onto or other our ours out over own per same she should
    so some such than that the their theirs them then there these they this those through
    thus to too two under until up upon us very via vs was we were what when where whether
    which while who whom why will with within without would you your yours
    approach approaches based case new novel paper study towards toward use using
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
_KEEP_ENDINGS = ("ss", "us", "is", "ics")


@lru_cache(maxsize=65_536)
def fold_plural(word: str) -> str:
    """`networks` -> `network`, `studies` -> `study`; short words and `-ss/-us/-is/-ics` kept."""
    if len(word) <= 3 or word.endswith(_KEEP_ENDINGS) or not word.endswith("s"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1]


def _words(title: str) -> list[str]:
    """The title's words as printed (accents dropped, case kept)."""
    if not title.isascii():
        decomposed = unicodedata.normalize("NFKD", title)
        title = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(title)


def title_terms(title: str) -> dict[str, str]:
    """The title's terms: key (lower case, plurals folded) -> the words as printed."""
    terms: dict[str, str] = {}
    previous: tuple[str, str] | None = None
    for printed in _words(title):
        word = printed.lower()
        if len(word) < 2 or word in STOP_WORDS or word.replace("-", "").isdigit():
            previous = None
            continue
        key = fold_plural(word)
        terms.setdefault(key, printed)
        if previous is not None:
            terms.setdefault(f"{previous[0]} {key}", f"{previous[1]} {printed}")
        previous = (key, printed)
    return terms


class TermCounter:
    """Works per term over many titles, and each term's most common printing."""

    def __init__(self) -> None:
        self.works: Counter[str] = Counter()
        self._printings: Counter[tuple[str, str]] = Counter()
        self._best: dict[str, str] | None = None
        self.titles = 0

    def add(self, title: str) -> dict[str, str]:
        terms = title_terms(title)
        self.titles += 1
        self.works.update(terms.keys())
        self._printings.update(terms.items())
        self._best = None
        return terms

    def add_all(self, titles: Iterable[str]) -> None:
        for title in titles:
            self.add(title)

    def printed(self, key: str) -> str:
        """The printing of `key` seen most often (ties: alphabetically first)."""
        if self._best is None:
            best: dict[str, tuple[int, str]] = {}
            for (term, text), count in self._printings.items():
                seen = best.get(term)
                if seen is None or (-count, text) < (-seen[0], seen[1]):
                    best[term] = (count, text)
            self._best = {term: text for term, (_, text) in best.items()}
        return self._best.get(key, key)

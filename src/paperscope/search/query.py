"""Parse a user's query into terms we control: no user syntax ever reaches the database.

A query is a sequence of ``"quoted phrases"``, ``prefix*`` words and plain words. Only word
characters (Unicode ``\\w``) survive; every operator, bracket, colon or quote of FTS5 or
tsquery syntax is dropped, and the engine expression is built from the terms here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperscope.errors import QueryError

MAX_QUERY_CHARS = 2000
MAX_TERMS = 64
MIN_PREFIX_CHARS = 2

_TOKEN = re.compile(r'"([^"]*)"?|(\w+)(\*?)', re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)

_STOP_TEXT = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our ours out over own
    same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours et al
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True, slots=True)
class Term:
    """One search term: a word, a prefix (``word*``) or a phrase (several words in order)."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    terms: tuple[Term, ...]

    @property
    def text(self) -> str:
        """The words of the query, for embedding."""
        return " ".join(" ".join(term.words) for term in self.terms)


def check_length(text: str, limit: int = MAX_QUERY_CHARS) -> str:
    if not text or not text.strip():
        raise QueryError("the query is empty: type some words to search for")
    if len(text) > limit:
        raise QueryError(f"the query is too long ({len(text)} characters; the limit is {limit})")
    if "\x00" in text:
        raise QueryError("the query contains a NUL character")
    return text.strip()


def parse_query(text: str, limit: int = MAX_QUERY_CHARS, max_terms: int = MAX_TERMS) -> ParsedQuery:
    """Terms of ``text``: phrases, prefixes and words, stop words dropped outside phrases.

    Raises QueryError for an empty or overlong query, or one with no searchable word.
    """
    text = check_length(text, limit)
    terms: list[Term] = []
    stops: list[Term] = []
    for match in _TOKEN.finditer(text):
        phrase, word, star = match.groups()
        if phrase is not None:
            words = tuple(w.lower() for w in _WORD.findall(phrase))
            if words:
                terms.append(Term(words))
            continue
        word = word.lower()
        prefix = bool(star) and len(word) >= MIN_PREFIX_CHARS
        term = Term((word,), prefix=prefix)
        (stops if word in STOP_WORDS and not prefix else terms).append(term)
    if not terms:
        terms = stops  # a query of stop words only ("the who") is still a query
    if not terms:
        raise QueryError(
            "the query has no searchable words: use letters or digits, "
            '"quoted phrases" or prefix* words'
        )
    unique = list(dict.fromkeys(terms))
    if len(unique) > max_terms:
        raise QueryError(f"the query has too many terms ({len(unique)}; the limit is {max_terms})")
    return ParsedQuery(tuple(unique))


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts5_expression(query: ParsedQuery, operator: str = "AND") -> str:
    """An FTS5 MATCH expression of quoted strings (every term is a string literal)."""
    if operator not in ("AND", "OR"):
        raise ValueError(operator)
    parts = []
    for term in query.terms:
        literal = _fts5_string(" ".join(term.words))
        parts.append(f"{literal} *" if term.prefix else literal)
    return f" {operator} ".join(parts)

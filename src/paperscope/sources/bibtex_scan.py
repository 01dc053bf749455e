"""BibTeX entry text -> raw field values: the scanner behind `paperscope.sources.bibtex`.

Values are delimited with `str.find` and `str.split`, never character by character: brace
depth is tracked by counting `{` between successive `}`. The usual layout, one field per
`name = {value},`, is cut by a single `split("},")` and its fields named by the text before
each brace (`FieldPrefixes`), which files repeat; anything else (quotes, macros, `#`, bare
values, odd spacing) takes the careful field-by-field path, which also explains errors.
"""

from __future__ import annotations

import re
from itertools import repeat

_FIELD_NAME = re.compile(r"\s*([A-Za-z_][\w.:+/-]*)\s*=\s*")
_BARE_VALUE = re.compile(r"[^\s\"#%'(),={}]+")
_QUOTE_OR_BRACE = re.compile(r'["{}]')
_BRACES = re.compile(r"[{}]")
_BARE_FIELD = re.compile(r"\s*([A-Za-z_][\w.:+/-]*)\s*=\s*([\w.:+/-]+)\s*")
_SPACE = re.compile(r"\s*")


class EntryError(Exception):
    """An entry that cannot become a record: the field at fault and why."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class FieldPrefixes:
    """Raw text before a value's brace (`\\n  title = `) -> field name, as seen so far.

    Files repeat the same few layouts, so the scanner recognises a field by one dict lookup
    instead of a regex; only prefixes the full field regex has accepted are ever stored.
    """

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def learn(self, prefix: str, name: str) -> None:
        if len(self.names) > 10_000:
            self.names.clear()
        self.names[prefix] = name


def _braced_end(text: str, start: int, limit: int) -> int:
    """Index after the brace closing the one at `start`, or -1 when it never closes."""
    depth, scan = 1, start + 1
    while True:
        close = text.find("}", scan, limit)
        if close < 0:
            return -1
        depth += text.count("{", scan, close) - 1
        if depth == 0:
            return close + 1
        scan = close + 1


def _quoted_end(text: str, start: int, limit: int) -> int:
    """Index after the `"` closing the one at `start` (quotes inside braces do not count)."""
    depth = 0
    for match in _QUOTE_OR_BRACE.finditer(text, start + 1, limit):
        char = match.group()
        if char == '"' and depth == 0:
            return match.end()
        depth += 1 if char == "{" else -1 if char == "}" else 0
    return -1


def found_text(text: str, pos: int, limit: int) -> str:
    return repr(text[pos : pos + 20]) if pos < limit else "the next entry"


def field_value(
    text: str, pos: int, limit: int, name: str, macros: dict[str, str]
) -> tuple[str, int]:
    """A value (`{...}`, `"..."`, number or macro, joined by `#`), index after it and spaces."""
    parts: list[str] = []
    while True:
        char = text[pos] if pos < limit else ""
        if char and char in '{"':
            end = (_braced_end if char == "{" else _quoted_end)(text, pos, limit)
            if end < 0:
                kind = "braces" if char == "{" else "quotes"
                raise EntryError(name, f"unbalanced {kind}: the value runs into the next entry")
            parts.append(text[pos + 1 : end - 1])
        else:
            bare = _BARE_VALUE.match(text, pos, limit)
            if bare is None:
                raise EntryError(name, f"expected a value, found {found_text(text, pos, limit)}")
            end, word = bare.end(), bare.group()
            parts.append(word if word.isdigit() else macros.get(word.lower(), word))
        pos = _SPACE.match(text, end, limit).end()  # type: ignore[union-attr]
        if pos < limit and text[pos] == "#":
            pos = _SPACE.match(text, pos + 1, limit).end()  # type: ignore[union-attr]
            continue
        return "".join(parts), pos


def fields_until_close(
    text: str, pos: int, limit: int, macros: dict[str, str]
) -> tuple[dict[str, str], int]:
    """Fields from `pos` to the entry's closing delimiter, and the index after it.

    The loop body is the common case, `name = {value},`, in a handful of str calls: the text
    before the brace is looked up among the field prefixes seen before.
    """
    fields: dict[str, str] = {}
    find, names = text.find, _PREFIXES.names
    while True:
        opening = find("{", pos, limit)
        name = names.get(text[pos:opening]) if opening > 0 else None
        if name is not None:
            end = _braced_end(text, opening, limit)
            if 0 < end < limit and text[end] == ",":
                if name not in fields:
                    fields[name] = text[opening + 1 : end - 1]
                pos = end + 1
                continue
        closed, pos = _general_field(text, pos, limit, macros, fields)
        if closed:
            return fields, pos


def _general_field(
    text: str, pos: int, limit: int, macros: dict[str, str], fields: dict[str, str]
) -> tuple[bool, int]:
    """One field of any shape into `fields`: whether the entry closed, and the index after."""
    named = _FIELD_NAME.match(text, pos, limit)
    if named is None:
        pos = _SPACE.match(text, pos, limit).end()  # type: ignore[union-attr]
        if pos < limit and text[pos] in "})":
            return True, pos + 1
        raise EntryError(None, f"expected a field or '}}', found {found_text(text, pos, limit)}")
    name, start = named.group(1).lower(), named.end()
    value, pos = field_value(text, start, limit, name, macros)
    if text[start] == "{" and pos == _SPACE.match(text, start + len(value) + 2).end():  # type: ignore[union-attr]
        _PREFIXES.learn(text[named.start() : start], name)  # a plain `{...}` value
    fields.setdefault(name, value)
    if pos < limit and text[pos] == ",":
        return False, pos + 1
    if pos < limit and text[pos] in "})":
        return True, pos + 1
    found = found_text(text, pos, limit)
    raise EntryError(name, f"expected ',' or '}}' after the value, found {found}")


def entry_fields(segment: str, pos: int, macros: dict[str, str]) -> tuple[dict[str, str], int]:
    if pos < len(segment) and segment[pos] in "})":
        return {}, pos + 1
    if pos >= len(segment) or segment[pos] != ",":
        found = found_text(segment, pos, len(segment))
        raise EntryError("key", f"expected ',' after the citation key, found {found}")
    return _split_fields(segment, pos + 1, macros) or fields_until_close(
        segment, pos + 1, len(segment), macros
    )


def _split_fields(
    segment: str, pos: int, macros: dict[str, str]
) -> tuple[dict[str, str], int] | None:
    """The fastest path, for the usual layout where the segment is exactly one entry.

    `str.split` at `},` cuts the fields and C-level `map`s name them by their known prefixes.
    A value's braces must balance (an inner `},` would have cut it), else None and the caller
    scans field by field.
    """
    end = len(segment)
    while segment[end - 1] in " \t\r\n":
        end -= 1
    if segment[end - 1] not in "})":
        return None
    pieces = segment[pos : end - 1].split("},")
    last = pieces.pop()
    if last and not last.isspace():
        pieces.append(last.rstrip().removesuffix("}"))
    if not pieces:
        return None
    prefixes, braces, values = zip(*map(str.partition, pieces, repeat("{")), strict=True)
    joined = "".join(values)
    if ("{" in joined or "}" in joined) and not all(map(_balanced, values)):
        return None  # only entries with inner braces pay for the per-value check
    names = list(map(_PREFIXES.names.get, prefixes))
    if None in names or "" in braces:
        fields = _with_bare_values(prefixes, braces, values, macros)
    else:
        fields = dict(zip(names, values, strict=True))  # type: ignore[arg-type]
        if len(fields) < len(names):
            return None  # a repeated field: the careful path keeps the first, as BibTeX does
    return None if fields is None else (fields, end)


def _balanced(value: str) -> bool:
    if "{" not in value and "}" not in value:
        return True
    depth = 0
    for brace in _BRACES.findall(value):
        depth += 1 if brace == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def _with_bare_values(
    prefixes: tuple[str, ...],
    braces: tuple[str, ...],
    values: tuple[str, ...],
    macros: dict[str, str],
) -> dict[str, str] | None:
    """Fields when some prefixes also hold bare values (`month = jun,\npages = `)."""
    fields: dict[str, str] = {}
    for prefix, brace, value in zip(prefixes, braces, values, strict=True):
        *bare_fields, prefix_of_braced = prefix.split(",")
        if not brace:
            bare_fields.append(prefix_of_braced)
        for bare_field in bare_fields:
            bare = _BARE_FIELD.fullmatch(bare_field)
            if bare is None:
                return None
            word = bare.group(2)
            fields.setdefault(bare.group(1).lower(), macros.get(word.lower(), word))
        if brace:
            name = _PREFIXES.names.get(prefix_of_braced)
            if name is None:
                return None
            fields.setdefault(name, value)
    return fields


_PREFIXES = FieldPrefixes()

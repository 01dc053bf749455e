"""JSON documents read in bounded memory: one record-sized value at a time.

An API response is a JSON value holding records: an array of them (a batch), or an object
whose page key (`results`, `data`, ...) holds an array of them, or one record itself. A file
may also hold several such values one after another (JSON Lines whose first line is too long
to tell them apart from a document). `json_items` yields the records of each value:

- a value that fits in `Limits.record_bytes` is parsed whole by the C decoder (what nearly
  every real response is), then cut into its records;
- a larger one is read member by member and element by element, each parsed on its own; an
  element over the cap is skipped by counting brackets outside strings (never parsed, never
  held) and reported with an excerpt, and the document goes on after it.

The document stops, with a `JsonProblem`, at a syntax error between records or past
`Limits.document_bytes`; the records before it are kept. Nesting deeper than
`Limits.max_depth` is refused per record (it would make the decoder recurse).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from paperscope.sources.base import EXCERPT_CHARS, Limits, failure, over_cap

_CHUNK_BYTES = 1 << 20
_SPACE = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_STRING_REST = re.compile(r'(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_SCALAR_END = re.compile(r"[,\]}\s]")
_TOKEN = re.compile(r'["\[\]{}]')
_UNTIL_OPEN_STRING = re.compile(r'(?:[^"]++|"(?:[^"\\]++|\\.)*+")*+', re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_DECODER = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class JsonItem:
    """A record-sized value: an element of a page's array, or a top-level value's remainder."""

    document: int
    """Which top-level value of the file (1, 2, ...)."""
    where: str
    """`document`, `line N` (a value on one line) or `document at line N`."""
    key: str | None
    """The page key whose array held it (`""` for a top-level array); None for the remainder:
    the top-level value itself with each split array left empty."""
    index: int | None
    value: Any
    text: str
    """The value's own text, for a remainder that was never split; else empty."""
    split: int = 0
    """For a remainder: how many elements were cut out of its arrays."""


@dataclass(frozen=True, slots=True)
class JsonProblem:
    """A value that could not be read: over a cap, invalid, or too deep."""

    where: str
    key: str | None
    index: int | None
    reason: str
    excerpt: str
    fatal: bool = False
    """True when the rest of the file cannot be read after it."""


JsonPiece = JsonItem | JsonProblem


class _Source:
    """The decoded text of a stream, read a chunk at a time; `text` holds what is still needed."""

    def __init__(self, stream: BinaryIO, limits: Limits) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._limits = limits
        self.text = ""
        self.eof = False
        self.read_bytes = 0
        self._line_index = 0
        self._line = 1

    def more(self) -> bool:
        """Append the next chunk; False at the end. Raises _OverDocument past the cap."""
        if self.eof:
            return False
        if self.read_bytes >= self._limits.document_bytes:
            raise _OverDocument(self.read_bytes)
        data = self._stream.read(min(_CHUNK_BYTES, self._limits.document_bytes + 1))
        self.read_bytes += len(data)
        if not data:
            self.eof = True
            tail = self._decoder.decode(b"", final=True)
            self.text += tail
            return bool(tail)
        self.text += self._decoder.decode(data)
        return True

    def more_for(self, index: int, cap: int) -> bool:
        """Read on until what follows `index` has doubled (or passed `cap`): a value that did
        not parse is parsed again at most log2(cap / chunk) times."""
        target = index + min(max(2 * (len(self.text) - index), _CHUNK_BYTES), cap + 1)
        grew = False
        while len(self.text) < target and self.more():
            grew = True
        return grew

    def drop(self, upto: int) -> int:
        """Forget `text[:upto]` once it is long enough to be worth copying the rest; returns
        how far indexes moved (0 when nothing was dropped)."""
        if upto < _CHUNK_BYTES and upto < len(self.text):
            return 0
        self.line(upto)
        self.text = self.text[upto:]
        self._line_index = 0
        return upto

    def line(self, index: int) -> int:
        """The line number at `text[index]`, counted forward from the last one asked."""
        if index >= self._line_index:
            self._line += self.text.count("\n", self._line_index, index)
        else:
            self._line -= self.text.count("\n", index, self._line_index)
        self._line_index = index
        return self._line

    def skip_space(self, index: int) -> int | None:
        """Index of the next non-blank character, reading on as needed; None at the end."""
        while True:
            index = _SPACE.match(self.text, index).end()  # type: ignore[union-attr]
            if index < len(self.text):
                return index
            self.drop(index)
            index = 0
            if not self.more():
                return None

    def char(self, index: int) -> str:
        return self.text[index]


class _OverDocument(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


@dataclass(slots=True)
class _Value:
    """A value read from `_Source`: parsed, or why not; `end` is where reading goes on."""

    end: int | None
    value: Any = None
    problem: str | None = None
    stream: bool = False
    excerpt: str = ""


def json_items(
    stream: BinaryIO,
    limits: Limits,
    page_keys: frozenset[str] = frozenset(),
    *,
    keep_before_break: bool = False,
) -> Iterator[JsonPiece]:
    """The records of every top-level JSON value in `stream` (see the module docstring).

    With `keep_before_break`, a top-level array or object that fits the record cap but does
    not parse whole (a file cut short) is read part by part too, so that the records before
    the break are kept (a library export); else it is one problem (an API response).
    """
    source = _Source(stream, limits)
    document = 0
    index: int | None = 0
    try:
        while (index := source.skip_space(index or 0)) is not None:
            document += 1
            reader = _Document(source, limits, page_keys, document, keep_before_break)
            yield from reader.items(index)
            if reader.end is None:
                return
            index = max(reader.end, reader.start + 1)  # reading always moves on
    except _OverDocument as over:
        what = f"document {document}" if document > 1 else "the document"
        reason = over_cap(what, over.size, limits.document_bytes, "PAPERSCOPE_MAX_DOCUMENT_BYTES")
        yield JsonProblem("document", None, None, reason + "; the rest is not read", "", True)


class _Document:
    """One top-level value of the file."""

    def __init__(
        self,
        source: _Source,
        limits: Limits,
        page_keys: frozenset[str],
        number: int,
        keep_before_break: bool = False,
    ) -> None:
        self.source = source
        self.keep_before_break = keep_before_break
        self.limits = limits
        self.page_keys = page_keys
        self.number = number
        self.end: int | None = None
        self.start = 0
        self.first_line = 0
        self.split = 0
        self.key_limits = Limits(max(limits.record_bytes, 4096), limits.document_bytes)

    def where(self, index: int) -> str:
        if self.source.line(index) == self.first_line:
            return f"line {self.first_line}"
        return "document" if self.number == 1 else f"document at line {self.first_line}"

    def items(self, start: int) -> Iterator[JsonPiece]:
        source = self.source
        start -= source.drop(start)
        self.start = start
        self.first_line = source.line(start)
        whole = _read(source, start, self.limits, whole=True)
        broken = whole.problem is not None and whole.end is None
        if broken and self.keep_before_break and source.char(start) in "[{":
            whole.stream = True  # the text from `start` is still held: read it part by part
        if not whole.stream:
            yield from self._whole(start, whole)
        elif source.char(start) == "[":  # larger than a record: read it part by part
            yield from self._array(start, "")
        elif source.char(start) == "{":
            yield from self._object(start)
        else:
            where, excerpt = self.where(start), _excerpt(source.text, start)
            end = _skip(source, start)
            yield JsonProblem(where, None, None, whole.problem or "", excerpt, end is None)
            self.end = end

    def _whole(self, start: int, read: _Value) -> Iterator[JsonPiece]:
        source = self.source
        if read.problem is not None:
            fatal = read.end is None
            yield JsonProblem(self.where(start), None, None, read.problem, read.excerpt, fatal)
            self.end = read.end
            return
        assert read.end is not None
        where, text = self.where(read.end), source.text[start : read.end]
        self.end = read.end
        yield from split_value(read.value, text, where, self.number, self.page_keys)

    def _array(self, index: int, key: str) -> Iterator[JsonPiece]:
        """Elements of the array opening at `text[index]`; sets `self.end` (None: stop)."""
        source = self.source
        index += 1
        number = 0
        while True:
            found = source.skip_space(index)
            if found is None:
                yield self._fatal(index, "the document ends inside an array")
                return
            index = found
            if source.char(index) == "]" and number == 0:
                self.end = index + 1
                return
            index -= source.drop(index)
            where = self.where(index)
            read = _read(source, index, self.limits)
            if read.problem is None:
                yield JsonItem(self.number, where, key, number, read.value, "")
            else:
                yield JsonProblem(where, key, number, read.problem, read.excerpt)
            if read.end is None:
                yield self._fatal(0, "the document ends inside it")
                return
            self.split += 1
            number += 1
            found = source.skip_space(read.end)
            if found is None:
                yield self._fatal(read.end, "the document ends inside an array")
                return
            index = found
            if source.char(index) == "]":
                self.end = index + 1
                return
            if source.char(index) != ",":
                yield self._fatal(index, "expected ',' or ']' after an array element")
                return
            index += 1

    def _object(self, index: int) -> Iterator[JsonPiece]:
        """The members of the object opening at `text[index]`: page arrays split, the rest
        gathered (within the record cap) into one remainder item."""
        source, limits = self.source, self.limits
        rest: dict[str, Any] = {}
        rest_size = 0
        index += 1
        while True:
            found = source.skip_space(index)
            if found is None:
                yield self._fatal(index, "the document ends inside an object")
                return
            index = found
            if source.char(index) == "}" and not rest and not self.split:
                break
            index -= source.drop(index)
            key = _read(source, index, self.key_limits)
            if key.problem is not None or not isinstance(key.value, str) or key.end is None:
                yield self._fatal(index, "expected a member name")
                return
            found = source.skip_space(key.end)
            if found is None or source.char(found) != ":":
                yield self._fatal(key.end, "expected ':' after a member name")
                return
            found = source.skip_space(found + 1)
            if found is None:
                yield self._fatal(index, "the document ends inside an object")
                return
            index = found
            if key.value in self.page_keys and source.char(index) == "[":
                yield from self._array(index, key.value)
                if self.end is None:
                    return
                rest[key.value], index, self.end = [], self.end, None
            else:
                index -= source.drop(index)
                where = self.where(index)
                member = _read(source, index, limits)
                if member.problem is not None or member.end is None:
                    problem = f"member {key.value[:100]!r}: {member.problem or 'unreadable'}"
                    yield JsonProblem(where, None, None, problem, member.excerpt)
                    if member.end is None:
                        yield self._fatal(index, "the document ends inside it")
                        return
                    rest_size = limits.record_bytes + 1  # the remainder cannot be whole now
                else:
                    rest_size += member.end - index
                    if rest_size <= limits.record_bytes:
                        rest[key.value] = member.value
                index = member.end
            found = source.skip_space(index)
            if found is None:
                yield self._fatal(index, "the document ends inside an object")
                return
            index = found
            if source.char(index) == "}":
                break
            if source.char(index) != ",":
                yield self._fatal(index, "expected ',' or '}' after a member")
                return
            index += 1
        self.end = index + 1
        where = self.where(index)
        if rest_size > limits.record_bytes:
            reason = over_cap("the document's own members", rest_size, limits.record_bytes)
            yield JsonProblem(where, None, None, reason, "")
            return
        yield JsonItem(self.number, where, None, None, rest, "", self.split)

    def _fatal(self, index: int, reason: str) -> JsonProblem:
        self.end = None
        text = self.source.text[index : index + 200]
        return JsonProblem(self.where(index), None, None, f"invalid JSON: {reason}", text, True)


def _read(source: _Source, index: int, limits: Limits, *, whole: bool = False) -> _Value:
    """The value at `text[index]`, parsed if it fits the record cap, else skipped.

    With `whole` (a top-level value), a value too large or too deep to parse at once is not
    skipped: `stream` says to read it part by part from `index`.
    """
    if whole:  # one parse of the whole value when it fits (nearly always)
        while len(source.text) - index <= limits.record_bytes and source.more():
            pass
    while True:
        text = source.text
        try:
            value, end = _DECODER.raw_decode(text, index)
        except RecursionError as error:
            return _too_big(source, index, failure(error), whole)
        except ValueError as error:
            if len(text) - index > limits.record_bytes:
                reason = over_cap("the record", len(text) - index, limits.record_bytes)
                return _too_big(source, index, reason, whole)
            if source.more_for(index, limits.record_bytes):
                continue
            return _Value(None, problem=f"invalid JSON: {error}", excerpt=_excerpt(text, index))
        if end == len(text) and isinstance(value, int | float) and source.more():
            continue  # a number at the end of what was read may go on in the next chunk
        problem = None
        if end - index > limits.record_bytes:
            problem = over_cap("the record", end - index, limits.record_bytes)
        elif _too_deep(text, index, end, limits.max_depth):
            problem = f"nested deeper than {limits.max_depth} levels"
        if problem is None:
            return _Value(end, value)
        if whole:
            return _Value(None, problem=problem, stream=True)
        return _Value(end, problem=problem, excerpt=_excerpt(text, index, end))


def _too_big(source: _Source, index: int, problem: str, whole: bool) -> _Value:
    if whole:
        return _Value(None, problem=problem, stream=True)
    excerpt = _excerpt(source.text, index)
    return _Value(_skip(source, index), problem=problem, excerpt=excerpt)


def _excerpt(text: str, start: int, end: int | None = None) -> str:
    stop = start + EXCERPT_CHARS if end is None else min(end, start + EXCERPT_CHARS)
    return text[start:stop]


def _too_deep(text: str, start: int, end: int, max_depth: int) -> bool:
    """Whether brackets outside strings nest deeper than `max_depth` in `text[start:end]`."""
    region = text[start:end]
    if region.count("[") + region.count("{") <= max_depth:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", region))
    return bool(brackets) and bool(_depths(brackets, 0).max() > max_depth)


def _depths(brackets: str, depth: int) -> npt.NDArray[np.int64]:
    """The depth after each bracket of `brackets` (a string of `[]{}` only), from `depth`."""
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == 91) | (codes == 123), 1, -1)  # `[` and `{` open
    return depth + np.cumsum(steps, dtype=np.int64)


def _lowest(brackets: str, depth: int) -> int:
    """The lowest depth reached going through `brackets` from `depth`."""
    if len(brackets) < 256:
        return min(accumulate(map(_STEP.__getitem__, brackets), initial=depth))
    return min(depth, int(_depths(brackets, depth).min()))


def _skip(source: _Source, index: int) -> int | None:
    """Index just after the value at `text[index]`, found by counting brackets outside strings.

    Holds one chunk at a time: what is passed over is dropped. None if the text ends first.
    """
    first = source.char(index)
    if first not in '[{"':
        # A scalar (or a stray `]`, `,`, ...: one character, so that reading moves on).
        while (found := _SCALAR_END.search(source.text, index + 1)) is None:
            index -= source.drop(index)
            if not source.more():
                return len(source.text)
        return found.start()
    depth, in_string = (0, True) if first == '"' else (1, False)
    index += 1
    while True:
        limit = len(source.text) if source.eof else len(source.text) - 1  # keep a last `\`
        index, depth, in_string, done = _scan(source.text, index, limit, depth, in_string)
        if done:
            return index
        index -= source.drop(index)
        if not source.more():
            return None


def _scan(
    text: str, index: int, limit: int, depth: int, in_string: bool
) -> tuple[int, int, bool, bool]:
    """Go through `text[index:limit]`: (where it stopped, depth, in a string, value closed).

    Whole chunks go by in a few C-level regex passes; only the chunk where the value closes
    is walked token by token.
    """
    if in_string:
        rest = _STRING_REST.match(text, index, limit)
        if rest is None:
            return _string_stop(text, index, limit), depth, True, False
        index = rest.end()
        if depth == 0:
            return index, 0, False, True
    open_quote = _UNTIL_OPEN_STRING.match(text, index, limit).end()  # type: ignore[union-attr]
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text[index:open_quote]))
    if _lowest(brackets, depth) > 0:
        depth += 2 * (brackets.count("[") + brackets.count("{")) - len(brackets)
        if open_quote == limit:
            return limit, depth, False, False
        return _string_stop(text, open_quote + 1, limit), depth, True, False
    return _close(text, index, limit, depth)


def _string_stop(text: str, index: int, limit: int) -> int:
    """How far into an unclosed string it is safe to go: not past a dangling backslash."""
    tail = text[max(index, limit - 64) : limit]
    backslashes = len(tail) - len(tail.rstrip("\\"))
    return limit - 1 if backslashes % 2 else limit


def _close(text: str, index: int, limit: int, depth: int) -> tuple[int, int, bool, bool]:
    """Token by token (this chunk only): the index after the bracket that closes the value."""
    while True:
        token = _TOKEN.search(text, index, limit)
        if token is None:
            return limit, depth, False, False
        char = token.group()
        if char == '"':
            closed = _STRING.match(text, token.start(), limit)
            if closed is None:
                return _string_stop(text, token.end(), limit), depth, True, False
            index = closed.end()
            continue
        depth += _STEP[char]
        index = token.end()
        if depth == 0:
            return index, 0, False, True


def load_json(text: str, max_depth: int) -> Any:
    """`json.loads` that refuses, as ValueError, what is nested deeper than `max_depth`
    (the decoder would recurse, and whatever walks the value after it)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to parse") from None
    if _too_deep(text, 0, len(text), max_depth):
        raise ValueError(f"nested deeper than {max_depth} levels")
    return value


def split_value(
    value: Any, text: str, where: str, document: int, page_keys: frozenset[str]
) -> Iterator[JsonItem]:
    """A parsed value's records: array elements, page-key array elements, then the rest."""
    if isinstance(value, list):
        for number, element in enumerate(value):
            yield JsonItem(document, where, "", number, element, "")
        yield JsonItem(document, where, None, None, [], "", len(value))
        return
    split = 0
    if isinstance(value, dict):
        for key in [key for key in value if key in page_keys]:
            elements = value[key]
            if isinstance(elements, list):
                for number, element in enumerate(elements):
                    yield JsonItem(document, where, key, number, element, "")
                split += len(elements)
                value[key] = []
    yield JsonItem(document, where, None, None, value, "" if split else text, split)

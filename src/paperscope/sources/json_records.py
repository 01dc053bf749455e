"""Saved API response files: JSON Lines of responses, or JSON documents, told apart by their
first lines and read record by record in bounded memory (documents through `json_items`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from paperscope.sources.base import EXCERPT_CHARS, Limits, over_cap
from paperscope.sources.json_stream import (
    JsonPiece,
    JsonProblem,
    json_items,
    load_json,
    split_value,
)
from paperscope.sources.reading import LongLine, bounded_lines, prepended


def json_records(
    stream: BinaryIO, limits: Limits, page_keys: frozenset[str] = frozenset()
) -> Iterator[JsonPiece]:
    """The records of a saved API response file: JSON Lines of responses, or documents.

    JSON Lines (a snapshot, one response per line) stream line by line, a broken line costing
    that line only. Anything else is read by `json_items`. A file is JSON Lines when its first
    line is a JSON value on its own, or when its second is (the first then being a broken
    line) unless the first is a lone `{` or `[` (a pretty-printed document).
    """
    head, replay = _head_lines(stream, limits)
    if _is_json_lines(head, limits):
        yield from _line_records(replay, limits, page_keys)
    else:
        yield from json_items(replay, limits, page_keys)


def _head_lines(stream: BinaryIO, limits: Limits) -> tuple[bytes, BinaryIO]:
    """The file's first bytes up to its second non-blank line (at most the record cap), and
    a stream that replays them."""
    parts: list[bytes] = []
    size = 0
    while size <= limits.record_bytes:
        chunk = stream.read(64 * 1024)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
        if b"\n" in chunk and _filled_lines(b"".join(parts)) > 2:
            break
    head = b"".join(parts)
    return head, prepended(head, stream)


def _filled_lines(head: bytes) -> int:
    return sum(1 for line in head.split(b"\n") if line.strip())


def _is_json_lines(head: bytes, limits: Limits) -> bool:
    lines = head.split(b"\n")
    whole_lines = [line for line in lines[:-1] if line.strip()]  # the last may be cut
    if not whole_lines:
        return False  # no complete line: one value (or one over-long line) read as a document
    first = whole_lines[0].decode("utf-8", "replace")
    if _parses(first, limits):
        return True
    if first.strip() in ("{", "["):
        return False
    return len(whole_lines) > 1 and _parses(whole_lines[1].decode("utf-8", "replace"), limits)


def _parses(text: str, limits: Limits) -> bool:
    try:
        load_json(text, limits.max_depth)
    except ValueError:
        return False
    return True


def _line_records(
    stream: BinaryIO, limits: Limits, page_keys: frozenset[str]
) -> Iterator[JsonPiece]:
    for line in bounded_lines(stream, limits.record_bytes, skip_blank=True):
        where = f"line {line.number}"
        if isinstance(line, LongLine):
            reason = over_cap("the line", line.size, limits.record_bytes)
            yield JsonProblem(where, None, None, reason, line.excerpt)
            continue
        try:
            value = load_json(line.text, limits.max_depth)
        except ValueError as error:
            text = line.text[:EXCERPT_CHARS]
            yield JsonProblem(where, None, None, f"invalid JSON: {error}", text)
            continue
        yield from split_value(value, line.text.rstrip(), where, line.number, page_keys)

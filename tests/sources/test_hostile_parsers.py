"""Property-based checks of every parser (each Format of `detect.all_formats()`), and of the
bounded readers under them: whatever the bytes, `parse` yields Parsed, Malformed or Empty and
never raises; the JSON splitter finds what `json.loads` finds; decoding is never silent.

Inputs are mutations of each format's own samples (so the parser gets past detection and
into its records), with hostile pieces spliced in: deep nesting, NUL, lone surrogates, huge
numbers, stray delimiters, BOMs, entity declarations.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from paperscope.sources.base import Empty, Format, Limits, Malformed, Parsed
from paperscope.sources.detect import all_formats
from paperscope.sources.json_stream import JsonItem, JsonProblem, json_items
from paperscope.sources.reading import Line, LongLine, bounded_lines, utf8_stream

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = Limits(record_bytes=4096, document_bytes=64 * 1024, max_depth=50)
HOSTILE_PIECES = [
    b"[" * 3000,
    b"{" * 3000,
    b'{"a":' * 2000,
    b"]" * 50,
    b"}" * 50,
    b"\x00",
    b"\\u0000",
    b"\\ud800",
    b'"\\ud83d"',
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xe9\xe8\x92",
    b"1e99999",
    b"9" * 400,
    b"-0",
    b"\n",
    b"\r",
    b"\n\n\n",
    b'"',
    b"\\",
    b",",
    b":",
    b"null",
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
    b"&a;&amp;&#0;&#xD800;",
    b"<entry>",
    b"</entry>",
    b"<publication>",
    b"</publication>",
    b"@article{",
    b"@string{x = {",
    b"#*",
    b"#index",
    b"id = {",
    b"interactions:",
    b"!!binary |",
    b"&anchor [*anchor]",
    b"x" * 5000,
]


def _seeds(fmt: Format) -> list[bytes]:
    """Sample files of this format (as its sniffer tells), cut to a few KB each."""
    if fmt.name == "synthetic-demo":
        line = {
            "id": "synthetic-1",
            "title": "T",
            "abstract": "A",
            "authors": ["X Y"],
            "published": "2024-01-02",
            "featured": None,
            "categories": ["cs.CL"],
            "upvotes": 1,
            "references": [],
        }
        return [json.dumps(line).encode() + b"\n"]
    seeds = []
    for path in sorted(DATA.rglob("*")):
        if not path.is_file() or path.suffix in (".gz", ".zip", ".tar", ".bz2", ".xz"):
            continue
        head = path.read_bytes()[: 64 * 1024]
        if fmt.sniff(head, path.name):
            seeds.append(head[:6000])
    return seeds[:3] or [b""]


FORMATS = list(all_formats())
SEEDS = {fmt.name: _seeds(fmt) for fmt in FORMATS}


@st.composite
def mutated(draw: st.DrawFn, fmt_name: str) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS[fmt_name])))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["insert", "delete", "byte", "repeat"]))
        if operation == "insert":
            data[at:at] = draw(st.sampled_from(HOSTILE_PIECES))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif operation == "byte":
            data[at:at] = bytes([draw(st.integers(0, 255))])
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 100))] * draw(st.integers(2, 50))
    return bytes(data)


def _parse_all(fmt: Format, data: bytes, limits: Limits) -> list[Any]:
    results = list(fmt.parse(io.BytesIO(data), limits))
    for result in results:
        assert isinstance(result, Parsed | Malformed | Empty), result
        if isinstance(result, Malformed):
            assert isinstance(result.position, str) and isinstance(result.reason, str)
    return results


@pytest.mark.parametrize("fmt", FORMATS, ids=[fmt.name for fmt in FORMATS])
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_exception_escapes_parse(fmt: Format, data: st.DataObject) -> None:
    payload = data.draw(st.one_of(mutated(fmt.name), st.binary(max_size=400)))
    _parse_all(fmt, payload, SMALL)
    _parse_all(fmt, payload, Limits())  # and with the default caps


@pytest.mark.parametrize("fmt", FORMATS, ids=[fmt.name for fmt in FORMATS])
def test_a_record_over_the_cap_is_quarantined_with_an_excerpt(fmt: Format) -> None:
    """Each sample, with every line made longer than a small cap: nothing is parsed whole."""
    for seed in SEEDS[fmt.name]:
        stuffed = seed.replace(b"\n", b" " + b"z" * 5000 + b"\n", 3)
        for result in _parse_all(fmt, stuffed, SMALL):
            if isinstance(result, Malformed):
                assert len(result.reason) < 2000


# --- the bounded readers -----------------------------------------------------------------


# Lone surrogates (category Cs) have no UTF-8 encoding, so no file can hold them.
LINE_CHARACTERS = st.characters(exclude_characters="\r\n", exclude_categories=("Cs",))


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.text(alphabet=LINE_CHARACTERS), max_size=30))
def test_bounded_lines_are_the_lines(lines: list[str]) -> None:
    data = "\n".join(lines).encode()
    cap = 64
    got = list(bounded_lines(io.BytesIO(data), cap))
    expected = data.split(b"\n")
    if expected[-1] == b"":
        expected.pop()  # a final line end does not start another line
    assert len(got) == len(expected)
    for line, raw in zip(got, expected, strict=True):
        if len(raw) > cap:
            assert isinstance(line, LongLine) and line.size == len(raw)
        else:
            assert isinstance(line, Line) and line.text == raw.decode()


@settings(max_examples=200, deadline=None)
@given(text=st.text(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_every_unicode_encoding_with_a_bom_reads_back_the_same_text(
    text: str, encoding: str
) -> None:
    # UTF-16's BOM and a first NUL (FF FE 00 00) are UTF-32's BOM: the bytes cannot tell.
    assume(not (encoding == "utf-16" and text.startswith("\x00")))
    stream, transcoder = utf8_stream(io.BytesIO(text.encode(encoding, "surrogatepass")))
    try:
        expected = text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates have no UTF-8
    assert stream.read() == expected
    assert (transcoder.note() is None) == (encoding in ("utf-8", "utf-8-sig"))


def test_cp1252_bytes_are_read_as_cp1252_and_noted() -> None:
    stream, transcoder = utf8_stream(io.BytesIO("Müller – “naïve” ok".encode("cp1252")))
    assert stream.read().decode() == "Müller – “naïve” ok"
    note = transcoder.note()
    assert note is not None and "cp1252" in note and "5 bytes" in note


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=5), children, max_size=6)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    elements=st.lists(JSON_VALUES, max_size=12),
    indent=st.sampled_from([None, 1]),
    cap=st.sampled_from([16, 64, 1 << 20]),
)
@example(elements=[[["0\x1f\U00010000"], {"": None}]], indent=1, cap=64)  # 8 lines deeper
def test_json_items_split_a_page_as_json_loads_does(
    elements: list[Any], indent: int | None, cap: int
) -> None:
    """Streamed (a small cap) or whole, a page gives its elements, or says which were too big."""
    page = {"meta": {"n": len(elements)}, "results": elements}
    text = json.dumps(page, indent=indent)
    limits = Limits(record_bytes=cap, document_bytes=1 << 30, max_depth=100)
    pieces = list(json_items(io.BytesIO(text.encode()), limits, frozenset({"results"})))
    found: dict[int, Any] = {}
    for piece in pieces:
        if isinstance(piece, JsonItem) and piece.key == "results":
            assert piece.index is not None
            found[piece.index] = piece.value
        elif isinstance(piece, JsonProblem):
            assert not piece.fatal and "size cap" in piece.reason, piece
            assert piece.index is not None
            found[piece.index] = "too big"
    assert sorted(found) == list(range(len(elements)))
    for index, element in enumerate(elements):
        if found[index] != "too big":
            assert found[index] == element
        else:  # as written in the page: two levels deeper, so every line indented more
            alone = json.dumps(element, indent=indent)
            in_page = len(alone) + alone.count("\n") * 2 * (indent or 0)
            assert in_page > cap - 2 * (indent or 0) - 8

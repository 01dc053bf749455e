"""Hostile inputs made on the fly (nothing large is committed): bombs, deep nesting, encodings.

Every maker writes one file into a folder and returns a `Hostile` saying what the file is,
what an ingest must make of it (records stored, a quarantine reason), and the format it is
detected as. Sizes are parameters: the suite uses bombs a few hundred MB decompressed, large
enough that reading one record or document whole would take gigabytes of memory.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MB = 1 << 20
_PIECE = 4 * MB


@dataclass(frozen=True)
class Hostile:
    name: str
    path: Path
    format_name: str
    stored: int
    """Records of this file an ingest must store."""
    reason: str | None
    """A piece of the quarantine reason an ingest must give for it (None: nothing quarantined)."""
    note: str | None = None
    """A piece of the encoding note the ingest report must carry for it."""


def _openalex_work(number: int, **extra: object) -> dict[str, object]:
    return {
        "id": f"https://openalex.org/W{900000 + number}",
        "title": f"A hostile input study number {number}",
        "publication_year": 2021,
        "authorships": [{"author": {"display_name": "Ada Lovelace"}}],
        **extra,
    }


def _gzip_stream(path: Path, head: bytes, filler: bytes, size: int, tail: bytes) -> None:
    """`head`, then `filler` repeated to `size` bytes, then `tail`, gzipped as it is written."""
    piece = filler * (_PIECE // len(filler))
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(head)
        written = 0
        while written < size:
            chunk = piece[: size - written]
            out.write(chunk)
            written += len(chunk)
        out.write(tail)


def huge_json_line(folder: Path, size: int) -> Hostile:
    """OpenAlex snapshot JSON Lines, gzipped: a good line, one line of `size` bytes, a good line."""
    path = folder / "openalex-huge-line.jsonl.gz"
    good = [json.dumps(_openalex_work(n)).encode() + b"\n" for n in (1, 2)]
    head = good[0] + json.dumps(_openalex_work(3))[:-1].encode() + b', "abstract": "'
    _gzip_stream(path, head, b"spam ", size, b'"}\n' + good[1])
    return Hostile("one huge JSON line, gzipped", path, "openalex", 2, "over the size cap")


def gzip_bomb(folder: Path, size: int) -> Hostile:
    """A gzipped pretty-printed OpenAlex page whose second work holds `size` bytes of list."""
    path = folder / "openalex-page-bomb.json.gz"
    first = json.dumps(_openalex_work(10))
    head = f'{{\n "meta": {{"count": 3}},\n "results": [\n  {first},\n  {{"id": '.encode()
    head += b'"https://openalex.org/W911", "title": "bomb", "referenced_works": ['
    last = json.dumps(_openalex_work(12))
    tail = f'"https://openalex.org/W1"]}},\n  {last}\n ]\n}}\n'.encode()
    _gzip_stream(path, head, b'"https://openalex.org/W1", ', size, tail)
    # The bomb passes the document cap too: the work after it is not read.
    return Hostile("a gzip bomb (a page with one huge work)", path, "openalex", 1, "size cap")


def whitespace_bomb(folder: Path, size: int) -> Hostile:
    """Kaggle arXiv JSON Lines, gzipped: a good line, then `size` bytes of blank lines."""
    path = folder / "kaggle-blank-bomb.jsonl.gz"
    line = {
        "id": "2101.00001",
        "title": "Blank lines after me",
        "authors": "A. Author",
        "versions": [{"version": "v1", "created": "Mon, 4 Jan 2021 10:00:00 GMT"}],
        "update_date": "2021-01-05",
        "categories": "cs.CL",
    }
    _gzip_stream(path, json.dumps(line).encode() + b"\n", b"\n \t\r\n", size, b"")
    return Hostile("a gzip bomb of blank lines", path, "arxiv-kaggle", 1, None)


def deep_json(folder: Path, depth: int) -> Hostile:
    """OpenAlex JSON Lines: a good line, a line nested `depth` levels deep, a good line."""
    path = folder / "openalex-deep.jsonl"
    deep = '{"id": "https://openalex.org/W920", "title": "deep", "x": '
    deep += "[" * depth + "]" * depth + "}"
    lines = [json.dumps(_openalex_work(21)), deep, json.dumps(_openalex_work(22))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Hostile("deeply nested JSON", path, "openalex", 2, "nested")


def deep_json_document(folder: Path, depth: int) -> Hostile:
    """A Hugging Face daily list whose second entry is nested `depth` levels deep."""
    path = folder / "daily_papers-deep.json"
    entries = [_hf_entry("2101.00031"), "DEEP", _hf_entry("2101.00032")]
    text = json.dumps(entries, indent=1).replace('"DEEP"', "[" * depth + "]" * depth)
    path.write_text(text, encoding="utf-8")
    return Hostile("deeply nested JSON document", path, "hf-daily", 2, "nested")


def _hf_entry(paper_id: str) -> dict[str, object]:
    paper = {
        "id": paper_id,
        "title": f"Hugging Face paper {paper_id}",
        "authors": [{"name": "Grace Hopper"}],
        "publishedAt": "2021-01-04T00:00:00.000Z",
        "upvotes": 3,
        "summary": "An abstract.",
    }
    return {"paper": paper, "publishedAt": "2021-01-05T00:00:00.000Z", "title": paper["title"]}


_BIBTEX = """@article{{prefix}{n},
  title = {Caf\u00e9 na\u00efve r\u00e9sum\u00e9 {prefix} number {n}},
  author = {M\u00fcller, J\u00fcrgen and Fran\u00e7ois, Ren\u00e9e},
  journal = {Journal of \u2018Quotes\u2019},
  year = {2020},
}

"""


def _bibtex(count: int, prefix: str) -> str:
    entry = _BIBTEX.replace("{prefix}", prefix)
    return "".join(entry.replace("{n}", str(n)) for n in range(count))


def utf16_file(folder: Path) -> Hostile:
    """BibTeX in UTF-16 with a BOM (as Windows tools save it)."""
    path = folder / "utf16.bib"
    path.write_bytes(_bibtex(3, "utf16").encode("utf-16"))
    return Hostile("a UTF-16 file", path, "bibtex", 3, None, "UTF-16")


def cp1252_file(folder: Path) -> Hostile:
    """BibTeX in cp1252: accents and curly quotes that are not UTF-8."""
    path = folder / "cp1252.bib"
    path.write_bytes(_bibtex(2, "cp1252").encode("cp1252"))
    return Hostile("a cp1252 file", path, "bibtex", 2, None, "cp1252")


def bom_file(folder: Path) -> Hostile:
    """OpenAlex JSON Lines with a UTF-8 BOM: detected, and its first record kept."""
    path = folder / "openalex-bom.jsonl"
    lines = [json.dumps(_openalex_work(n)) for n in (31, 32)]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
    return Hostile("a UTF-8 BOM file", path, "openalex", 2, None)


def cassette_bomb(folder: Path, size: int) -> Hostile:
    """A Semantic Scholar vcrpy cassette: a good interaction, then one whose gzipped `!!binary`
    body inflates to `size` bytes (a page with one huge paper), then a good one."""
    path = folder / "s2-cassette-bomb.yaml"
    bomb_path = folder / "body.gz"
    head = b'{"data": [{"paperId": "' + b"a" * 40 + b'", "title": "T", "abstract": "'
    _gzip_stream(bomb_path, head, b"ham ", size, b'"}]}')
    body = base64.b64encode(bomb_path.read_bytes()).decode()
    bomb_path.unlink()
    good = [_s2_paper(letter) for letter in "bc"]
    lines = ["interactions:"]
    for number, payload in enumerate([good[0], None, good[1]]):
        lines += [
            "- request:",
            "    method: GET",
            f"    uri: https://api.semanticscholar.org/graph/v1/paper/{number}",
            "  response:",
            "    status: {code: 200, message: OK}",
        ]
        lines.append("    body:")
        if payload is None:
            lines.append("      string: !!binary |")
            lines += [f"        {body[i : i + 76]}" for i in range(0, len(body), 76)]
        else:
            lines.append(f"      string: {json.dumps(payload)}")
    path.write_text("\n".join(lines) + "\nversion: 1\n", encoding="utf-8")
    return Hostile("a huge S2 cassette body", path, "s2-api", 2, "size cap")


def _s2_paper(letter: str) -> str:
    return json.dumps({"paperId": letter * 40, "title": f"Paper {letter}", "year": 2020})


def _ris(title: str) -> bytes:
    return f"TY  - JOUR\nTI  - {title}\nAU  - Lovelace, Ada\nPY  - 2021\nER  - \n".encode()


def ris_bomb(folder: Path, size: int) -> Hostile:
    """A gzipped RIS library: a good record, one whose note runs `size` bytes over many lines
    (each under the line cap: the record cap must catch it), then a good record."""
    path = folder / "library-bomb.ris.gz"
    head = _ris("A good reference before the bomb") + b"TY  - JOUR\nTI  - bomb\n"
    filler = b"N1  - " + b"spam " * 13_000 + b"\n"
    _gzip_stream(path, head, filler, size, b"\nER  - \n" + _ris("A good reference after the bomb"))
    return Hostile("a RIS record of hundreds of MB", path, "ris", 2, "size cap")


def csl_json_bomb(folder: Path, size: int) -> Hostile:
    """A gzipped CSL-JSON library whose second item's abstract holds `size` bytes."""
    path = folder / "library-bomb.json.gz"
    first = json.dumps({"id": "a", "type": "book", "title": "A good item", "issued": {}})
    head = f'[{first},\n {{"id": "bomb", "type": "book", "title": "bomb", "abstract": "'.encode()
    last = json.dumps({"id": "c", "type": "book", "title": "An item after the bomb"})
    _gzip_stream(path, head, b"ham ", size, f'"}},\n {last}]\n'.encode())
    # Read item by item, the array has no document cap: the item after the bomb is read.
    return Hostile("a CSL-JSON item of hundreds of MB", path, "csl-json", 2, "size cap")


def utf16_ris_file(folder: Path) -> Hostile:
    """A RIS export in UTF-16 with a BOM (EndNote on Windows)."""
    path = folder / "endnote-utf16.ris"
    text = (_ris("Caf\u00e9 na\u00efve one") + _ris("R\u00e9sum\u00e9 two")).decode()
    path.write_bytes(text.encode("utf-16"))
    return Hostile("a UTF-16 RIS file", path, "ris", 2, None, "UTF-16")


Maker = Callable[[Path], Hostile]


def bombs(size: int = 300 * MB, depth: int = 100_000) -> dict[str, Maker]:
    """Every hostile file, by name, each made at `size` / `depth` when asked for."""
    return {
        "huge-json-line": lambda folder: huge_json_line(folder, size),
        "gzip-bomb": lambda folder: gzip_bomb(folder, size),
        "whitespace-bomb": lambda folder: whitespace_bomb(folder, size),
        "deep-json": lambda folder: deep_json(folder, depth),
        "deep-json-document": lambda folder: deep_json_document(folder, depth),
        "utf16": utf16_file,
        "cp1252": cp1252_file,
        "bom": bom_file,
        "cassette-bomb": lambda folder: cassette_bomb(folder, size),
        "ris-bomb": lambda folder: ris_bomb(folder, size),
        "csl-json-bomb": lambda folder: csl_json_bomb(folder, size),
        "utf16-ris": utf16_ris_file,
    }

"""BibTeX parse speed on the 113k ACM-CR records, with bibtexparser beside it for scale.

Measures, in entries per CPU second (process time, so that other load on the machine counts
less than in wall time):

1. `scan`: the files already decompressed and in memory, cut into entries and fields only
   (what `bibtexparser.parse_string` does, without LaTeX decoding);
2. `parse`: the same bytes through `paperscope.sources.bibtex.parse`, i.e. full WorkRecords;
3. `parse+gunzip`: `parse` straight from the tar.gz, as ingest reads it;
4. `bibtexparser`: `bibtexparser.parse_string` (2.x) on the first `--reference-mb` MB of the
   text, when it is installed, as the yardstick of this machine's speed.

Usage: python bench/bibtex_parse.py [--shared ../shared] [--reference-mb 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from collections.abc import Callable
from pathlib import Path

from paperscope.sources import bibtex
from paperscope.sources.base import DEFAULT_LIMITS, Malformed
from paperscope.sources.bibtex_scan import EntryError, entry_fields
from paperscope.sources.reading import open_members

ROOT = Path(__file__).resolve().parents[1]
TARBALL = Path("data/acm-cr/acm-dl-bibtex.tar.gz")


def _timed(run: Callable[[], int]) -> tuple[int, float]:
    start = time.process_time()
    count = run()
    return count, time.process_time() - start


def _load(tarball: Path) -> list[bytes]:
    return [
        stream.read() for member, stream in open_members(tarball) if member.name.endswith(".bib")
    ]


def _scan_only(blobs: list[bytes]) -> int:
    count = 0
    for blob in blobs:
        state = bibtex._FileState()
        for segment, _line in bibtex._segments(io.BytesIO(blob), DEFAULT_LIMITS):
            if not isinstance(segment, str):  # over the record cap: parse() skips it too
                continue
            header = bibtex._HEADER.search(segment)
            key = bibtex._KEY.match(segment, header.end()) if header else None
            if key is None:
                continue
            with contextlib.suppress(EntryError):
                entry_fields(segment, key.end(), state.macros)
            count += 1
    return count


def _parse_all(blobs: list[bytes]) -> int:
    return sum(1 for blob in blobs for _ in bibtex.parse(io.BytesIO(blob)))


def _parse_tarball(tarball: Path) -> int:
    count = malformed = 0
    for _member, stream in open_members(tarball):
        for result in bibtex.parse(stream):
            count += 1
            malformed += isinstance(result, Malformed)
    if malformed:
        print(f"  ({malformed} Malformed)")
    return count


def _bibtexparser(blobs: list[bytes], megabytes: float) -> tuple[int, float] | None:
    try:
        from bibtexparser.entrypoint import parse_string
    except ImportError:
        return None
    text = b"".join(blobs).decode("utf-8", "replace")[: int(megabytes * 1e6)]
    text = text[: text.rfind("\n@")]  # whole entries only
    return _timed(lambda: len(parse_string(text).entries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--reference-mb", type=float, default=5.0)
    args = parser.parse_args()
    tarball = args.shared / TARBALL
    blobs = _load(tarball)
    _parse_all(blobs[:20])  # warm up regex and prefix caches as a long ingest would have them
    runs = {
        "scan": lambda: _scan_only(blobs),
        "parse": lambda: _parse_all(blobs),
        "parse+gunzip": lambda: _parse_tarball(tarball),
    }
    for name, run in runs.items():
        count, seconds = _timed(run)
        print(f"{name:>14}: {count:,} entries in {seconds:.2f} s = {count / seconds:,.0f}/s")
    reference = _bibtexparser(blobs, args.reference_mb)
    if reference is not None:
        count, seconds = reference
        print(f"  bibtexparser: {count:,} entries in {seconds:.2f} s = {count / seconds:,.0f}/s")


if __name__ == "__main__":
    main()

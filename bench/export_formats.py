"""`paperscope export` on the 113k ACM-CR records: speed, memory, round-trip fidelity, and the
BibTeX writer beside bibtexparser 2's.

Data: ../shared/data/acm-cr (the ACM DL BibTeX records), ingested into a temporary SQLite
file (or --database URL, already ingested). Measured, each in the same process:

1. speed: `export_works` of every work in each format (bibtex, ris, csl-json, jsonl) to a
   file, works per CPU second (process time, so that other load on the machine counts less);
2. memory: the peak of Python allocations (tracemalloc) exporting BibTeX page by page (the
   default 1,000 works a page) beside the baseline of one page holding every work, i.e. what
   loading the whole selection first would cost;
3. fidelity: each export read back by paperscope's own parser of that format, and the share
   of works whose title, authors, year and DOI come back equal;
4. the BibTeX writer beside bibtexparser 2's writer (plain, and with its LaTeX-encoding
   middleware, which hostile titles need) on the first --reference works, entries per CPU
   second; bibtexparser is a test dependency (`pip install -e .[dev]`).

Results go to bench/results/export_formats.json.

Usage: python bench/export_formats.py [--shared ../shared] [--database URL] [--reference 3000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from paperscope.domain import WorkRecord
from paperscope.export.bibtex import BibtexWriter
from paperscope.export.formats import FORMATS
from paperscope.export.items import ExportItem
from paperscope.export.works import Selection, export_works, item_pages
from paperscope.ingest import ingest_paths
from paperscope.sources.base import Parsed
from paperscope.sources.detect import format_named
from paperscope.store import Store

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "export_formats.json"
TARBALL = Path("data/acm-cr/acm-dl-bibtex.tar.gz")
PARSERS = {"bibtex": "bibtex", "ris": "ris", "csl-json": "csl-json"}


def _kept(record: WorkRecord) -> tuple[str, tuple[str, ...], int | None, str | None]:
    doi = next((i.value.lower() for i in record.ids if i.scheme == "doi"), None)
    return (record.title, tuple(a.name for a in record.authors), record.year, doi)


def _expected(item: ExportItem) -> tuple[str, tuple[str, ...], int | None, str | None]:
    title = " ".join(item.title.split())
    doi = item.doi.lower() if item.doi else None
    return (title, tuple(" ".join(a.split()) for a in item.authors), item.year, doi)


def speed(store: Store, folder: Path) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for name, fmt in FORMATS.items():
        path = folder / f"all.{fmt.extension}"
        with path.open("w", encoding="utf-8") as out:
            start = time.process_time()
            count = export_works(store, Selection(), fmt, out)
            seconds = time.process_time() - start
        found[name] = {
            "works": count,
            "cpu_seconds": round(seconds, 2),
            "works_per_cpu_s": round(count / seconds),
            "megabytes": round(path.stat().st_size / 1e6, 1),
        }
        print(f"  {name:8} {count:,} works in {seconds:.1f} CPU s = {count / seconds:,.0f}/s")
    return found


def memory(store: Store, folder: Path, works: int) -> dict[str, float]:
    peaks = {}
    for label, size in (("paged_1000", 1000), ("one_page_baseline", works)):
        tracemalloc.start()
        with (folder / "memory.bib").open("w", encoding="utf-8") as out:
            export_works(store, Selection(), FORMATS["bibtex"], out, size=size)
        peaks[label] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
        tracemalloc.stop()
        print(f"  peak Python allocations, {label}: {peaks[label]} MB")
    return peaks


def fidelity(store: Store, folder: Path) -> dict[str, dict[str, int]]:
    expected = {
        item.ref: _expected(item) for page in item_pages(store, Selection()) for item in page
    }
    found: dict[str, dict[str, int]] = {}
    for name, parser in PARSERS.items():
        path = folder / f"all.{FORMATS[name].extension}"
        back: list[tuple[str, tuple[str, ...], int | None, str | None]] = []
        unreadable = 0
        with path.open("rb") as stream:
            for result in format_named(parser).parse(stream):
                if isinstance(result, Parsed) and isinstance(result.record, WorkRecord):
                    back.append(_kept(result.record))
                else:
                    unreadable += 1
        wanted = list(expected.values())
        same = sum(1 for a, b in zip(wanted, back, strict=False) if a == b)
        fields = {
            field: sum(1 for a, b in zip(wanted, back, strict=False) if a[i] == b[i])
            for i, field in enumerate(("title", "authors", "year", "doi"))
        }
        found[name] = {
            "works": len(wanted),
            "read_back": len(back),
            "unreadable": unreadable,
            "all_four_equal": same,
            **{f"{k}_equal": v for k, v in fields.items()},
        }
        print(
            f"  {name:8} read back {len(back):,}/{len(wanted):,}; all four equal {same:,}; "
            + ", ".join(f"{k} {v:,}" for k, v in fields.items())
        )
    return found


def reference(store: Store, limit: int) -> dict[str, Any]:
    items: list[ExportItem] = []
    for page in item_pages(store, Selection()):
        items.extend(page)
        if len(items) >= limit:
            break
    items = items[:limit]
    writer = BibtexWriter()
    start = time.process_time()
    for item in items:
        writer.item(item)
    ours = len(items) / (time.process_time() - start)
    found: dict[str, Any] = {"works": len(items), "paperscope_per_cpu_s": round(ours)}
    print(f"  paperscope BibTeX writer: {ours:,.0f} entries/CPU s")
    try:
        from bibtexparser.entrypoint import write_string
        from bibtexparser.library import Library
        from bibtexparser.middlewares import LatexEncodingMiddleware
        from bibtexparser.model import Entry, Field
    except ImportError:
        print("  bibtexparser is not installed: no reference numbers")
        return found
    for label, middleware in (("plain", []), ("latex_encoding", [LatexEncodingMiddleware()])):
        library = Library()
        for number, item in enumerate(items):
            fields = [Field("title", item.title), Field("author", " and ".join(item.authors))]
            fields += [Field("year", str(item.year))] if item.year else []
            fields += [Field("doi", item.doi)] if item.doi else []
            fields += [Field("abstract", item.abstract)] if item.abstract else []
            library.add(Entry("article", f"k{number}", fields))
        start = time.process_time()
        write_string(library, prepend_middleware=middleware)
        rate = len(items) / (time.process_time() - start)
        found[f"bibtexparser_{label}_per_cpu_s"] = round(rate)
        print(f"  bibtexparser 2 writer, {label}: {rate:,.0f} entries/CPU s")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--database", help="an already ingested database (default: ingest)")
    parser.add_argument("--reference", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        if args.database:
            store = Store.open(args.database)
        else:
            store = Store.open(f"sqlite:///{folder / 'export.db'}")
            print(f"ingesting {args.shared / TARBALL} ...")
            ingest_paths(store, [args.shared / TARBALL])
        results: dict[str, Any] = {"data": "acm-cr bibtex in sqlite"}
        print("speed:")
        results["speed"] = speed(store, folder)
        works = int(results["speed"]["jsonl"]["works"])
        print("memory:")
        results["memory_mb"] = memory(store, folder, works)
        print("fidelity:")
        results["fidelity"] = fidelity(store, folder)
        print("BibTeX writers:")
        results["bibtex_writers"] = reference(store, args.reference)
        store.close()
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

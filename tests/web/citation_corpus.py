"""A small citation graph for the reference-list, cited-by and neighbourhood tests.

Written as synthetic-format JSON Lines and ingested through the pipeline, then embedded with
the hashing encoder:

- `synthetic-hub` (2020) lists 53 stored references (`ref-1` .. `ref-53`, in that order), an
  unknown listing key, and (added as edges, as sources with DOIs and title strings store
  them) a DOI with markup in it, a hostile title, a title that is an https URL and one that
  is a `javascript:` URL: 58 entries, 53 resolved;
- 45 works cite it (`cite-1` .. `cite-45`, years 2021-2023): each also cites `ref-1` ..
  `ref-3` (so those are co-cited with the hub), and `cite-2` .. `cite-45` cite `cite-1`
  (the most cited citing work), `cite-3` .. `cite-10` cite `cite-2`;
- `cite-45` reports 500 citations (so it leads the most-cited order), and one more citing
  work has a hostile title and author;
- `sibling-1` .. `sibling-3` (2019) cite `ref-1` .. `ref-40` but not the hub (bibliographic
  coupling), and `lonely` is related to nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select

from paperscope.config import Settings
from paperscope.sources.synthetic import SYNTHETIC_FORMAT
from paperscope.store import Store
from paperscope.store.schema import references, work_ids
from stages import ingest

HOSTILE_TITLE = "<script>alert('n')</script> Graph & <b>bold</b> neighbour"
HOSTILE_AUTHOR = "Mallory <i>Evil</i>"
HOSTILE_DOI = "10.1000/<script>x</script>"
HOSTILE_REFERENCE = "A <b>cited</b> title & more (1999)"
URL_REFERENCE = "https://example.org/paper-42"
SCRIPT_REFERENCE = "javascript:alert(1)"
REFERENCES = 53
CITING = 45
SHARED = 40


@dataclass(frozen=True, slots=True)
class CitationCorpus:
    store: Store
    settings: Settings
    work: dict[str, int]
    """Work id of each key without its `synthetic-` prefix (`hub`, `ref-1`, `cite-7` ...)."""


def _record(
    key: str,
    title: str,
    published: str,
    cites: list[str],
    authors: list[str] | None = None,
    reported: int | None = None,
) -> dict[str, object]:
    return {
        "id": f"synthetic-{key}",
        "title": title,
        "abstract": f"Abstract of {title}.",
        "authors": authors or [f"Author {key.title()}"],
        "published": published,
        "featured": None,
        "categories": ["cs.DL"],
        "upvotes": 0,
        "code": None,
        "references": [f"synthetic-{c}" for c in cites],
        "reported_citations": reported,
    }


def records() -> list[dict[str, object]]:
    refs = [f"ref-{i}" for i in range(1, REFERENCES + 1)]
    rows = [
        _record(
            "hub",
            "Citation graphs of scholarly literature",
            "2020-01-10",
            [*refs, "missing-1"],
        )
    ]
    rows += [
        _record(
            f"ref-{i}",
            f"Reference work number {i} on citation graphs",
            f"{2000 + i % 15}-05-01",
            [],
        )
        for i in range(1, REFERENCES + 1)
    ]
    for i in range(1, CITING + 1):
        cites = ["hub", "ref-1", "ref-2", "ref-3"]
        if i > 1:
            cites.append("cite-1")
        if 3 <= i <= 10:
            cites.append("cite-2")
        day = f"{2021 + i % 3}-{1 + i % 12:02d}-{1 + i % 27:02d}"
        rows.append(
            _record(
                f"cite-{i}",
                f"Citing study {i} of scholarly citation graphs",
                day,
                cites,
                reported=500 if i == CITING else None,
            )
        )
    rows.append(_record("hostile", HOSTILE_TITLE, "2022-06-06", ["hub"], [HOSTILE_AUTHOR]))
    rows += [
        _record(
            f"sibling-{i}", f"Sibling survey {i} of scholarly graphs", "2019-03-03", refs[:SHARED]
        )
        for i in range(1, 4)
    ]
    rows.append(_record("lonely", "Unrelated gardening notes", "2018-01-01", []))
    return rows


def _unresolved_edges(store: Store, hub: int) -> None:
    """References the way DOI- and title-carrying sources store them (never resolved here)."""
    cited = [
        ("doi", HOSTILE_DOI),
        ("title", HOSTILE_REFERENCE),
        ("title", URL_REFERENCE),
        ("title", SCRIPT_REFERENCE),
    ]
    with store.transaction() as connection:
        connection.execute(
            insert(references),
            [
                {
                    "citing_scheme": "listing",
                    "citing_value": "synthetic-hub",
                    "cited_scheme": scheme,
                    "cited_value": value,
                    "citing_work_id": hub,
                }
                for scheme, value in cited
            ],
        )


def build_citation_corpus(url: str, data_dir: Path) -> CitationCorpus:
    from paperscope.embeddings.encoders import get_encoder
    from paperscope.embeddings.vectors import embed_works

    data = data_dir / "citations.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in records()) + "\n", encoding="utf-8")
    store = Store.open(url)
    ingest(store, data, format_name=SYNTHETIC_FORMAT.name)
    with store.connect() as connection:
        rows = connection.execute(
            select(work_ids.c.value, work_ids.c.work_id).where(work_ids.c.scheme == "listing")
        )
        work = {value.removeprefix("synthetic-"): work_id for value, work_id in rows}
    _unresolved_edges(store, work["hub"])
    embed_works(store, get_encoder("hashing", data_dir))
    settings = Settings(data_dir=data_dir, embedding_model="hashing", database_url=url)
    return CitationCorpus(store, settings, work)

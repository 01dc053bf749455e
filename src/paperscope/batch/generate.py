"""Deterministic synthetic snapshots in the OpenAlex and Semantic Scholar layouts.

For the equivalence tests and `bench/spark.py`: `works` works with `authors_per_work`
authorships and `references_per_work` reference edges each, names drawn from pools small
enough that name blocks hold several people, the first partition holding every work and a
later one newer versions of some (their counts changed), an S2 `papers` shard repeating
some works under their DOI (merged across sources by identifier) and an S2 `citations`
shard, and one malformed line per file (counted, reported, skipped).
"""

from __future__ import annotations

import gzip
import json
import random
import zlib
from pathlib import Path
from typing import Any

_GIVEN = [
    "wei",
    "li",
    "anna",
    "maria",
    "john",
    "james",
    "david",
    "sara",
    "chen",
    "yu",
    "hao",
    "ming",
    "jun",
    "lei",
    "ahmed",
    "omar",
    "elena",
    "ivan",
    "paul",
    "laura",
    "peter",
    "nina",
    "lucas",
    "emma",
    "noah",
    "mia",
    "leo",
    "hana",
    "yuki",
    "kenji",
]
_SURNAMES = [
    "wang",
    "zhang",
    "liu",
    "chen",
    "smith",
    "jones",
    "garcia",
    "muller",
    "rossi",
    "silva",
    "kim",
    "park",
    "nguyen",
    "tanaka",
    "sato",
    "ivanov",
    "novak",
    "kowalski",
    "johansson",
    "dubois",
    "martin",
    "brown",
    "taylor",
    "wilson",
    "lopez",
    "gonzalez",
    "singh",
    "kumar",
    "ali",
    "hassan",
]
_WORDS = [
    "learning",
    "neural",
    "graph",
    "language",
    "model",
    "retrieval",
    "citation",
    "author",
    "network",
    "sparse",
    "dense",
    "attention",
    "transfer",
    "robust",
    "efficient",
    "scalable",
    "bayesian",
    "inference",
    "parsing",
    "translation",
    "summarization",
    "embedding",
    "clustering",
    "ranking",
    "question",
    "answering",
]
_FIELDS = ("Artificial Intelligence", "Information Systems", "Signal Processing", "Linguistics")


def _name(rng: random.Random, surnames: int) -> tuple[str, str]:
    given = rng.choice(_GIVEN)
    surname = f"{rng.choice(_SURNAMES)}{rng.randrange(surnames)}"
    return f"{given.title()} {surname.title()}", f"{given}-{surname}"


def _work(
    i: int, rng: random.Random, works: int, authors: int, refs: int, surnames: int
) -> dict[str, Any]:
    year = 2000 + i % 20
    title = f"{' '.join(rng.sample(_WORDS, 4)).title()} number {i}"
    people = [_name(rng, surnames) for _ in range(authors)]
    cited = sorted({rng.randrange(works) for _ in range(refs)} - {i})
    return {
        "id": f"https://openalex.org/W{1_000_000 + i}",
        "doi": f"https://doi.org/10.5555/gen.{i}",
        "title": title,
        "display_name": title,
        "publication_year": year,
        "publication_date": f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "ids": {"openalex": f"https://openalex.org/W{1_000_000 + i}"},
        "primary_location": {"source": {"display_name": f"Venue {i % 7}"}},
        "authorships": [
            {
                "author": {
                    "id": f"https://openalex.org/A{zlib.crc32(key.encode())}",
                    "display_name": name,
                },
                "institutions": [{"display_name": f"University {rng.randrange(9)}"}],
                "raw_author_name": name,
            }
            for name, key in people
        ],
        "cited_by_count": rng.randrange(50),
        "primary_topic": {"subfield": {"display_name": _FIELDS[i % len(_FIELDS)]}},
        "referenced_works": [f"https://openalex.org/W{1_000_000 + c}" for c in cited],
    }


def _write_jsonl(path: Path, rows: list[dict[str, Any]], bad: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
        if bad is not None:
            handle.write(bad + "\n")


def generate(
    root: Path,
    works: int,
    *,
    seed: int = 16,
    authors_per_work: int = 3,
    references_per_work: int = 5,
    files: int = 4,
    updated_share: float = 0.05,
    s2_share: float = 0.1,
) -> dict[str, int]:
    """Write `root/openalex/data/works/...` and `root/s2/{papers,citations}`; returns counts."""
    rng = random.Random(seed)
    surnames = max(1, works // 40)
    rows = [
        _work(i, rng, works, authors_per_work, references_per_work, surnames) for i in range(works)
    ]
    base = root / "openalex" / "data" / "works"
    per_file = max(1, -(-works // files))
    for number, start in enumerate(range(0, works, per_file)):
        _write_jsonl(
            base / "updated_date=2026-01-01" / f"part_{number:03d}.gz",
            rows[start : start + per_file],
            '{"id": "https://openalex.org/W1", "title": ' if number == 0 else None,
        )
    updated = [
        dict(r, cited_by_count=int(r["cited_by_count"]) + 7)
        for r in rows
        if rng.random() < updated_share
    ]
    _write_jsonl(base / "updated_date=2026-02-01" / "part_000.gz", updated, None)
    twins = [r for r in rows if rng.random() < s2_share]
    papers = [
        {
            "corpusid": 5_000_000 + int(r["id"].rsplit("W", 1)[1]),
            "externalids": {"DOI": r["doi"].split("doi.org/", 1)[1], "CorpusId": None},
            "title": r["title"],
            "authors": [
                {"authorId": str(100 + k), "name": a["raw_author_name"]}
                for k, a in enumerate(r["authorships"])
            ],
            "year": r["publication_year"],
            "citationcount": rng.randrange(60),
        }
        for r in twins
    ]
    _write_jsonl(root / "s2" / "papers" / "papers-0.jsonl.gz", papers, "not json")
    citations = [
        {"citingcorpusid": p["corpusid"], "citedcorpusid": q["corpusid"], "isinfluential": False}
        for p in papers
        for q in rng.sample(papers, min(2, len(papers)))
        if p is not q
    ]
    _write_jsonl(root / "s2" / "citations" / "citations-0.jsonl.gz", citations, None)
    return {
        "works": works,
        "authorships": works * authors_per_work,
        "references": sum(len(r["referenced_works"]) for r in rows),
        "updated": len(updated),
        "s2_papers": len(papers),
        "s2_citations": len(citations),
    }

"""Canonical text of a work folder's results, to compare two engines byte for byte.

Ids differ between runs, so every row is named by what does not: a work by its sorted
identifiers, an authorship by its work and position, a person by their sorted authorships.
Floats are rounded as `score` stores them. `canonical(folder)` gives, per aspect, the sorted
lines; two folders agree when every list is equal.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from paperscope.definitions import PERCENTILE_DECIMALS


def _rows(folder: Path, name: str) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    table = pq.read_table(str(folder / name), partitioning=None)
    return list(table.to_pylist())


def _float(value: Any) -> str:
    if value is None or value != value:
        return "-"
    return repr(round(float(value), PERCENTILE_DECIMALS))


def _text(value: Any) -> str:
    return "-" if value is None else str(value)


def canonical(folder: Path) -> dict[str, list[str]]:
    ids: dict[int, list[str]] = defaultdict(list)
    for row in _rows(folder, "work_ids"):
        ids[int(row["work_id"])].append(f"{row['scheme']}:{row['value']}")
    work_key = {w: " ".join(sorted(v)) for w, v in ids.items()}
    out: dict[str, list[str]] = {}
    fields = ("title", "year", "published", "venue", "primary_category", "author_count", "abstract")
    out["works"] = sorted(
        "\t".join([work_key.get(int(r["id"]), f"?{r['id']}"), *(_text(r[f]) for f in fields)])
        for r in _rows(folder, "works")
    )
    place: dict[int, str] = {}
    authors = []
    for r in _rows(folder, "authorships"):
        place[int(r["id"])] = f"{work_key[int(r['work_id'])]}#{r['position']}"
        authors.append(f"{place[int(r['id'])]}\t{r['name']}\t{_text(r['orcid'])}")
    out["authorships"] = sorted(authors)
    out["references"] = sorted(
        "\t".join([r["citing_scheme"], r["citing_value"], r["cited_scheme"], r["cited_value"],
                   work_key.get(r["citing_work_id"], "-") if r["citing_work_id"] else "-",
                   work_key.get(r["cited_work_id"], "-") if r["cited_work_id"] else "-"])
        for r in _rows(folder, "references")
    )  # fmt: skip
    out["citations_by_year"] = sorted(
        f"{work_key[int(r['work_id'])]}\t{r['year']}\t{r['citations']}"
        for r in _rows(folder, "citations_by_year")
    )
    members: dict[int, list[str]] = defaultdict(list)
    for r in _rows(folder, "authorship_people"):
        members[int(r["person_id"])].append(place[int(r["authorship_id"])])
    person_key = {p: " ".join(sorted(m)) for p, m in members.items()}
    out["people"] = sorted(
        f"{person_key[int(r['id'])]}\t{r['canonical_name']}"
        for r in _rows(folder, "people")
        if int(r["id"]) in person_key
    )
    out["work_citations"] = sorted(
        "\t".join([work_key[int(r["work_id"])], str(r["in_corpus"]), _text(r["reported"]),
                   str(r["citations"]), r["citation_source"]])
        for r in _rows(folder, "work_citations")
    )  # fmt: skip
    out["work_metrics"] = sorted(
        "\t".join([work_key[int(r["work_id"])], _float(r["citation_pct"]),
                   _float(r["novelty_pct"]), _float(r["ai_score"]), r["definition_version"]])
        for r in _rows(folder, "work_metrics")
    )  # fmt: skip
    metric_fields = ("papers", "citations", "h_index", "i10_index", "g_index", "first_year",
                     "last_year", "primary_category")  # fmt: skip
    out["person_metrics"] = sorted(
        "\t".join([person_key[int(r["person_id"])], r["name"],
                   *(_text(r[f]) for f in metric_fields),
                   _float(r["novelty_pct"]), _float(r["ai_score"])])
        for r in _rows(folder, "person_metrics")
    )  # fmt: skip
    out["person_citations_by_year"] = sorted(
        f"{person_key[int(r['person_id'])]}\t{r['year']}\t{r['citations']}"
        for r in _rows(folder, "person_citations_by_year")
    )
    return out


def differences(
    left: dict[str, list[str]], right: dict[str, list[str]], limit: int = 5
) -> list[str]:
    """What differs between two canonical forms (empty: they are equal)."""
    out = []
    for aspect in sorted(set(left) | set(right)):
        a, b = left.get(aspect, []), right.get(aspect, [])
        if a != b:
            only_a = sorted(set(a) - set(b))[:limit]
            only_b = sorted(set(b) - set(a))[:limit]
            out.append(
                f"{aspect}: {len(a)} vs {len(b)} rows; only left {only_a}; only right {only_b}"
            )
    return out

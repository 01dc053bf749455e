"""The batch stages' pure-Python pieces: snapshot discovery, ingest's write units, the title
step, the row fold, name-block keys (no Spark needed)."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

from paperscope.batch.blocking import name_keys
from paperscope.batch.merge_stage import write_units
from paperscope.batch.merging import TitleRecord, fold_work, title_matches
from paperscope.batch.snapshot import discover
from paperscope.ingest.merge import WORK_FIELDS


def _part(root: Path, day: str, name: str, works: list[str]) -> None:
    path = root / "data" / "works" / f"updated_date={day}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as handle:
        for work in works:
            handle.write(json.dumps({"id": f"https://openalex.org/{work}", "title": work}) + "\n")


def test_openalex_layout_partitions_manifest_merged_ids_and_since(tmp_path: Path) -> None:
    _part(tmp_path, "2026-02-01", "part_000.gz", ["W3"])
    _part(tmp_path, "2026-01-01", "part_010.gz", ["W2"])
    _part(tmp_path, "2026-01-01", "part_002.gz", ["W1"])
    url = "s3://openalex/data/works/updated_date={}/part_{}.gz"
    manifest = {
        "entries": [
            {"url": url.format("2026-01-01", "002")},
            {"url": url.format("2026-03-01", "000")},
        ]
    }
    (tmp_path / "data" / "works" / "manifest").write_text(json.dumps(manifest))
    merged = tmp_path / "data" / "merged_ids" / "works"
    merged.mkdir(parents=True)
    with gzip.open(merged / "2026-01-15.csv.gz", "wt") as handle:
        handle.write("merge_date,id,merge_into_id\n2026-01-15,W2,W1\n")
    snapshot = discover([tmp_path])
    names = [(f.partition, Path(f.path).name) for f in snapshot.files]
    assert names == [
        ("2026-01-01", "part_002.gz"),
        ("2026-01-01", "part_010.gz"),
        ("2026-02-01", "part_000.gz"),
    ]
    assert snapshot.merged_ids == (("W2", "W1"),)
    assert any("part_000.gz, which is not here" in p for p in snapshot.problems)
    assert any("does not list updated_date=2026-01-01/part_010.gz" in p for p in snapshot.problems)
    newer = discover([tmp_path], since="2026-01-01")
    assert [f.partition for f in newer.files] == ["2026-02-01"]


def test_s2_datasets_in_dependency_order(tmp_path: Path) -> None:
    for dataset in ("citations", "abstracts", "papers"):
        (tmp_path / dataset).mkdir()
        (tmp_path / dataset / f"{dataset}-0.jsonl.gz").write_bytes(b"")
        (tmp_path / dataset / "README.txt").write_text("x")
    files = [Path(f.path).parent.name for f in discover([tmp_path]).files]
    assert files == ["papers", "abstracts", "citations"]


def test_write_units_follow_batches_and_format_runs() -> None:
    files = [
        (0, 16, [(0, "aan-metadata"), (12, "aan-citations")]),
        (1, 5, [(0, "openalex")]),
        (2, 6, [(0, "s2-bulk")]),
        (3, 4, [(0, "s2-bulk")]),
    ]
    assert write_units(files, 10) == [
        (0, 0, 9, 0),
        (0, 10, 11, 1),
        (0, 12, 15, 2),
        (1, 0, 3, 3),
        (1, 4, 4, 4),
        (2, 0, 5, 5),
        (3, 0, 2, 5),
        (3, 3, 3, 6),
    ]


def _title(seq: int, comp: int, keys: tuple[str, ...], authors: bool = True,
           ids: tuple[tuple[str, str], ...] = ()) -> TitleRecord:  # fmt: skip
    return TitleRecord(seq, comp, keys, authors, 2010, ids, tuple((seq, s, v) for s, v in ids))


def test_title_step_as_ingest_resolves() -> None:
    same = _title(1, 1, ("t|smith|2010", "t||2010"))
    twin = _title(2, 2, ("t|smith|2010", "t||2010"))
    other_doi = _title(3, 3, ("t|smith|2010", "t||2010"), ids=(("doi", "b"),))
    first_doi = _title(0, 0, ("t|jones|2010", "t||2010"), ids=(("doi", "a"),))
    authorless = _title(4, 4, ("t||2010",), authors=False)
    assert title_matches([same, twin]) == [(1, 2)]
    # A strong id conflict refuses the key match (two papers with one title).
    assert title_matches([first_doi, _title(5, 5, ("t|jones|2010",), ids=(("doi", "b"),))]) == []
    # An author-less record joins the one work with its title and year.
    assert title_matches([first_doi, authorless]) == [(0, 4)]
    assert (0, 3) not in title_matches([first_doi, other_doi])


def test_fold_fills_empty_fields_and_a_newer_version_overrides() -> None:
    def row(seq: int, override: bool, **values: object) -> dict[str, object]:
        base = {name: None for name in ("title_key", "merge_key", *WORK_FIELDS)}
        return {**base, "title": "T", "title_key": "t", "seq": seq, "override": override, **values}

    first = row(1, False, venue="A", year=2010)
    filler = row(2, False, venue="B", abstract="text")
    newer = row(3, True, venue="C", published=date(2010, 5, 1))
    folded = fold_work([first, filler, newer])
    assert (folded["venue"], folded["abstract"], folded["published"]) == (
        "C",
        "text",
        date(2010, 5, 1),
    )
    assert fold_work([first, filler])["venue"] == "A"


def test_name_keys_give_the_block_and_the_swapped_block() -> None:
    assert name_keys("Haoyu Ren")[0] == "ren h"
    assert name_keys("Wang Wei")[1] == "wang w"

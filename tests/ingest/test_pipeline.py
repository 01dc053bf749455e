from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import pytest
from dump import canonical_dump
from kaggle import kaggle_lines
from sqlalchemy import select, text

from paperscope.errors import MalformedRecordError, PaperscopeError, UnknownFormatError
from paperscope.ingest import ingest_paths
from paperscope.ingest.pipeline import INGEST_GC_THRESHOLDS, INGEST_TABLES, counts_again_after
from paperscope.store import Store
from paperscope.store.ids import in_list
from paperscope.store.schema import (
    authorships,
    code_links,
    quarantine,
    references,
    reported_citations,
    source_records,
    work_ids,
    works,
)
from plans import explain


@pytest.fixture
def samples(data_dir: Path) -> Path:
    return data_dir / "ingest"


def _work_by(store: Store, scheme: str, value: str) -> dict[str, object]:
    with store.connect() as connection:
        work_id = connection.execute(
            select(work_ids.c.work_id).where(work_ids.c.scheme == scheme, work_ids.c.value == value)
        ).scalar_one()
        return dict(connection.execute(select(works).where(works.c.id == work_id)).mappings().one())


def test_ingest_counts_and_quarantines_the_malformed_line(store: Store, samples: Path) -> None:
    counts = ingest_paths(store, [samples / "kaggle-three.jsonl"])

    assert (counts.read, counts.new, counts.quarantined) == (4, 3, 1)
    with store.connect() as connection:
        bad = connection.execute(select(quarantine)).mappings().one()
        links = connection.execute(select(code_links.c.url)).scalars().all()
        names = connection.execute(
            select(authorships.c.name).order_by(authorships.c.name)
        ).scalars()
        assert list(names) == ["Ada Lovelace", "Alan Turing", "Charles Babbage", "Grace Hopper"]
    assert bad["file"].endswith("kaggle-three.jsonl")
    assert bad["position"] == "line 3"
    assert "JSON" in bad["reason"]
    assert links == ["https://github.com/ada/engines"]
    assert _work_by(store, "arxiv", "2101.00001")["title"] == (
        "Analytical Engines for Sequence Modelling"
    )


def test_same_paper_from_two_sources_is_merged_keeping_both_records(
    store: Store, samples: Path
) -> None:
    ingest_paths(store, [samples / "kaggle-three.jsonl"])
    counts = ingest_paths(store, [samples / "openalex-two.json"])

    # W...1 shares the DOI with arXiv 2101.00002; W...2 has no DOI but the same title,
    # first author's surname and year as arXiv 2101.00001.
    assert (counts.new, counts.merged) == (0, 2)
    by_doi = _work_by(store, "openalex", "W9000000001")
    assert by_doi == _work_by(store, "arxiv", "2101.00002")
    assert by_doi["venue"] == "Journal of Compilers"  # filled in: the arXiv record had none
    assert by_doi["title"] == "Compilers All the Way Down"  # first source's title is kept
    by_title = _work_by(store, "openalex", "W9000000002")
    assert by_title["id"] == _work_by(store, "arxiv", "2101.00001")["id"]
    with store.connect() as connection:
        assert connection.execute(select(works.c.id)).all().__len__() == 3
        kept = connection.execute(
            select(source_records.c.format).where(source_records.c.work_id == by_doi["id"])
        ).scalars()
        assert sorted(kept) == ["arxiv-kaggle", "openalex"]
        count = connection.execute(
            select(reported_citations.c.count).where(reported_citations.c.work_id == by_doi["id"])
        ).scalar_one()
        assert count == 42
        edge = connection.execute(select(references)).mappings().one()
    assert (edge["citing_work_id"], edge["cited_work_id"]) == (by_doi["id"], by_title["id"])


def test_reingest_changes_nothing(store: Store, samples: Path) -> None:
    paths = [samples / "kaggle-three.jsonl", samples / "openalex-two.json"]
    ingest_paths(store, paths)
    before = canonical_dump(store)

    again = ingest_paths(store, paths)

    assert (again.new, again.merged, again.updated) == (0, 0, 0)
    assert again.unchanged == 5
    assert canonical_dump(store) == before


def test_a_corrected_record_overrides_what_it_carries(store: Store, samples: Path) -> None:
    ingest_paths(store, [samples / "kaggle-three.jsonl"])
    counts = ingest_paths(store, [samples / "kaggle-updated.jsonl"])

    assert (counts.updated, counts.new) == (1, 0)
    work = _work_by(store, "arxiv", "2101.00002")
    assert work["title"] == "Compilers All the Way Down (Corrected)"
    assert work["abstract"] == "A compiler for compilers, corrected."
    with store.connect() as connection:
        versions = connection.execute(
            select(source_records.c.record_key).where(source_records.c.work_id == work["id"])
        ).scalars()
        assert list(versions) == ["arxiv:2101.00002", "arxiv:2101.00002"]


def test_strict_stops_at_the_first_malformed_record(store: Store, samples: Path) -> None:
    with pytest.raises(MalformedRecordError) as raised:
        ingest_paths(store, [samples / "kaggle-three.jsonl"], strict=True)

    assert raised.value.position == "line 3"
    assert "kaggle-three.jsonl: line 3" in str(raised.value)
    with store.connect() as connection:  # what came before the bad record is kept, nothing after
        titles = connection.execute(select(works.c.title).order_by(works.c.id)).scalars().all()
    assert titles == ["Analytical Engines for Sequence Modelling", "Compilers All the Way Down"]


def test_unrecognised_file_named_explicitly_is_an_error(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list: eggs, milk\n")
    with pytest.raises(UnknownFormatError, match=r"notes\.txt"):
        ingest_paths(store, [notes])


def test_unrecognised_files_in_a_folder_are_skipped_and_counted(
    store: Store, samples: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "README.txt").write_text("These files came from somewhere.\n")
    (folder / "papers.jsonl").write_bytes((samples / "kaggle-three.jsonl").read_bytes())

    counts = ingest_paths(store, [folder])

    assert (counts.skipped_files, counts.new) == (1, 3)


def test_compressed_and_archived_inputs_read_transparently(
    store: Store, samples: Path, tmp_path: Path
) -> None:
    import gzip
    import tarfile

    packed = tmp_path / "papers.jsonl.gz"
    packed.write_bytes(gzip.compress((samples / "kaggle-three.jsonl").read_bytes()))
    tarball = tmp_path / "more.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(samples / "openalex-two.json", arcname="inner/works.json")

    counts = ingest_paths(store, [packed, tarball])

    assert (counts.new, counts.merged, counts.quarantined) == (3, 2, 1)


def test_listing_json_written_by_us_round_trips_unicode(store: Store, tmp_path: Path) -> None:
    record = {
        "id": "2102.00001",
        "authors": "Jörg Müller",
        "title": "Ünïcode <script>alert(1)</script> Titles",
        "categories": "cs.CL",
        "abstract": "Ωmega.",
        "versions": [{"version": "v1", "created": "Mon, 1 Feb 2021 10:00:00 GMT"}],
        "update_date": "2021-02-01",
        "authors_parsed": [["Müller", "Jörg", ""]],
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")

    ingest_paths(store, [path])

    assert _work_by(store, "arxiv", "2102.00001")["title"] == record["title"]


def test_a_damaged_file_is_named_and_its_folder_goes_on(
    store: Store, samples: Path, tmp_path: Path
) -> None:
    import gzip

    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.jsonl").write_bytes((samples / "kaggle-three.jsonl").read_bytes())
    whole = gzip.compress((samples / "kaggle-updated.jsonl").read_bytes() * 50)
    (folder / "truncated.jsonl.gz").write_bytes(whole[: len(whole) // 2])

    counts = ingest_paths(store, [folder])
    with pytest.raises(PaperscopeError, match=r"truncated\.jsonl\.gz: cannot read"):
        ingest_paths(store, [folder / "truncated.jsonl.gz"])

    assert (counts.new, counts.skipped_files) == (3, 1)


def test_hidden_files_in_a_folder_are_not_ingested(
    store: Store, samples: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "page-00001.jsonl").write_bytes((samples / "kaggle-three.jsonl").read_bytes())
    (folder / ".page-00002.tmp").write_bytes((samples / "kaggle-updated.jsonl").read_bytes())

    counts = ingest_paths(store, [folder])

    assert (counts.new, counts.updated, counts.skipped_files) == (3, 0, 0)


class _ThresholdsSeen:
    """A progress sink that records the collector's thresholds while batches are written."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int, int]] = []

    def start(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        self.seen.append(gc.get_threshold())

    def note(self, text: str) -> None:
        pass


def test_ingest_collects_cycles_less_often_and_restores_the_collector(
    store: Store, samples: Path
) -> None:
    before = gc.get_threshold()
    progress = _ThresholdsSeen()
    ingest_paths(store, [samples / "kaggle-three.jsonl"], progress=progress, background=False)
    assert progress.seen and set(progress.seen) == {INGEST_GC_THRESHOLDS}
    assert gc.get_threshold() == before != INGEST_GC_THRESHOLDS
    with pytest.raises(MalformedRecordError):
        ingest_paths(store, [samples / "kaggle-three.jsonl"], strict=True, background=False)
    assert gc.get_threshold() == before


def _index_conditions(plan: Any) -> list[str]:
    """Every `Index Cond` of a PostgreSQL JSON plan, or every SQLite plan line."""
    if isinstance(plan, dict):
        found = [plan["Index Cond"]] if "Index Cond" in plan else []
        nodes = [plan.get("Plan"), plan.get("Plans")]
        return found + [c for node in nodes if node for c in _index_conditions(node)]
    if isinstance(plan, list | tuple):
        return [c for value in plan for c in _index_conditions(value)]
    return [plan] if isinstance(plan, str) else []


def test_a_store_growing_batch_by_batch_keeps_its_lookups_on_the_index(
    store: Store, tmp_path: Path
) -> None:
    """Each batch asks which of its records are stored already. On PostgreSQL the planner
    must know the table grew: planned as for the empty table, that lookup scans every
    record of the format, batch after batch. Autovacuum is off here so that only ingest
    can have refreshed the statistics."""
    if store.dialect == "postgresql":
        with store.transaction() as connection:
            for table in INGEST_TABLES:
                name = connection.dialect.identifier_preparer.format_table(table)
                connection.execute(text(f"ALTER TABLE {name} SET (autovacuum_enabled = false)"))
    kaggle_lines(tmp_path / "snapshot.jsonl", 3000)
    ingest_paths(store, [tmp_path / "snapshot.jsonl"], batch_size=500, background=False)

    with store.connect() as connection:
        keys = [f"arxiv:2101.{n:05d}" for n in range(0, 3000, 150)]
        stored = select(source_records.c.record_key).where(
            source_records.c.format == "arxiv-kaggle",
            in_list(source_records.c.record_key, keys),
        )
        assert len(connection.execute(stored).all()) == len(keys)
        conditions = _index_conditions([row[-1] for row in explain(connection, stored)])
    assert any("record_key" in condition for condition in conditions), conditions


def test_statistics_are_counted_again_each_time_the_batches_double() -> None:
    assert [n for n in range(0, 70) if counts_again_after(n)] == [1, 2, 4, 8, 16, 32, 64]


def _vacuums(store: Store) -> dict[str, int]:
    """How many times each ingest table was vacuumed by hand (not by autovacuum)."""
    names = [table.name for table in INGEST_TABLES]
    with store.connect() as connection:
        rows = connection.execute(
            text("SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY(:n)"),
            {"n": names},
        ).all()
    return {name: int(count) for name, count in rows}


def test_an_ingest_that_wrote_vacuums_its_tables_on_postgresql(
    store: Store, tmp_path: Path
) -> None:
    """After a bulk write PostgreSQL counts and looks up from the indexes alone only once a
    vacuum has set the visibility map, and autovacuum waits for a fifth of a table to
    change: an ingest that wrote vacuums the tables it writes; one that changed nothing
    does not."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite has no visibility map (and its VACUUM rewrites the file)")
    kaggle_lines(tmp_path / "snapshot.jsonl", 300)
    ingest_paths(store, [tmp_path / "snapshot.jsonl"], background=False)
    after_first = _vacuums(store)
    assert set(after_first) == {table.name for table in INGEST_TABLES}
    assert all(count == 1 for count in after_first.values()), after_first
    again = ingest_paths(store, [tmp_path / "snapshot.jsonl"], background=False)
    assert again.unchanged == again.read  # nothing written
    assert _vacuums(store) == after_first

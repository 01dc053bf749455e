from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from dump import canonical_dump
from sqlalchemy import select

from paperscope.errors import MalformedRecordError, PaperscopeError, UnknownFormatError
from paperscope.ingest import ingest_paths
from paperscope.ingest.pipeline import INGEST_GC_THRESHOLDS
from paperscope.store import Store
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

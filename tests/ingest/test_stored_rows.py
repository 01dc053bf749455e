"""What ingest stores, row for row, is pinned: a change that makes ingest faster must not
change a single stored row.

`data/scale-sample/` is a 300-work corpus from `bench/scale_corpus.py --works 300 --seed 11`
(arXiv Kaggle, OpenAlex and S2 records of the same works to merge, OpenAlex reference lists,
an S2 citations shard) with three malformed lines added (two in OpenAlex, one in arXiv).
`data/scale-sample.rows.json` holds, per table, the row count and a digest of the canonical
dump (`dump.canonical_dump`) that ingest wrote before the bulk-write changes of issue 15; it
is the same on SQLite and PostgreSQL, with one big batch parsed in a reading process and
with batches of 40 records (merges across batches) parsed in the writing process. When a
change to what ingest stores is intended, rewrite it with
`python tests/ingest/test_stored_rows.py` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from dump import canonical_dump

from paperscope.ingest import ingest_paths
from paperscope.store import Store

SAMPLE = Path(__file__).parent / "data" / "scale-sample"
GOLDEN = Path(__file__).parent / "data" / "scale-sample.rows.json"
FOLDERS = ("arxiv", "openalex", "s2")


def table_digests(store: Store) -> dict[str, list[Any]]:
    """Each table's row count and the SHA-256 of its canonical rows (the sample's location on
    disk, which source and quarantine rows name, replaced by `<sample>`)."""
    digests: dict[str, list[Any]] = {}
    for table, rows in canonical_dump(store).items():
        text = repr(rows).replace(str(SAMPLE.resolve()), "<sample>")
        digests[table] = [len(rows), hashlib.sha256(text.encode()).hexdigest()]
    return digests


def ingest_sample(store: Store, batch_size: int, *, background: bool = False) -> None:
    paths = [SAMPLE / folder for folder in FOLDERS]
    ingest_paths(store, paths, batch_size=batch_size, background=background)


@pytest.mark.parametrize(("batch_size", "background"), [(5000, True), (40, False)])
def test_ingest_stores_exactly_the_pinned_rows(
    store: Store, batch_size: int, background: bool
) -> None:
    ingest_sample(store, batch_size, background=background)

    expected = json.loads(GOLDEN.read_text())
    found = table_digests(store)
    differing = sorted(t for t in expected.keys() | found.keys() if expected.get(t) != found.get(t))
    assert not differing, {t: (expected.get(t), found.get(t)) for t in differing}
    assert found["works"][0] > 250 and found["references"][0] > 3000
    assert found["quarantine"][0] == 3


def _write_golden() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{folder}/golden.db")
        ingest_sample(store, 5000)
        GOLDEN.write_text(json.dumps(table_digests(store), indent=1, sort_keys=True) + "\n")
        store.close()
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    _write_golden()

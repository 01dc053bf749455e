"""Generated records in the layout of the Kaggle arXiv snapshot, as many as a test needs."""

from __future__ import annotations

import json
from pathlib import Path


def kaggle_lines(path: Path, count: int, abstract_words: int = 0) -> None:
    """`count` records of the Kaggle arXiv snapshot (the keys its format is detected by)."""
    version = [{"version": "v1", "created": "Mon, 4 Jan 2021 10:00:00 GMT"}]
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            record = {
                "id": f"2101.{n:05d}",
                "title": f"Title number {n}",
                "authors": "A. B",
                "abstract": "word " * abstract_words,
                "categories": "cs.LG",
                "versions": version,
                "update_date": "2021-01-05",
            }
            out.write(json.dumps(record) + "\n")

"""Title merge keys: the same paper from two sources that share no identifier is one work,
whichever order each source prints its first author's name in."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.ingest import ingest_paths
from paperscope.ingest.keys import merge_keys, title_key
from paperscope.store import Store
from paperscope.store.schema import works

DATA = Path(__file__).resolve().parents[1] / "data"
TITLE = "Token Pruning for Visual Tracking with Diffusion"


def _keys(*names: str) -> tuple[str, ...]:
    record = WorkRecord(
        ids=(ExternalId("doi", "10.1/x"),),
        title=TITLE,
        authors=tuple(AuthorName(name) for name in names),
        published=date(2020, 5, 1),
    )
    return merge_keys(record, title_key(TITLE))


def test_a_given_family_name_is_also_looked_up_family_first() -> None:
    folded = title_key(TITLE)
    assert _keys("Yu Li", "Ann Other") == (
        f"{folded}|li|2020",
        f"{folded}|yu|2020",
        f"{folded}||2020",
    )
    assert _keys("Li Yu")[:2] == (f"{folded}|yu|2020", f"{folded}|li|2020")
    # An initial is no family name; "Family, Given" says which part is which; one word
    # has no other order.
    assert _keys("J. Fischer") == (f"{folded}|fischer|2020", f"{folded}||2020")
    assert _keys("Li, Yu") == (f"{folded}|li|2020", f"{folded}||2020")
    assert _keys("Madonna") == (f"{folded}|madonna|2020", f"{folded}||2020")


def _arxiv_line(first_author: str) -> str:
    line = (DATA / "arxiv-kaggle" / "sample.jsonl").read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(line)
    given, family = first_author.split()
    record |= {"id": "2005.00001", "doi": None, "title": TITLE, "authors": first_author}
    record["authors_parsed"] = [[family, given, ""]]
    record["versions"] = [{"version": "v1", "created": "Fri, 1 May 2020 10:00:00 GMT"}]
    return json.dumps(record)


def _openalex_line(first_author: str, number: int) -> str:
    line = (DATA / "openalex" / "part_000.jsonl").read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(line)
    openalex = f"https://openalex.org/W{number}"
    record |= {"id": openalex, "doi": None, "title": TITLE, "display_name": TITLE}
    record |= {"publication_year": 2020, "publication_date": "2020-09-01"}
    record["ids"] = {"openalex": openalex}
    author = {"id": None, "display_name": first_author, "orcid": None}
    record["authorships"] = [{"author": author, "raw_author_name": first_author}]
    return json.dumps(record)


def _works_after(store: Store, folder: Path, arxiv: str, *openalex: str) -> int:
    (folder / "arxiv").mkdir()
    (folder / "arxiv" / "arxiv.jsonl").write_text(_arxiv_line(arxiv) + "\n", encoding="utf-8")
    (folder / "openalex").mkdir()
    lines = [_openalex_line(name, 100 + n) for n, name in enumerate(openalex)]
    (folder / "openalex" / "works.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_paths(store, [folder / "arxiv", folder / "openalex"])
    with store.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(works)).scalar_one())


def test_name_order_variants_of_one_paper_merge(store: Store, tmp_path: Path) -> None:
    assert _works_after(store, tmp_path, "Yu Li", "Li Yu") == 1


def test_another_first_author_keeps_the_papers_apart(store: Store, tmp_path: Path) -> None:
    # Same title and year, but the first author shares no name with the arXiv record's.
    assert _works_after(store, tmp_path, "Yu Li", "Wei Chen") == 2

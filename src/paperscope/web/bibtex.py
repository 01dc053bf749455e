"""BibTeX export of a work: fields escaped so that any title survives a LaTeX run."""

from __future__ import annotations

import re
import unicodedata

from paperscope.web.papers import PaperPage

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape_bibtex(text: str) -> str:
    clean = _CONTROL.sub("", unicodedata.normalize("NFC", text)).replace("\n", " ")
    return "".join(_SPECIAL.get(ch, ch) for ch in clean)


def citation_key(page: PaperPage) -> str:
    work = page.work
    surname = work.authors[0].name.split()[-1] if work.authors else "anon"
    surname = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
    word = next((w for w in re.findall(r"[A-Za-z]{4,}", work.title)), "paper")
    year = work.year or ""
    return f"{re.sub(r'[^A-Za-z]', '', surname).lower() or 'anon'}{year}{word.lower()}"


def bibtex(page: PaperPage) -> str:
    work = page.work
    ids = {i.scheme: i.value for i in page.identifiers}
    kind = "inproceedings" if work.venue and "arxiv" not in ids else "article"
    fields: list[tuple[str, str]] = [("title", "{" + escape_bibtex(work.title) + "}")]
    if work.authors:
        fields.append(("author", " and ".join(escape_bibtex(a.name) for a in work.authors)))
    if work.year:
        fields.append(("year", str(work.year)))
    if work.venue:
        fields.append(
            ("booktitle" if kind == "inproceedings" else "journal", escape_bibtex(work.venue))
        )
    if "doi" in ids:
        fields.append(("doi", escape_bibtex(ids["doi"])))
    if "arxiv" in ids:
        fields += [("eprint", escape_bibtex(ids["arxiv"])), ("archiveprefix", "arXiv")]
    if page.url:
        fields.append(("url", escape_bibtex(page.url)))
    if work.abstract:
        fields.append(("abstract", escape_bibtex(work.abstract)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{citation_key(page)},\n{body}\n}}\n"

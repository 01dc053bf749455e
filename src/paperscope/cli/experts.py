"""`paperscope experts`: people ranked for a topic, or reviewers for a manuscript.

The same functions as the /experts and /reviewers pages (`search.experts.find_experts`,
`search.reviewers.suggest_reviewers`); `--format json` prints what the JSON API returns.

A manuscript file (`--reviewers-for FILE`, at most 256 KB of UTF-8) is either JSON:

    {"title": "optional", "abstract": "...",
     "authors": ["Ada Lovelace", {"name": "Charles Babbage", "affiliation": "Cambridge"}]}

or text: header lines, a blank line, then the abstract (the rest of the file):

    title: optional
    author: Ada Lovelace | University of London
    author: Charles Babbage
    # comment lines are skipped

    The abstract, over as many lines as it takes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.config import Settings
from paperscope.errors import QueryError
from paperscope.search.experts import Expert, ExpertResults
from paperscope.search.reviewers import Manuscript, ManuscriptAuthor, ReviewerResults

MAX_FILE_BYTES = 256 * 1024
HEADERS = ("title", "author")


def _author(value: Any, where: str) -> ManuscriptAuthor:
    if isinstance(value, str):
        return ManuscriptAuthor(value)
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        affiliation = value.get("affiliation")
        if affiliation is not None and not isinstance(affiliation, str):
            raise QueryError(f"{where}: field 'affiliation' must be text")
        return ManuscriptAuthor(value["name"], affiliation)
    raise QueryError(f"{where}: an author is a name, or an object with a 'name' field")


def _json_manuscript(text: str, name: str) -> tuple[Manuscript, bool]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise QueryError(f"{name}: not valid JSON (line {error.lineno}): {error.msg}") from None
    if not isinstance(data, dict):
        raise QueryError(f"{name}: the JSON must be an object with 'abstract' and 'authors'")
    authors = data.get("authors")
    if not isinstance(authors, list):
        raise QueryError(f"{name}: field 'authors' must be a list of names")
    for field in ("abstract", "title"):
        if data.get(field) is not None and not isinstance(data[field], str):
            raise QueryError(f"{name}: field {field!r} must be text")
    parsed = tuple(_author(a, f"{name}: authors[{n}]") for n, a in enumerate(authors))
    abstract = data.get("abstract") or ""
    return Manuscript(abstract, parsed, data.get("title")), bool(abstract.strip())


def _text_manuscript(text: str, name: str) -> tuple[Manuscript, bool]:
    lines = text.splitlines()
    title: str | None = None
    authors: list[ManuscriptAuthor] = []
    body_from = len(lines)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            body_from = number
            break
        if line.lstrip().startswith("#"):
            continue
        field, colon, value = line.partition(":")
        field = field.strip().lower()
        if not colon or field not in HEADERS:
            raise QueryError(
                f"{name}: line {number}: expected 'title: ...' or 'author: Name | Affiliation' "
                "before the blank line that starts the abstract"
            )
        if field == "title":
            title = value.strip()
        else:
            person, _, affiliation = value.partition("|")
            authors.append(ManuscriptAuthor(person.strip(), affiliation.strip() or None))
    abstract = "\n".join(lines[body_from:]).strip()
    return Manuscript(abstract, tuple(authors), title), bool(abstract)


def read_manuscript(path: Path) -> tuple[Manuscript, bool]:
    """The manuscript in `path` (JSON or the text shape above), and whether it has an
    abstract; QueryError naming the file, line and field of a problem."""
    try:
        raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as error:
        raise QueryError(f"{path}: cannot be read: {error.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise QueryError(f"{path}: larger than {MAX_FILE_BYTES // 1024} KB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise QueryError(f"{path}: not UTF-8 text (byte {error.start})") from None
    if text.lstrip().startswith("{"):
        return _json_manuscript(text, str(path))
    return _text_manuscript(text, str(path))


# --- text output ----------------------------------------------------------------------------


def _person_line(expert: Expert) -> str:
    person = expert.person
    years = ""
    if person.first_year:
        years = f" {person.first_year}" + (
            f"–{person.last_year}" if person.last_year != person.first_year else ""
        )
    facts = [f"{person.papers} paper{'s' if person.papers != 1 else ''}{years}"]
    if person.top_categories:
        facts.append(", ".join(person.top_categories))
    if person.provisional:
        facts.append("not yet resolved")
    facts.append(f"{expert.matching_works} matching")
    return (
        f"{expert.rank:3d}. {person.name}  [{person.person_key}]  score {expert.score:.3f}"
        f"  ({'; '.join(facts)})"
    )


def _expert_lines(expert: Expert) -> list[str]:
    lines = [_person_line(expert)]
    for c, work in zip(expert.contributions, expert.works, strict=True):
        year = work.year or "????"
        lines.append(
            f"       match {c.match:.2f} × weight {c.impact:.2f} ({c.citations} cit.)"
            f" = {c.points:.3f}  {work.title} ({year}) [work {work.work_id}]"
        )
    return lines


def experts_text(results: ExpertResults) -> str:
    first = (results.page - 1) * results.per_page + 1
    lines = [
        f"experts ({results.mode}): {results.total} people from {results.matched_works} "
        f"matching works"
        + (f", showing {first}-{first + len(results.experts) - 1}" if results.experts else "")
    ]
    if results.notice:
        lines.append(f"note: {results.notice}")
    for expert in results.experts:
        lines += _expert_lines(expert)
    lines += ["", f"how: {results.how}"]
    return "\n".join(lines)


def reviewers_text(results: ReviewerResults) -> str:
    lines = [f"conflicts of interest, {results.first_year}–{results.as_of}:"]
    for match in results.authors:
        people = "person" if match.people == 1 else "people"
        lines.append(
            f"  author {match.author.name}: {match.people} {people} by name, "
            f"{match.works} works ({match.window_works} in the window)"
        )
    lines.append(
        f"  {results.conflicted_people} people with a conflict; "
        f"{len(results.excluded)} would have ranked and are left out:"
    )
    for item in results.excluded:
        lines.append(
            f"  - {item.person.name} [{item.person.person_key}] (would rank {item.would_rank})"
        )
        lines += [f"      {c.reason}: {c.explanation}" for c in item.conflicts]
    first = (results.page - 1) * results.per_page + 1
    lines += [
        "",
        f"reviewers ({results.mode}): {results.total} people from {results.matched_works} "
        f"matching works"
        + (f", showing {first}-{first + len(results.reviewers) - 1}" if results.reviewers else ""),
    ]
    if results.notice:
        lines.append(f"note: {results.notice}")
    for expert in results.reviewers:
        lines += _expert_lines(expert)
    lines += ["", f"how: {results.how}"]
    return "\n".join(lines)


# --- the command ----------------------------------------------------------------------------


@app.command()
def experts(
    query: Annotated[
        str | None,
        typer.Argument(help="A topic or an abstract (omit it with --reviewers-for FILE)."),
    ] = None,
    reviewers_for: Annotated[
        Path | None,
        typer.Option(
            "--reviewers-for",
            help="A manuscript (JSON or text: see `paperscope experts --help`): suggest "
            "reviewers for it, its authors and their conflicts left out.",
        ),
    ] = None,
    years: Annotated[
        int, typer.Option("--years", help="Co-authorship and affiliation window, in years.")
    ] = 3,
    as_of: Annotated[
        int | None, typer.Option("--as-of", help="The window's last year (default: this year).")
    ] = None,
    page: Annotated[int, typer.Option("--page", help="Result page, from 1.")] = 1,
    per_page: Annotated[int, typer.Option("--per-page", help="People per page.")] = 10,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    database: DatabaseOption = None,
) -> None:
    """People ranked for a topic or an abstract, each with the works behind the rank; with
    --reviewers-for, reviewers for a manuscript without its authors, their co-authors of the
    last --years years and people at a shared affiliation (each exclusion stated).

    A manuscript FILE is JSON ({"title": ..., "abstract": ..., "authors": ["Name", {"name":
    ..., "affiliation": ...}]}) or text: `title: ...` and `author: Name | Affiliation`
    lines, a blank line, then the abstract. QUERY, if given too, replaces the file's
    abstract.

    Example: paperscope experts "graph neural networks for molecules" --format json
    """
    from paperscope.search.experts import find_experts
    from paperscope.search.reviewers import suggest_reviewers
    from paperscope.web.jsonable import plain

    if output not in ("text", "json"):
        raise QueryError(f"unknown format {output!r}: use text or json")
    store = open_store(database)
    settings = Settings()
    if reviewers_for is None:
        if query is None:
            raise QueryError("give a QUERY (a topic or an abstract) or --reviewers-for FILE")
        found: ExpertResults | ReviewerResults = find_experts(
            store, settings, query, page, per_page
        )
    else:
        manuscript, has_abstract = read_manuscript(reviewers_for)
        if query is not None:
            manuscript = Manuscript(query, manuscript.authors, manuscript.title)
        elif not has_abstract:
            raise QueryError(f"{reviewers_for}: no abstract (and no QUERY to use instead)")
        found = suggest_reviewers(store, settings, manuscript, years, as_of, page, per_page)
    if output == "json":
        console.print_json(json.dumps(plain(found)))
    elif isinstance(found, ExpertResults):
        console.print(experts_text(found), markup=False, highlight=False)
    else:
        console.print(reviewers_text(found), markup=False, highlight=False)

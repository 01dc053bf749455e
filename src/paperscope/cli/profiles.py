"""Author profiles and the scores behind them."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.errors import PaperscopeError
from paperscope.metrics.profile import Profile, build_profile
from paperscope.store.queries import works_by_name


def _render_profile(profile: Profile) -> str:
    lines = [
        profile.name,
        "",
        profile.primary_category or "-",
        f"h-index {profile.h_index}",
        f"{profile.papers} papers",
        f"{profile.citations} citations",
        f"i10-index {profile.i10_index} · g-index {profile.g_index}",
        "",
    ]
    for work in profile.works:
        authors = ", ".join(work.authors[:3]) + (" et al." if len(work.authors) > 3 else "")
        badge = "Code " + " ".join(work.code_urls) if work.code_urls else ""
        lines += [
            f"{work.primary_category or '-'} {work.year or '?'} {badge}".rstrip(),
            work.title,
            authors,
            f"{work.citations} citations (in corpus {work.in_corpus_citations}, "
            f"reported {work.reported_citations if work.reported_citations is not None else '-'})",
            "",
        ]
    return "\n".join(lines)


@app.command()
def author(
    name: Annotated[str, typer.Argument(help="The author's name as printed on papers.")],
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    database: DatabaseOption = None,
) -> None:
    """Show the works printed under a name, with metrics computed from exactly those works.

    Example: paperscope author "Michael Collins"
    """
    with open_store(database).connect() as connection:
        profile = build_profile(name, works_by_name(connection, name))
    if not profile.works:
        raise PaperscopeError(f"no works by {name!r} in the database")
    if output == "json":
        payload = {
            "name": profile.name,
            "papers": profile.papers,
            "citations": profile.citations,
            "h_index": profile.h_index,
            "i10_index": profile.i10_index,
            "g_index": profile.g_index,
            "primary_category": profile.primary_category,
            "works": [
                {"title": w.title, "year": w.year, "citations": w.citations} for w in profile.works
            ],
        }
        console.print_json(json.dumps(payload))
        return
    console.print(_render_profile(profile), markup=False, highlight=False)

"""One paper and the day's lists in the terminal: `paperscope paper` and `paperscope feed`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from paperscope.cli.app import DatabaseOption, app, console, open_store
from paperscope.config import Settings
from paperscope.errors import NotFoundError, QueryError

DAILY_DEFAULT = 100
TRENDING_DEFAULT = 50
MAX_LIMIT = 200


def _check_format(output: str) -> None:
    if output not in ("text", "json"):
        raise QueryError(f"unknown format {output!r}: use text or json")


def _print(text: str) -> None:
    """Untrusted text made safe for a terminal: control characters (escape sequences) and
    bidirectional overrides dropped, as the web pages drop them."""
    from paperscope.web.markup import readable

    console.print(readable(text), markup=False, highlight=False, end="")


@app.command()
def paper(
    work: Annotated[str, typer.Argument(help="A work id, or an external id such as arxiv:...")],
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    refs_page: Annotated[int, typer.Option(help="Page of the reference list")] = 1,
    cited_page: Annotated[int, typer.Option(help="Page of the citing works")] = 1,
    cited_sort: Annotated[
        str, typer.Option(help="Citing works: newest, or citations (most cited first)")
    ] = "newest",
    database: DatabaseOption = None,
) -> None:
    """Show one paper as its web page does: authors, ids, categories, venue, dates, code,
    citations (in this database and as reported), AI score (recent works), abstract, similar
    works, and a page of its references and of the works citing it. JSON is what
    /api/paper/<id> returns for the same pages.

    Example: paperscope paper arxiv:2106.01234 --cited-sort citations --format json
    """
    from paperscope.cli.paper_text import paper_text
    from paperscope.read.works import work_id_for
    from paperscope.web.papers import paper_api_json, paper_lists
    from paperscope.web.views import paper_data

    _check_format(output)
    store = open_store(database)
    with store.connect() as connection:
        work_id = work_id_for(connection, work)
    if work_id is None:
        raise NotFoundError(
            f"no work {work!r}: give a work id or scheme:value (doi:..., arxiv:...)"
        )
    lists = paper_lists(
        {"refs_page": str(refs_page), "cited_page": str(cited_page), "cited_sort": cited_sort}
    )
    page = paper_data(store, Settings(), work_id, lists)
    if output == "json":
        console.print_json(json.dumps(paper_api_json(page)))
    else:
        _print(paper_text(page))


def _limit(limit: int | None, default: int) -> int:
    if limit is None:
        return default
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"--limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QueryError(f"--date must be YYYY-MM-DD, not {text!r}") from None


@app.command()
def feed(
    day: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD; default: the newest day with works.")
    ] = None,
    trending: Annotated[
        bool, typer.Option("--trending", help="Trending papers instead of one day's.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", help=f"How many papers (1-{MAX_LIMIT}).")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    database: DatabaseOption = None,
) -> None:
    """Print the Daily Papers list of a day (most upvoted first, as on /) or the trending
    papers (upvotes decayed by age, as on /trending). JSON is what /api/daily and
    /api/trending return.

    Example: paperscope feed --date 2024-03-05 --limit 20
    """
    from paperscope.cli.paper_text import daily_text, trending_text
    from paperscope.read.lists import DailyList, daily, latest_day
    from paperscope.read.lists import trending as trending_list
    from paperscope.web.jsonable import plain
    from paperscope.web.views import TrendingPage

    _check_format(output)
    if trending and day is not None:
        raise QueryError("give --date or --trending, not both")
    chosen = _day(day)
    store = open_store(database)
    with store.connect() as connection:
        if trending:
            now = datetime.now(UTC)
            entries = trending_list(connection, now, _limit(limit, TRENDING_DEFAULT))
            if output == "json":
                console.print_json(json.dumps(plain(TrendingPage(now, tuple(entries)))))
            else:
                _print(trending_text(entries))
            return
        chosen = chosen or latest_day(connection)
        if chosen is None:
            listed = DailyList(datetime.now(UTC).date(), None, None, ())
        else:
            listed = daily(connection, chosen, _limit(limit, DAILY_DEFAULT))
    if output == "json":
        console.print_json(json.dumps(plain(listed)))
    else:
        _print(daily_text(listed))

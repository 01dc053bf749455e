"""Digests and subscribers: `digest send|status`, `subscribers list|add`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from paperscope.cli.app import DatabaseOption, app, console, errors, open_store
from paperscope.config import Settings
from paperscope.errors import QueryError

digest_app = typer.Typer(help="Email digests: send them (exactly once) and see what was sent.")
subscribers_app = typer.Typer(help="Subscribers and their subscriptions.")
app.add_typer(digest_app, name="digest")
app.add_typer(subscribers_app, name="subscribers")

PeriodOption = Annotated[str, typer.Option("--period", "-p", help="daily or weekly.")]


def _backoff(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise QueryError(f"--backoff takes seconds separated by commas, not {text!r}") from error
    if any(d < 0 or d > 3600 for d in delays) or len(delays) > 10:
        raise QueryError("--backoff: at most 10 delays of 0 to 3600 seconds")
    return delays


@digest_app.command("send")
def digest_send(
    period: PeriodOption = "daily",
    backoff: Annotated[
        str, typer.Option(help="Seconds to wait before each retry of a failed message.")
    ] = "1,4,15",
    database: DatabaseOption = None,
) -> None:
    """Send each subscriber's digest of works new since their last one; safe to rerun.

    A rerun never sends a digest twice; what could not be sent is kept for the next run
    and makes the exit code 1.

    Example: paperscope digest send --period weekly
    """
    from paperscope.cli.progress import progress_bar
    from paperscope.notify.periods import PERIODS
    from paperscope.pipeline.runner import run_stage
    from paperscope.pipeline.stages import RunOptions

    if period not in PERIODS:
        raise QueryError(f"unknown period {period!r}; use daily or weekly")
    options = RunOptions(period=period, backoff=_backoff(backoff))
    with progress_bar() as progress:
        result = run_stage(open_store(database), Settings(), "notify", options, progress)
    report = result.details
    console.print(result.summary, markup=False)
    for outcome in report.outcomes:
        if outcome.state in ("failed", "uncertain"):
            errors.print(
                f"{outcome.state}: {outcome.email} ({outcome.window}): {outcome.note}",
                markup=False,
                highlight=False,
            )
    if report.failed:
        errors.print(f"{len(report.failed)} digest(s) not sent; they will be retried next run")
        raise typer.Exit(1)


@digest_app.command("status")
def digest_status(
    limit: Annotated[int, typer.Option(help="How many deliveries to show.")] = 30,
    database: DatabaseOption = None,
) -> None:
    """Show the latest deliveries: window, state, entries, Message-ID, last error.

    Example: paperscope digest status --limit 10
    """
    import json

    from sqlalchemy import select

    from paperscope.store.accounts_schema import deliveries, subscriptions, users

    table = Table("id", "email", "period", "window", "state", "entries", "tries", "note")
    with open_store(database).connect() as connection:
        rows = connection.execute(
            select(deliveries, users.c.email, subscriptions.c.period)
            .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            .join(users, users.c.id == subscriptions.c.user_id)
            .order_by(deliveries.c.id.desc())
            .limit(limit)
        )
        for row in rows:
            table.add_row(
                str(row.id),
                row.email,
                row.period,
                row.window,
                row.state,
                str(len(json.loads(row.entries))),
                str(row.attempts),
                row.last_error or "",
            )
    console.print(table)


@subscribers_app.command("list")
def subscribers_list(database: DatabaseOption = None) -> None:
    """List subscriptions: address, what, period, status.

    Example: paperscope subscribers list
    """
    from paperscope.notify import subscriptions
    from paperscope.store.accounts_schema import subscriptions as table_

    table = Table("id", "email", "what", "period", "if nothing new", "status")
    with open_store(database).connect() as connection:
        from sqlalchemy import select

        ids = connection.execute(select(table_.c.id).order_by(table_.c.id)).scalars().all()
        for subscription_id in ids:
            found = subscriptions.get(connection, subscription_id)
            if found is None:
                continue
            table.add_row(
                str(found.id),
                found.email,
                subscriptions.describe(found),
                found.period,
                found.nothing_new,
                found.status,
            )
    console.print(table)


@subscribers_app.command("add")
def subscribers_add(
    email: Annotated[str, typer.Argument(help="The subscriber's address.")],
    kind: Annotated[
        str, typer.Option(help="trending, query, person, category or personal.")
    ] = "trending",
    value: Annotated[str, typer.Option(help="The query, person id, category or tag.")] = "",
    period: PeriodOption = "daily",
    nothing_new: Annotated[
        str, typer.Option(help="When nothing is new: note (a short mail) or skip.")
    ] = "note",
    database: DatabaseOption = None,
) -> None:
    """Subscribe an address; it gets a confirmation link first (double opt-in).

    Example: paperscope subscribers add ada@example.org --kind category --value cs.CL
    """
    from paperscope.accounts.clock import utcnow
    from paperscope.accounts.keys import load_secret
    from paperscope.notify.signup import request_subscription

    settings = Settings()
    store = open_store(database)
    request_subscription(
        store,
        settings,
        load_secret(settings),
        raw_email=email,
        kind=kind,
        value=value,
        period=period,
        nothing_new=nothing_new,
        client="cli",
        now=utcnow(),
        signed_in=None,
    )
    console.print(f"a confirmation link was mailed to {email.strip()}", markup=False)

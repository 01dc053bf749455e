"""Digests and subscribers: `digest send|status`, `subscribers list|add`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from paperscope.cli.app import DatabaseOption, app, console, errors, open_store
from paperscope.config import Settings
from paperscope.errors import QueryError

if TYPE_CHECKING:
    from paperscope.notify.signup import ConfirmationsReport

digest_app = typer.Typer(help="Email digests: send them (exactly once) and see what was sent.")
subscribers_app = typer.Typer(help="Subscribers and their subscriptions.")
app.add_typer(digest_app, name="digest")
app.add_typer(subscribers_app, name="subscribers")

TEMPORARY_FAILURE = 75
"""sysexits' EX_TEMPFAIL: nothing is lost, try again later."""

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
    and makes the exit code 1. A digest the mail server refuses permanently (5xx) is given
    up after 3 tries (state `refused` in `digest status`). Confirmation links that could
    not be mailed when someone subscribed are mailed first.

    Example: paperscope digest send --period weekly
    """
    from paperscope.accounts.clock import utcnow
    from paperscope.accounts.keys import load_secret
    from paperscope.cli.progress import progress_bar
    from paperscope.notify.periods import PERIODS
    from paperscope.notify.signup import send_owed_confirmations
    from paperscope.pipeline.runner import run_stage
    from paperscope.pipeline.stages import RunOptions

    if period not in PERIODS:
        raise QueryError(f"unknown period {period!r}; use daily or weekly")
    options = RunOptions(period=period, backoff=_backoff(backoff))
    settings = Settings()
    store = open_store(database)
    confirmations = send_owed_confirmations(store, settings, load_secret(settings), utcnow())
    _print_confirmations(confirmations)
    with progress_bar() as progress:
        result = run_stage(store, settings, "notify", options, progress)
    report = result.details
    console.print(result.summary, markup=False)
    for outcome in report.outcomes:
        if outcome.state in ("failed", "uncertain", "refused"):
            errors.print(
                f"{outcome.state}: {outcome.email} ({outcome.window}): {outcome.note}",
                markup=False,
                highlight=False,
            )
    if report.failed:
        errors.print(f"{len(report.failed)} digest(s) not sent; they will be retried next run")
    if report.refused:
        errors.print(
            f"{len(report.refused)} digest(s) refused permanently and given up; "
            "`paperscope digest status` lists them"
        )
    if report.failed or report.refused or confirmations.owed:
        raise typer.Exit(1)


def _print_confirmations(report: ConfirmationsReport) -> None:
    if report.sent:
        console.print(f"confirmation links mailed: {len(report.sent)}", markup=False)
    for email, error in report.owed:
        errors.print(f"confirmation still owed: {email}: {error}", markup=False, highlight=False)
    for email, error in report.refused:
        errors.print(
            f"confirmation refused, subscription ended: {email}: {error}",
            markup=False,
            highlight=False,
        )


@digest_app.command("status")
def digest_status(
    limit: Annotated[int, typer.Option(help="How many deliveries to show.")] = 30,
    database: DatabaseOption = None,
) -> None:
    """Show the latest deliveries: window, state, entries, Message-ID, last error.

    Example: paperscope digest status --limit 10
    """
    import json

    from sqlalchemy import func, select

    from paperscope.notify.signup import owed_confirmations
    from paperscope.store.accounts_schema import deliveries, subscriptions, users

    table = Table("id", "email", "period", "window", "state", "entries", "tries", "note")
    store = open_store(database)
    with store.connect() as connection:
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
        refused = connection.execute(
            select(func.count()).select_from(deliveries).where(deliveries.c.state == "refused")
        ).scalar_one()
        owed = len(owed_confirmations(connection))
    console.print(table)
    if refused:
        console.print(
            f"{refused} digest(s) refused permanently by the mail server: given up, never "
            "retried (the note holds the server's answer)",
            markup=False,
        )
    if owed:
        console.print(
            f"{owed} confirmation link(s) still owed: `paperscope digest send` mails them",
            markup=False,
        )


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

    When the mail server cannot be reached (or answers "try later") the subscription is
    kept, pending: the exit code is 75, and the next `paperscope digest send` (or running
    this command again) mails the link. An address the server refuses permanently exits 1.

    Example: paperscope subscribers add ada@example.org --kind category --value cs.CL
    """
    from paperscope.accounts.clock import utcnow
    from paperscope.accounts.keys import load_secret
    from paperscope.notify.mailer import SendError
    from paperscope.notify.signup import request_subscription

    settings = Settings()
    store = open_store(database)
    try:
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
    except SendError as error:
        if not error.temporary:
            errors.print(
                f"error: the mail server refused the confirmation to {email.strip()}: {error}; "
                "the subscription was not kept",
                markup=False,
                highlight=False,
            )
            raise typer.Exit(1) from None
        errors.print(
            f"error: the confirmation link to {email.strip()} could not be sent now ({error}). "
            "The subscription is kept, pending: `paperscope digest send` mails the link "
            "once the mail server answers (or run this command again).",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(TEMPORARY_FAILURE) from None
    console.print(f"a confirmation link was mailed to {email.strip()}", markup=False)

"""`digest send`: plan every subscriber's digest for the period window, then send it once.

Each (subscription, window) gets one `deliveries` row. Planning freezes what it lists
(works first seen after the previous delivery's cutoff, up to this run's cutoff) and its
Message-ID; state then goes

    pending --(body sent, before the final dot)--> sending --(250)--> sent
    skipped  (nothing new, and the subscriber chose "send nothing")
    cancelled (unsubscribed before it went out)
    refused  (the server refused it permanently, 5xx, on its last try: never tried again)

A rerun finds the row and does not send again; a `pending` row (crash or SMTP failure)
is sent by the next run; a `sending` row (crash between our commit and the server's reply)
is resolved as sent: see docs/digests.md for why, and for the residual risk.

`attempts` counts the tries that reached the server. A temporary failure (4xx, a dropped
connection, an unreachable server) is retried with backoff and on every later run. A
permanent refusal (5xx at MAIL, RCPT or DATA) is not retried in the same run (the answer
would not change); once the digest has been tried `REFUSED_AFTER` times in all, a permanent
refusal gives it up: state `refused`, with the server's answer in `last_error`.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperscope.accounts.keys import load_secret
from paperscope.config import Settings
from paperscope.notify import newworks, subscriptions
from paperscope.notify.mailer import Abandoned, MailConnection, SendError
from paperscope.notify.messages import base, digest_message, mail_domain
from paperscope.notify.periods import window_of
from paperscope.notify.selection import Pick, Pool, load_entries, pick
from paperscope.progress import SILENT, Progress
from paperscope.store import Store
from paperscope.store.accounts_schema import deliveries
from paperscope.store.accounts_schema import subscriptions as subscriptions_table
from paperscope.store.schema import people

if TYPE_CHECKING:
    from paperscope.embeddings.encoders import Encoder

BACKOFF = (1.0, 4.0, 15.0)
"""Seconds to wait before each retry of a failed message (so 1 + 3 tries per run)."""

REFUSED_AFTER = 3
"""Tries after which a permanent refusal (5xx) gives a digest up (state `refused`)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery_id: int
    email: str
    window: str
    state: str
    entries: int
    note: str = ""


@dataclass(slots=True)
class RunReport:
    period: str
    cutoff: datetime
    planned: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for o in self.outcomes if o.state == state)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == "failed"]

    @property
    def refused(self) -> list[Outcome]:
        """Given up in this run: refused permanently on its last allowed try."""
        return [o for o in self.outcomes if o.state == "refused"]


def _previous_cutoff(connection: Connection, subscription_id: int) -> datetime | None:
    value = connection.execute(
        select(func.max(deliveries.c.cutoff_at)).where(
            deliveries.c.subscription_id == subscription_id
        )
    ).scalar_one_or_none()
    return value if isinstance(value, datetime) else None


def plan(
    store: Store,
    settings: Settings,
    period: str,
    now: datetime,
    encoder_factory: Callable[[], Encoder],
) -> tuple[int, list[Outcome]]:
    """Create the delivery row of every active subscription of `period` for this window;
    returns how many rows were planned and the "nothing new, no note" ones among them."""
    window = window_of(period, now)
    with store.transaction() as connection:
        newworks.mark_seen(connection, now)
        due = [
            s
            for s in subscriptions.active(connection, period)
            if connection.execute(
                select(deliveries.c.id).where(
                    deliveries.c.subscription_id == s.id, deliveries.c.window == window
                )
            ).first()
            is None
        ]
    planned = 0
    quiet: list[Outcome] = []
    pool = Pool()
    windows: dict[datetime, list[int]] = {}
    for subscription in due:
        with store.transaction() as connection:
            since = _previous_cutoff(connection, subscription.id) or subscription.confirmed_at
            if since is None or since >= now:
                continue
            if since not in windows:  # subscribers confirmed together share their window
                windows[since] = newworks.new_work_ids(connection, since, now)
            candidates = windows[since]
            picks = pick(connection, subscription, candidates, encoder_factory, pool)
            state = "pending" if picks or subscription.nothing_new == "note" else "skipped"
            message_id = (
                f"<digest.{subscription.id}.{window}.{secrets.token_hex(6)}"
                f"@{mail_domain(settings)}>"
            )
            try:
                with connection.begin_nested():
                    delivery_id = connection.execute(
                        insert(deliveries)
                        .values(
                            subscription_id=subscription.id,
                            window=window,
                            since_at=since,
                            cutoff_at=now,
                            state=state,
                            message_id=message_id,
                            entries=json.dumps(
                                [{"work_id": p.work_id, "reason": p.reason} for p in picks]
                            ),
                            attempts=0,
                            created_at=now,
                        )
                        .returning(deliveries.c.id)
                    ).scalar_one()
            except IntegrityError:
                continue  # a concurrent run planned it
            planned += 1
            if state == "skipped":
                note = "nothing new; the subscriber chose no note"
                quiet.append(
                    Outcome(delivery_id, subscription.email, window, "nothing-new", 0, note)
                )
    return planned, quiet


def _set(
    connection: Connection, delivery_id: int, when: str | None = None, **values: object
) -> int:
    query = update(deliveries).where(deliveries.c.id == delivery_id)
    if when is not None:
        query = query.where(deliveries.c.state == when)
    return int(connection.execute(query.values(**values)).rowcount or 0)


@dataclass(frozen=True, slots=True)
class _Due:
    delivery_id: int
    state: str
    window: str
    message_id: str
    picks: list[Pick]
    subscription: subscriptions.Subscription


def _owed(store: Store, period: str) -> list[_Due]:
    with store.connect() as connection:
        rows = connection.execute(
            select(deliveries)
            .join(subscriptions_table, subscriptions_table.c.id == deliveries.c.subscription_id)
            .where(
                deliveries.c.state.in_(("pending", "sending")),
                subscriptions_table.c.period == period,
            )
            .order_by(deliveries.c.id)
        ).all()
        owed = []
        for row in rows:
            found = subscriptions.get(connection, row.subscription_id)
            assert found is not None
            picks = [Pick(int(e["work_id"]), str(e["reason"])) for e in json.loads(row.entries)]
            owed.append(_Due(row.id, row.state, row.window, row.message_id, picks, found))
    return owed


class _Sender:
    """Sends owed deliveries over one SMTP session, reconnecting after failures."""

    def __init__(
        self, store: Store, settings: Settings, now: datetime, sleep: Callable[[float], None]
    ) -> None:
        self.store = store
        self.settings = settings
        self.now = now
        self.sleep = sleep
        self.secret = load_secret(settings)
        self.mail: MailConnection | None = None
        self.unreachable = False

    def close(self) -> None:
        if self.mail is not None:
            self.mail.close()
            self.mail = None

    def _message(self, due: _Due) -> tuple[EmailMessage, int]:
        subscription = due.subscription
        with self.store.connect() as connection:
            entries = load_entries(connection, due.picks)
            name = None
            if subscription.kind == "person":
                name = connection.execute(
                    select(people.c.canonical_name).where(people.c.id == int(subscription.value))
                ).scalar_one_or_none()
        token = subscriptions.unsubscribe_token(self.secret, subscription)
        return digest_message(
            self.settings,
            to=subscription.email,
            message_id=due.message_id,
            title=subscriptions.describe(subscription, name),
            period=subscription.period,
            entries=entries,
            unsubscribe_url=f"{base(self.settings)}/unsubscribe/{token}",
            manage_url=f"{base(self.settings)}/subscriptions",
            now=self.now,
        ), len(entries)

    def _claim(self, delivery_id: int) -> bool:
        with self.store.transaction() as connection:
            return (
                _set(
                    connection,
                    delivery_id,
                    "pending",
                    state="sending",
                    sending_at=self.now,
                    attempts=deliveries.c.attempts + 1,
                )
                == 1
            )

    def attempt(self, due: _Due) -> tuple[str, str]:
        """One try: ("sent" | "uncertain" | "lost-race" | "retry" | "rejected" | "refused",
        detail). "retry": a temporary failure; "rejected": refused permanently, tried again
        on a later run; "refused": refused permanently on its last try, given up."""
        message, _count = self._message(due)
        claimed = False

        def claim() -> bool:
            nonlocal claimed
            claimed = self._claim(due.delivery_id)
            return claimed

        try:
            if self.mail is None:
                self.mail = MailConnection(self.settings).__enter__()
            reply = self.mail.deliver(message, claim)
        except Abandoned:
            self.mail = None
            return "lost-race", "another run sent it"
        except SendError as error:
            self.close()
            if error.ambiguous:
                note = f"no reply to the final dot ({error}): counted as sent"
                with self.store.transaction() as connection:
                    _set(connection, due.delivery_id, "sending", state="sent", last_error=note)
                return "uncertain", note
            if error.unreachable:
                self.unreachable = True
            return self._failed(due, error, counted=claimed or error.unreachable)
        with self.store.transaction() as connection:
            _set(connection, due.delivery_id, "sending", state="sent", sent_at=self.now)
        return "sent", reply

    def _failed(self, due: _Due, error: SendError, *, counted: bool) -> tuple[str, str]:
        """Record a failed try: owed again, or given up if refused permanently on its last
        try. `counted`: the claim already counted it (or it never reached the server)."""
        with self.store.transaction() as connection:
            # Refused at the dot: the claim is undone, the message is owed again.
            _set(connection, due.delivery_id, "sending", state="pending")
            values: dict[str, object] = {"last_error": str(error)[:2000]}
            if not counted:  # refused before the body: count the try here
                values["attempts"] = deliveries.c.attempts + 1
            _set(connection, due.delivery_id, None, **values)
            if error.temporary:
                return "retry", str(error)
            tries = connection.execute(
                select(deliveries.c.attempts).where(deliveries.c.id == due.delivery_id)
            ).scalar_one()
            if tries < REFUSED_AFTER:
                note = f"{error} (refused permanently, try {tries} of {REFUSED_AFTER})"
                return "rejected", note
            note = f"given up after {tries} tries, the last refused permanently: {error}"
            _set(connection, due.delivery_id, "pending", state="refused", last_error=note[:2000])
            return "refused", note

    def send(self, due: _Due, backoff: Sequence[float]) -> Outcome:
        count = len(due.picks)
        detail = ""
        for delay in (0.0, *backoff):
            if delay:
                self.sleep(delay)
            state, detail = self.attempt(due)
            if state in ("sent", "uncertain"):
                return Outcome(
                    due.delivery_id, due.subscription.email, due.window, state, count, detail
                )
            if state == "lost-race":
                return Outcome(
                    due.delivery_id, due.subscription.email, due.window, "skipped", count, detail
                )
            if state == "refused":
                return Outcome(
                    due.delivery_id, due.subscription.email, due.window, "refused", count, detail
                )
            if state == "rejected":  # the same server gives the same answer: next run
                break
        return Outcome(due.delivery_id, due.subscription.email, due.window, "failed", count, detail)


def _resolve_or_cancel(store: Store, due: _Due, now: datetime) -> Outcome | None:
    """Settle rows that must not be sent now: crashed mid-send, or unsubscribed since."""
    count = len(due.picks)
    email = due.subscription.email
    with store.transaction() as connection:
        if due.state == "sending":
            note = "a previous run stopped after handing it to the server: counted as sent"
            _set(connection, due.delivery_id, "sending", state="sent", last_error=note)
            return Outcome(due.delivery_id, email, due.window, "uncertain", count, note)
        if due.subscription.status != "active":
            _set(connection, due.delivery_id, "pending", state="cancelled")
            return Outcome(due.delivery_id, email, due.window, "cancelled", count, "unsubscribed")
    return None


def send_digests(
    store: Store,
    settings: Settings,
    period: str,
    *,
    now: datetime,
    encoder_factory: Callable[[], Encoder],
    backoff: Sequence[float] = BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress = SILENT,
) -> RunReport:
    """Plan this period's window, then send everything owed for the period (old failures too)."""
    report = RunReport(period, now)
    report.planned, quiet = plan(store, settings, period, now, encoder_factory)
    report.outcomes.extend(quiet)
    sender = _Sender(store, settings, now, sleep)
    try:
        owed = _owed(store, period)
        progress.start(f"sending {period} digests", len(owed))
        for due in owed:
            outcome = _resolve_or_cancel(store, due, now)
            if outcome is None and sender.unreachable:
                note = "not tried: the SMTP server is unreachable; kept for the next run"
                outcome = Outcome(
                    due.delivery_id,
                    due.subscription.email,
                    due.window,
                    "failed",
                    len(due.picks),
                    note,
                )
            if outcome is None:
                outcome = sender.send(due, backoff)
            report.outcomes.append(outcome)
            progress.advance()
            progress.note(f"{outcome.state:>11} {outcome.email}")
    finally:
        sender.close()
    return report

"""The admin page (`/admin`, admins only: 401 signed out, 403 for anyone else) and its JSON
twin `/api/admin`: users with their roles, pending claims and proposed corrections with
approve / reject forms, the latest corrections with revert forms, the quarantine summary
and the last pipeline runs. Every action is a POST with the CSRF token, checked again
below the web layer (`accounts.roles.require_admin`); nobody reviews their own claim or
proposal.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, func, select

from paperscope.accounts import claims, corrections, roles
from paperscope.accounts.clock import utcnow
from paperscope.accounts.users import User
from paperscope.errors import QueryError
from paperscope.identity.corrections import Correction, load_corrections, reverted_ids
from paperscope.pipeline.runs import StageRun, last_runs
from paperscope.store.identity_schema import identity_corrections
from paperscope.store.schema import people, quarantine
from paperscope.web.dependencies import CheckedForm, Context, SignedIn, in_transaction
from paperscope.web.params import RowId, form_text
from paperscope.web.rendering import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["api"])

RECENT = 20


@dataclass(frozen=True, slots=True)
class QuarantineSummary:
    records: int
    by_reason: tuple[tuple[str, int], ...]
    """The commonest reasons (first 80 characters) with their counts."""
    by_run: tuple[tuple[str, int], ...]
    """The latest ingest runs that quarantined something, with their counts."""


@dataclass(frozen=True, slots=True)
class RecentCorrection:
    id: int
    kind: str
    created: str
    note: str | None
    proposed_by: str | None
    approved_by: str | None
    reverts: int | None
    reverted: bool


@dataclass(frozen=True, slots=True)
class ClaimReview:
    """A pending claim with what the data holds to judge it by."""

    claim: claims.Claim
    person_name: str | None
    works: int
    evidence: claims.PersonEvidence
    """Addresses and ORCIDs printed on the person's works."""


@dataclass(frozen=True, slots=True)
class AdminPage:
    users: tuple[roles.UserRow, ...]
    pending_claims: tuple[ClaimReview, ...]
    pending_proposals: tuple[corrections.Proposal, ...]
    recent_corrections: tuple[RecentCorrection, ...]
    quarantine: QuarantineSummary
    runs: tuple[StageRun, ...]


def quarantine_summary(connection: Connection) -> QuarantineSummary:
    total = connection.execute(select(func.count()).select_from(quarantine)).scalar_one()
    reason = func.substr(quarantine.c.reason, 1, 80)
    by_reason = connection.execute(
        select(reason, func.count()).group_by(reason).order_by(func.count().desc()).limit(10)
    ).all()
    by_run = connection.execute(
        select(quarantine.c.run, func.count())
        .where(quarantine.c.run.is_not(None))
        .group_by(quarantine.c.run)
        .order_by(quarantine.c.run.desc())
        .limit(10)
    ).all()
    return QuarantineSummary(
        int(total),
        tuple((str(r), int(n)) for r, n in by_reason),
        tuple((str(r), int(n)) for r, n in by_run),
    )


def _recent_corrections(connection: Connection) -> tuple[RecentCorrection, ...]:
    newest = connection.execute(
        select(identity_corrections.c.id)
        .order_by(identity_corrections.c.created.desc(), identity_corrections.c.id.desc())
        .limit(RECENT)
    ).scalars()
    found = load_corrections(connection, list(newest))
    emails = {u.id: u.email for u in roles.user_rows(connection)}
    reverted = reverted_ids(connection)

    def row(c: Correction) -> RecentCorrection:
        return RecentCorrection(
            c.id, c.kind, c.created.isoformat(timespec="seconds"), c.note,
            emails.get(c.proposed_by) if c.proposed_by else None,
            emails.get(c.approved_by) if c.approved_by else None,
            c.reverts, c.id in reverted,
        )  # fmt: skip

    return tuple(row(c) for c in reversed(found))


def _claim_review(connection: Connection, claim: claims.Claim) -> ClaimReview:
    row = connection.execute(
        select(people.c.canonical_name, people.c.size).where(people.c.id == claim.person_id)
    ).first()
    evidence = claims.person_evidence(connection, claim.person_id)
    return ClaimReview(claim, row.canonical_name if row else None, row.size if row else 0, evidence)


def admin_view(connection: Connection, user: User) -> AdminPage:
    roles.require_admin(connection, user.id)
    return AdminPage(
        users=tuple(roles.user_rows(connection)),
        pending_claims=tuple(
            _claim_review(connection, claim) for claim in claims.pending_claims(connection)
        ),
        pending_proposals=tuple(corrections.pending_proposals(connection)),
        recent_corrections=_recent_corrections(connection),
        quarantine=quarantine_summary(connection),
        runs=tuple(last_runs(connection, RECENT)),
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, ctx: Context, user: SignedIn) -> HTMLResponse:
    with ctx.store.connect() as connection:
        page = admin_view(connection, user)
    return render(request, "admin.html", page=page, ps_title="Admin", active=None)


def _decision(form: CheckedForm) -> bool:
    action = form_text(form, "action")
    if action not in ("approve", "reject"):
        raise QueryError("action must be approve or reject")
    return action == "approve"


def _back() -> Response:
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/claims/{claim_id}")
async def review_claim(
    claim_id: RowId, ctx: Context, user: SignedIn, form: CheckedForm
) -> Response:
    approve = _decision(form)
    await in_transaction(
        ctx.store, lambda c: claims.review_claim(c, claim_id, user, approve, utcnow())
    )
    ctx.cache.clear()
    return _back()


@router.post("/admin/proposals/{proposal_id}")
async def review_proposal(
    proposal_id: RowId, ctx: Context, user: SignedIn, form: CheckedForm
) -> Response:
    approve = _decision(form)
    await in_transaction(
        ctx.store, lambda c: corrections.review(c, proposal_id, user, approve, utcnow())
    )
    ctx.cache.clear()
    return _back()


@router.post("/admin/corrections/{correction_id}/revert")
async def revert(correction_id: RowId, ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    await in_transaction(ctx.store, lambda c: corrections.revert(c, correction_id, user))
    ctx.cache.clear()
    return _back()


@api_router.get(
    "/admin",
    summary="Admins only: users and roles, pending claims and corrections, recent "
    "corrections, the quarantine summary and the last pipeline runs",
)
def api_admin(ctx: Context, user: SignedIn) -> AdminPage:
    with ctx.store.connect() as connection:
        return admin_view(connection, user)

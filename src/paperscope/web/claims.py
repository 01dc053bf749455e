"""Claims and corrections on a person's profile page.

- `POST /author/{id}/claim`: "this is me" (verified at once when the data proves it, else
  pending for an admin);
- `POST /author/{id}/corrections`: the owner or an admin proposes a merge (with another
  person), a split (works that are another person's) or a removal (works that are not
  theirs); an owner's proposal waits for an admin, an admin's applies at once;
- `/api/author/{id}/corrections`: the corrections that touched the profile, with who made
  them (addresses only for admins).

Every form is a POST with the CSRF token; a stranger gets 401, someone who may not correct
the profile 403 (`errors.ForbiddenError`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from paperscope.accounts import claims, corrections
from paperscope.accounts.clock import utcnow
from paperscope.accounts.roles import is_admin
from paperscope.accounts.users import User
from paperscope.untrusted import parse_id
from paperscope.web.context import WebContext, context_of
from paperscope.web.dependencies import CheckedForm, Context, SignedIn, in_transaction
from paperscope.web.params import RowId, form_text
from paperscope.web.sessions import current_user

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["api"])

MAX_WORKS_FIELDS = corrections.MAX_WORKS


@dataclass(frozen=True, slots=True)
class ClaimPanel:
    """What the profile shows about its owner and its corrections, for one visitor."""

    person_id: int
    owned: bool
    """Someone owns this profile (whose address is not shown)."""
    history: corrections.ProfileHistory
    viewer_claim: claims.Claim | None
    """The signed-in visitor's open claim on this person."""
    may_claim: bool
    may_correct: str | None
    """`owner` or `admin` when the visitor may propose corrections."""
    pending: tuple[corrections.Proposal, ...]
    """Proposals waiting for review (shown to the owner and admins)."""


def public_history(history: corrections.ProfileHistory) -> corrections.ProfileHistory:
    """The history without addresses: who is said by role (its owner, an admin)."""
    entries = tuple(
        dataclasses.replace(e, proposed_by=None, approved_by=None) for e in history.entries
    )
    return dataclasses.replace(history, entries=entries)


def claim_panel(connection: Connection, user: User | None, person_id: int) -> ClaimPanel:
    owner = claims.owner_of(connection, person_id)
    history = corrections.history(connection, person_id)
    admin = user is not None and is_admin(connection, user.id)
    if not admin:
        history = public_history(history)
    viewer_claim = None
    role = None
    if user is not None:
        viewer_claim = next(
            (c for c in claims.claims_of(connection, user.id) if c.person_id == person_id), None
        )
        role = "admin" if admin else ("owner" if owner and owner.user_id == user.id else None)
    pending = tuple(corrections.pending_proposals(connection, person_id)) if role else ()
    return ClaimPanel(
        person_id=person_id,
        owned=owner is not None,
        history=history,
        viewer_claim=viewer_claim,
        may_claim=user is not None and owner is None and viewer_claim is None,
        may_correct=role,
        pending=pending,
    )


def panel_for(request: Request, person_id: int | None) -> ClaimPanel | None:
    """The panel of a resolved person's page (provisional people cannot be claimed)."""
    if person_id is None:
        return None
    ctx = context_of(request)
    user = current_user(request, ctx.store)
    with ctx.store.connect() as connection:
        return claim_panel(connection, user, person_id)


def _back(person_id: int) -> Response:
    return RedirectResponse(f"/author/{person_id}#claims", status_code=303)


@router.post("/author/{person_id}/claim")
async def claim(person_id: RowId, ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    await in_transaction(ctx.store, lambda c: claims.claim_person(c, user, person_id, utcnow()))
    return _back(person_id)


@router.post("/author/{person_id}/corrections")
async def propose(person_id: RowId, ctx: Context, user: SignedIn, form: CheckedForm) -> Response:
    kind = form_text(form, "kind")
    works = [w for w in form.getlist("works") if isinstance(w, str)][: MAX_WORKS_FIELDS + 1]
    other = parse_id(form_text(form, "other_person").strip()) if kind == "merge" else None
    note = form_text(form, "note")
    await in_transaction(
        ctx.store,
        lambda c: corrections.propose(
            c, user, person_id, kind, works=works, other_person=other, note=note, now=utcnow()
        ),
    )
    ctx.cache.clear()  # an admin's proposal changed the profiles already
    return _back(person_id)


@api_router.get(
    "/author/{person_id}/corrections",
    summary="The corrections that touched a person's profile: merges, splits, removals, "
    "reverts, who made them (by role; addresses for admins) and who owns the profile",
)
def api_corrections(request: Request, person_id: RowId) -> ClaimPanel:
    ctx: WebContext = context_of(request)
    user = current_user(request, ctx.store)
    with ctx.store.connect() as connection:
        return claim_panel(connection, user, person_id)

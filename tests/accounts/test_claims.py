"""Roles, claims and proposed corrections below the web layer (SQLite and PostgreSQL); a
correction applied and then followed through re-ingest and re-resolve by the pipeline."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from claims_helpers import janes as janes_of
from paperscope.accounts import claims, corrections, roles
from paperscope.accounts.users import User, user_for_email
from paperscope.config import Settings
from paperscope.errors import ForbiddenError, NotFoundError, QueryError
from paperscope.identity.manage import person_details
from paperscope.pipeline.runner import run_stages
from paperscope.pipeline.stages import Run, RunOptions
from paperscope.store import Store
from paperscope.store.schema import authorships, source_records, works

NOW = datetime(2026, 12, 1, 9, 0)
FOLDING = {"1501.00001", "1602.00002", "1703.00003"}
COMPILERS = {"1504.00004", "1605.00005", "1806.00006"}


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        embedding_model="hashing",
        identity_topics="none",
    )


def _ingest_and_resolve(store: Store, data_dir: Path, tmp_path: Path) -> None:
    paths = (data_dir / "identity" / "two-jane-does.jsonl",)
    run_stages(Run(store, _settings(tmp_path), RunOptions(paths=paths)), ["ingest", "resolve"])


@pytest.fixture
def janes(store: Store, data_dir: Path, tmp_path: Path) -> Store:
    _ingest_and_resolve(store, data_dir, tmp_path)
    return store


def _user(store: Store, email: str, admin: bool = False) -> User:
    with store.transaction() as connection:
        if admin:
            return roles.grant(connection, email, roles.ADMIN, NOW)
        return user_for_email(connection, email, NOW, verified=True)


def _folding(store: Store) -> int:
    return next(p for p, w in janes_of(store).items() if w == FOLDING)


def test_admin_role_is_granted_and_revoked(store: Store) -> None:
    ada = _user(store, "Ada@Example.org", admin=True)
    with store.transaction() as connection:
        assert roles.is_admin(connection, ada.id) and ada.email == "ada@example.org"
        assert roles.user_rows(connection)[0].roles == ("admin",)
        roles.revoke(connection, "ada@example.org", roles.ADMIN)
        assert not roles.is_admin(connection, ada.id)
        with pytest.raises(NotFoundError):
            roles.revoke(connection, "ada@example.org", roles.ADMIN)
        with pytest.raises(ForbiddenError):
            roles.require_admin(connection, ada.id)


def test_a_printed_address_or_its_domain_verifies_a_claim(janes: Store) -> None:
    person = _folding(janes)
    with janes.transaction() as connection:
        connection.execute(
            update(authorships)
            .where(authorships.c.person_id == person)
            .values(affiliation="Dept. of Biophysics, Univ. X (jane.doe@bio.unix.edu)")
        )
    colleague = _user(janes, "jd@unix.edu")
    with janes.transaction() as connection:
        claim = claims.claim_person(connection, colleague, person, NOW)
    assert claim.status == claims.OWNER and "unix.edu" in claim.evidence
    evidence = claims.PersonEvidence(("jane.doe@gmail.com",), ())
    assert claims.verification(evidence, "jane.doe@gmail.com")
    assert claims.verification(evidence, "someone.else@gmail.com") is None  # public mail
    assert claims.verification(evidence, "jane@unrelated.org") is None


def test_one_owner_per_person_and_nobody_reviews_their_own_claim(janes: Store) -> None:
    person = _folding(janes)
    jane, bob = _user(janes, "jane@example.org"), _user(janes, "bob@example.org")
    admin = _user(janes, "admin@example.org", admin=True)
    with janes.transaction() as connection:
        pending = claims.claim_person(connection, jane, person, NOW)
        assert pending.status == claims.PENDING  # nothing in the data proves it
        assert claims.claim_person(connection, jane, person, NOW).id == pending.id
        rival = claims.claim_person(connection, bob, person, NOW)
    with janes.transaction() as connection, pytest.raises(ForbiddenError):
        claims.review_claim(connection, pending.id, jane, True, NOW)  # not an admin
    with janes.transaction() as connection:
        own = claims.claim_person(connection, admin, person, NOW)
    with janes.transaction() as connection, pytest.raises(ForbiddenError, match="own claim"):
        claims.review_claim(connection, own.id, admin, True, NOW)
    with janes.transaction() as connection:
        approved = claims.review_claim(connection, pending.id, admin, True, NOW)
        assert approved.status == claims.OWNER and approved.reviewed_by == admin.id
        assert claims.owner_of(connection, person) == approved
        with pytest.raises(QueryError, match="already has an owner"):
            claims.review_claim(connection, rival.id, admin, True, NOW)
        with pytest.raises(QueryError, match="already has an owner"):
            claims.claim_person(connection, _user(janes, "eve@example.org"), person, NOW)
        other = next(p for p in janes_of(janes) if p != person)
        with pytest.raises(QueryError, match="already own a profile"):
            claims.claim_person(connection, jane, other, NOW)


def _own(store: Store, person: int, email: str) -> User:
    owner = _user(store, email)
    admin = _user(store, "admin@example.org", admin=True)
    with store.transaction() as connection:
        claim = claims.claim_person(connection, owner, person, NOW)
        claims.review_claim(connection, claim.id, admin, True, NOW)
    return owner


def test_an_owner_corrects_only_their_own_profile(janes: Store) -> None:
    person = _folding(janes)
    other = next(p for p in janes_of(janes) if p != person)
    jane = _own(janes, person, "jane@example.org")
    with janes.transaction() as connection:
        with pytest.raises(ForbiddenError):
            corrections.propose(
                connection, jane, other, "split", works=["arxiv:1504.00004"], now=NOW
            )
        with pytest.raises(QueryError, match="not a work"):
            corrections.propose(
                connection, jane, person, "split", works=["arxiv:1504.00004"], now=NOW
            )
        with pytest.raises(QueryError, match="nothing would remain"):
            corrections.propose(
                connection, jane, person, "remove", works=sorted(f"arxiv:{w}" for w in FOLDING),
                now=NOW,
            )  # fmt: skip
        stranger = _user(janes, "stranger@example.org")
        with pytest.raises(ForbiddenError):
            corrections.propose(connection, stranger, person, "merge", other_person=other, now=NOW)


def test_a_correction_follows_review_reingest_and_resolve(
    janes: Store, data_dir: Path, tmp_path: Path
) -> None:
    person = _folding(janes)
    jane = _own(janes, person, "jane@example.org")
    admin = _user(janes, "admin@example.org")
    with janes.transaction() as connection:
        proposal = corrections.propose(
            connection, jane, person, "split", works=["arxiv:1703.00003"], now=NOW
        )
        assert proposal.status == corrections.PENDING
        with pytest.raises(ForbiddenError):
            corrections.review(connection, proposal.id, jane, True, NOW)
    assert janes_of(janes)[person] == FOLDING  # nothing changes before review
    with janes.transaction() as connection:
        applied = corrections.review(connection, proposal.id, admin, True, NOW)
    assert applied.status == corrections.APPLIED and applied.correction_id
    assert janes_of(janes)[person] == {"1501.00001", "1602.00002"}

    with janes.transaction() as connection:  # everything ingested again: new row ids
        connection.execute(delete(source_records))
        connection.execute(delete(works))
    _ingest_and_resolve(janes, data_dir, tmp_path)
    run_stages(Run(janes, _settings(tmp_path), RunOptions(full=True)), ["resolve"])
    groups = sorted(janes_of(janes).values(), key=sorted)
    assert {"1501.00001", "1602.00002"} in groups and {"1703.00003"} in groups

    owned = next(p for p, w in janes_of(janes).items() if w == {"1501.00001", "1602.00002"})
    with janes.connect() as connection:  # people were renumbered; the claim followed its works
        owner = claims.owner_of(connection, owned)
        assert owner is not None and owner.user_id == jane.id
        history = corrections.history(connection, owned)
        # A person no correction names has no history while others have one.
        untouched = next(p for p, w in janes_of(janes).items() if w == COMPILERS)
        assert corrections.history(connection, untouched).entries == ()
    assert history.corrected_by == "its owner"
    entry = history.entries[0]
    assert (entry.kind, entry.proposed_by, entry.approved_by) == (
        "split",
        "jane@example.org",
        "admin@example.org",
    )

    with janes.transaction() as connection:
        with pytest.raises(ForbiddenError):
            corrections.revert(connection, entry.correction_id, jane)
        corrections.revert(connection, entry.correction_id, admin)
    assert janes_of(janes)[owned] == FOLDING
    with janes.connect() as connection:
        history = corrections.history(connection, owned)
        assert person_details(connection, owned).works
    assert history.corrected_by is None
    assert [e.kind for e in history.entries] == ["split", "revert"]
    assert history.entries[0].reverted_by == history.entries[1].correction_id


def test_an_admin_proposal_applies_at_once(janes: Store) -> None:
    keep, other = sorted(janes_of(janes))
    admin = _user(janes, "admin@example.org", admin=True)
    with janes.transaction() as connection:
        proposal = corrections.propose(
            connection, admin, keep, "merge", other_person=other, now=NOW
        )
        assert proposal.status == corrections.APPLIED and proposal.reviewed_by == admin.id
        assert corrections.history(connection, keep).corrected_by == "an admin"
    assert list(janes_of(janes).values()) == [FOLDING | COMPILERS]

"""Conflicts of interest between reviewers and providers: recorded, found, confirmed, dismissed.

An officer records a hard conflict with a type and a reason. `scan_conflicts` runs the
heuristics of `qa.domain.conflict_rules` and files what it finds: same institution as
hard, the rest as potential conflicts in a queue; an officer confirms one (it becomes
hard) or dismisses it with a reason. Every change is versioned and audited.

A reviewer whose institution is one of the file's awarding bodies is kept off that file
whatever is on record (`awarding_body_reviewers`, checked by `conflicted_reviewers` and the
assignment round): it is a hard conflict by definition, not a finding to confirm.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.conflict_rules import (
    HARD_TYPES,
    ProviderFacts,
    ReviewerFacts,
    awarding_body_match,
    awarding_body_names,
    findings,
)
from qa.domain.enums import Role
from qa.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from qa.domain.policy import require_officer
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.locking import update_versioned
from qa.persistence.models import (
    DescriptorVersion,
    Institution,
    ReviewerConflict,
    ReviewerProfile,
    Submission,
    User,
    UserRole,
)
from qa.persistence.outbox import enqueue

MIN_REASON = 5
#: Conflicts that keep a reviewer off a provider's files.
BLOCKING = ("active", "confirmed")


def record_conflict(
    db: Database,
    actor: Actor,
    reviewer_id: int,
    *,
    institution_id: int | None = None,
    submission_id: int | None = None,
    conflict_type: str = "recorded",
    reason: str,
) -> ReviewerConflict:
    """An officer records a hard conflict with a provider or with one file."""
    require_officer(actor)
    if conflict_type not in HARD_TYPES:
        raise InvalidInput(f"a recorded conflict is one of {', '.join(HARD_TYPES)}")
    if len(reason.strip()) < MIN_REASON:
        raise InvalidInput("say why this is a conflict of interest")
    if (institution_id is None) == (submission_id is None):
        raise InvalidInput("a conflict is with a provider or with one file")
    with db.write() as session:
        if session.get(User, reviewer_id) is None:
            raise NotFound(f"there is no user {reviewer_id}")
        row = ReviewerConflict(
            reviewer_id=reviewer_id,
            institution_id=institution_id,
            submission_id=submission_id,
            kind="hard",
            conflict_type=conflict_type,
            reason=reason.strip(),
            status="active",
            recorded_by=actor.user_id,
        )
        _file(session, actor, row, "conflict.recorded")
        session.commit()
        session.refresh(row)
        return row


def declare_standing_conflict(
    db: Database, actor: Actor, institution_id: int, *, reason: str
) -> ReviewerConflict:
    """A reviewer declares a conflict with a provider once, for all its files (hard)."""
    if Role.REVIEWER not in actor.roles or actor.user_id is None:
        raise NotAllowed("only a reviewer declares their own conflicts of interest")
    if len(reason.strip()) < MIN_REASON:
        raise InvalidInput(
            "reason (what the conflict is): say what the conflict of interest is", field="reason"
        )
    with db.write() as session:
        provider = session.get(Institution, institution_id)
        if provider is None or provider.kind != "provider":
            raise NotFound(f"there is no provider {institution_id}")
        row = ReviewerConflict(
            reviewer_id=actor.user_id,
            institution_id=institution_id,
            kind="hard",
            conflict_type="declared",
            reason=reason.strip(),
            status="active",
            recorded_by=actor.user_id,
        )
        _file(session, actor, row, "conflict.declared")
        session.commit()
        session.refresh(row)
        return row


def providers(db: Database) -> list[tuple[int, str]]:
    with db.session() as session:
        rows = session.exec(
            select(Institution).where(Institution.kind == "provider").order_by(Institution.name)
        ).all()
        return [(i.id, i.name) for i in rows if i.id is not None]


def _file(session: Session, actor: Actor, row: ReviewerConflict, action: str) -> None:
    session.add(row)
    session.flush()
    after = {
        "reviewer_id": row.reviewer_id,
        "institution_id": row.institution_id,
        "submission_id": row.submission_id,
        "kind": row.kind,
        "type": row.conflict_type,
        "reason": row.reason,
        "status": row.status,
    }
    record(
        session,
        actor,
        action,
        entity_type="reviewer_conflict",
        entity_id=row.id,
        submission_id=row.submission_id,
        after=after,
    )
    enqueue(session, action, submission_id=row.submission_id, payload={"conflict_id": row.id})


def scan_conflicts(db: Database, actor: Actor) -> list[ReviewerConflict]:
    """Run the heuristics; file each finding not already on record. Returns the new rows."""
    require_officer(actor)
    with db.write() as session:
        known = {
            (c.reviewer_id, c.institution_id, c.conflict_type)
            for c in session.exec(select(ReviewerConflict)).all()
        }
        new: list[ReviewerConflict] = []
        for finding in findings(_reviewer_facts(session), _provider_facts(session)):
            key = (finding.reviewer_id, finding.institution_id, finding.conflict_type)
            if key in known:
                continue
            known.add(key)
            row = ReviewerConflict(
                reviewer_id=finding.reviewer_id,
                institution_id=finding.institution_id,
                kind="hard" if finding.hard else "potential",
                conflict_type=finding.conflict_type,
                reason=finding.reason,
                status="active" if finding.hard else "pending",
                recorded_by=actor.user_id,
            )
            _file(session, actor, row, "conflict.found")
            new.append(row)
        session.commit()
        for row in new:
            session.refresh(row)
        return new


def decide_conflict(
    db: Database,
    actor: Actor,
    conflict_id: int,
    *,
    confirm: bool,
    reason: str,
    expected_version: int,
) -> ReviewerConflict:
    """Confirm a potential conflict (it blocks) or dismiss it; a dismissal needs a reason."""
    require_officer(actor)
    text = reason.strip()
    if not confirm and len(text) < MIN_REASON:
        raise InvalidInput(
            "reason (needed to dismiss): say why this is not a conflict of interest",
            field="reason",
        )
    with db.write() as session:
        row = session.get(ReviewerConflict, conflict_id)
        if row is None:
            raise NotFound(f"there is no conflict {conflict_id}")
        if row.status != "pending":
            raise Conflict(f"this conflict is already {row.status}")
        status = "confirmed" if confirm else "dismissed"
        values = {
            "status": status,
            "decided_by": actor.user_id,
            "decided_at": clock.now(session),
            "decision_reason": text or None,
        }
        update_versioned(
            session, ReviewerConflict, conflict_id, expected_version, values, what="this conflict"
        )
        record(
            session,
            actor,
            f"conflict.{status}",
            entity_type="reviewer_conflict",
            entity_id=conflict_id,
            submission_id=row.submission_id,
            before={"status": "pending"},
            after={"status": status, "reason": text or None},
        )
        enqueue(session, f"conflict.{status}", payload={"conflict_id": conflict_id})
        session.commit()
        session.refresh(row)
        return row


@dataclass(frozen=True)
class PendingConflict:
    row: ReviewerConflict
    reviewer: str
    provider: str


def pending_conflicts(db: Database, actor: Actor) -> list[PendingConflict]:
    """The queue an officer works through, oldest first, with names."""
    require_officer(actor)
    with db.session() as session:
        query = select(ReviewerConflict).where(ReviewerConflict.status == "pending")
        rows = session.exec(query.order_by(col(ReviewerConflict.id))).all()
        names = {u.id: u.display_name for u in session.exec(select(User)).all()}
        providers = {i.id: i.name for i in session.exec(select(Institution)).all()}
        return [
            PendingConflict(
                row,
                names.get(row.reviewer_id, f"user {row.reviewer_id}"),
                providers.get(row.institution_id, "") if row.institution_id else "",
            )
            for row in rows
        ]


def blocking_conflicts(session: Session) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(reviewer, provider institution) and (reviewer, submission) pairs that exclude."""
    rows = session.exec(
        select(ReviewerConflict).where(col(ReviewerConflict.status).in_(BLOCKING))
    ).all()
    by_provider = {(r.reviewer_id, r.institution_id) for r in rows if r.institution_id}
    by_file = {(r.reviewer_id, r.submission_id) for r in rows if r.submission_id}
    return by_provider, by_file


def has_blocking_conflict(session: Session, reviewer_id: int, submission: Submission) -> bool:
    """A hard or confirmed conflict with the file's provider or with the file itself."""
    return reviewer_id in conflicted_reviewers(session, submission)


def conflicted_reviewers(session: Session, submission: Submission) -> set[int]:
    """Reviewers kept off this file by a hard or confirmed conflict, or because their
    institution is one of the file's awarding bodies."""
    rows = session.exec(
        select(ReviewerConflict.reviewer_id).where(
            col(ReviewerConflict.status).in_(BLOCKING),
            (col(ReviewerConflict.institution_id) == submission.institution_id)
            | (col(ReviewerConflict.submission_id) == submission.id),
        )
    ).all()
    return set(rows) | awarding_body_reviewers(
        reviewer_institutions(session), awarding_body_names(current_descriptor(session, submission))
    )


def current_descriptor(session: Session, submission: Submission) -> Mapping[str, Any]:
    """The descriptor of the file's current round ({} when there is none yet)."""
    data = session.exec(
        select(DescriptorVersion.data).where(
            DescriptorVersion.submission_id == submission.id,
            DescriptorVersion.round_number == submission.current_round,
        )
    ).first()
    return data or {}


def reviewer_institutions(
    session: Session, reviewer_ids: Iterable[int] | None = None
) -> dict[int, tuple[str, ...]]:
    """Each reviewer's institutions by name: the account's institution and the profile's."""
    query = (
        select(User.id, Institution.name, ReviewerProfile.institution)
        .join(UserRole, col(UserRole.user_id) == col(User.id))
        .outerjoin(Institution, col(Institution.id) == col(User.institution_id))
        .outerjoin(ReviewerProfile, col(ReviewerProfile.user_id) == col(User.id))
        .where(UserRole.role == Role.REVIEWER.value)
    )
    if reviewer_ids is not None:
        query = query.where(col(User.id).in_(list(reviewer_ids)))
    out: dict[int, tuple[str, ...]] = {}
    for user_id, account, profile in session.exec(query).all():
        if user_id is not None:
            out[user_id] = tuple(name for name in (account, profile) if name)
    return out


def awarding_body_reviewers(
    institutions: Mapping[int, Iterable[str]], bodies: Iterable[str]
) -> set[int]:
    """Reviewers (of `institutions`) whose institution is one of these awarding bodies."""
    names = tuple(bodies)
    if not names:
        return set()
    return {uid for uid, own in institutions.items() if awarding_body_match(own, names)}


def _reviewer_facts(session: Session) -> list[ReviewerFacts]:
    profiles = {p.user_id: p for p in session.exec(select(ReviewerProfile)).all()}
    users = session.exec(
        select(User).join(UserRole).where(UserRole.role == Role.REVIEWER.value)
    ).all()
    out = []
    for user in users:
        assert user.id is not None
        profile = profiles.get(user.id)
        out.append(
            ReviewerFacts(
                user.id,
                user.email,
                user.institution_id,
                profile.institution if profile else None,
                tuple(profile.former_institutions) if profile else (),
            )
        )
    return out


def _provider_facts(session: Session) -> list[ProviderFacts]:
    staff: dict[int, list[str]] = defaultdict(list)
    for user in session.exec(select(User).where(col(User.institution_id).is_not(None))).all():
        assert user.institution_id is not None
        staff[user.institution_id].append(user.email)
    bodies: dict[int, set[str]] = defaultdict(set)
    rows = session.exec(
        select(Submission.institution_id, DescriptorVersion.data).join(
            DescriptorVersion, col(DescriptorVersion.submission_id) == col(Submission.id)
        )
    ).all()
    for institution_id, data in rows:
        for body in data.get("awarding_bodies") or []:
            if isinstance(body, dict) and body.get("name"):
                bodies[institution_id].add(str(body["name"]))
    providers = session.exec(select(Institution).where(Institution.kind == "provider")).all()
    return [
        ProviderFacts(p.id, p.name, tuple(staff[p.id]), tuple(sorted(bodies[p.id])))
        for p in providers
        if p.id is not None
    ]

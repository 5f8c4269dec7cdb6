"""A QA officer's work on a review panel: invite (several at once), cancel, invite again.

Each action checks the submission's stage and the reviewer's eligibility (an active reviewer,
not from the provider's institution, below the maximum load), changes the assignment with a
version check and writes an audit entry in the same transaction. Routing hears about a
cancellation through the outbox, so a panel left short is filled again and a panel whose
required reviews are all in moves on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from qa.domain.actor import Actor
from qa.domain.assignments import OPEN, AssignmentEvent, CoiStatus, is_ended, is_submitted
from qa.domain.enums import Stage
from qa.domain.errors import Conflict, IllegalTransition, InvalidInput, NotAllowed, NotFound
from qa.domain.policy import require_officer
from qa.domain.review_settings import ReviewSettings
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Submission, User
from qa.services.people.notifications import notify
from qa.services.review.assignment_moves import move_assignment
from qa.services.review.reviews import add_invitation, eligible_reviewer, round_assignment
from qa.services.submissions.lifecycle import load_submission

MIN_REASON = 5


@dataclass(frozen=True)
class Cancelled:
    assignment: Assignment
    replacement: Assignment | None


def open_loads(session: Session, reviewer_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Open assignments per reviewer (one grouped query)."""
    query = (
        select(Assignment.reviewer_id, func.count())
        .where(col(Assignment.state).in_(OPEN))
        .group_by(col(Assignment.reviewer_id))
    )
    if reviewer_ids is not None:
        query = query.where(col(Assignment.reviewer_id).in_(list(reviewer_ids)))
    return {int(reviewer_id): int(count) for reviewer_id, count in session.exec(query).all()}


def invite_reviewers(
    db: Database,
    actor: Actor,
    submission_id: int,
    reviewer_ids: Sequence[int],
    *,
    today: date,
    settings: ReviewSettings,
) -> list[Assignment]:
    """Invite the chosen reviewers in one transaction: all of them, or none with the reason.

    A reviewer who declined or whose invitation was cancelled in this round is invited again
    (the same assignment, renewed); anyone else gets a new assignment.
    """
    require_officer(actor)
    chosen = list(dict.fromkeys(reviewer_ids))
    if not chosen:
        raise InvalidInput("choose at least one reviewer to invite")
    with db.write() as session:
        submission = load_submission(session, submission_id)
        loads = open_loads(session, chosen)
        invited = [
            invite_one(
                session, actor, submission, reviewer_id, loads=loads, today=today, settings=settings
            )
            for reviewer_id in chosen
        ]
        session.commit()
        return invited


def reinvite(
    db: Database,
    actor: Actor,
    assignment_id: int,
    *,
    expected_version: int,
    today: date,
    settings: ReviewSettings,
) -> Assignment:
    """Invite a reviewer again whose invitation was declined, expired or cancelled."""
    require_officer(actor)
    with db.write() as session:
        assignment = load_assignment(session, assignment_id)
        submission = load_submission(session, assignment.submission_id)
        _require_renewable(submission, assignment)
        loads = open_loads(session, [assignment.reviewer_id])
        _check_reviewer(session, submission, assignment.reviewer_id, loads, settings)
        renewed = _renew(
            session,
            actor,
            submission,
            assignment,
            today=today,
            settings=settings,
            expected_version=expected_version,
        )
        session.commit()
        return renewed


def cancel_assignment(
    db: Database,
    actor: Actor,
    assignment_id: int,
    *,
    expected_version: int,
    reason: str,
    today: date,
    settings: ReviewSettings,
    replacement_id: int | None = None,
) -> Cancelled:
    """End an invitation or unfinished review with a reason; optionally invite a replacement.

    Without a replacement, routing fills the panel again automatically.
    """
    require_officer(actor)
    text = reason.strip()
    if len(text) < MIN_REASON:
        raise InvalidInput(
            "reason: say why the assignment is cancelled (the reviewer is told)", field="reason"
        )
    with db.write() as session:
        assignment = load_assignment(session, assignment_id)
        submission = load_submission(session, assignment.submission_id)
        require_current_round(submission, assignment)
        if is_submitted(assignment.state):
            raise Conflict("a submitted review cannot be cancelled; it is part of the record")
        if is_ended(assignment.state):
            raise Conflict(f"this assignment is already {assignment.state}")
        assert assignment.id is not None
        move_assignment(
            session,
            actor,
            assignment,
            AssignmentEvent.CANCEL,
            expected_version=expected_version,
            values={"decline_reason": text},
        )
        reviewer = session.get(User, assignment.reviewer_id)
        if reviewer is not None:
            notify(
                session,
                f"cancelled:{assignment.id}:v{expected_version}",
                reviewer,
                f"No longer needed: review of {submission.title}",
                f"The QA office cancelled your review of '{submission.title}': {text}. "
                "Thank you for your time.",
                submission_id=submission.id,
            )
        replacement = None
        if replacement_id is not None:
            loads = open_loads(session, [replacement_id])
            replacement = invite_one(
                session,
                actor,
                submission,
                replacement_id,
                loads=loads,
                today=today,
                settings=settings,
            )
        session.commit()
        cancelled = session.get(Assignment, assignment_id)
        assert cancelled is not None
        return Cancelled(cancelled, replacement)


def invite_one(
    session: Session,
    actor: Actor,
    submission: Submission,
    reviewer_id: int,
    *,
    loads: dict[int, int],
    today: date,
    settings: ReviewSettings,
) -> Assignment:
    """Invite (or invite again) one reviewer inside the caller's transaction."""
    reviewer = _check_reviewer(session, submission, reviewer_id, loads, settings)
    previous = round_assignment(session, submission, reviewer_id)
    if previous is not None and is_ended(previous.state):
        assignment = _renew(
            session,
            actor,
            submission,
            previous,
            today=today,
            settings=settings,
            expected_version=previous.version,
        )
    else:
        assignment = add_invitation(
            session, actor, submission, reviewer, previous, today=today, settings=settings
        )
    loads[reviewer_id] = loads.get(reviewer_id, 0) + 1
    return assignment


def _check_reviewer(
    session: Session,
    submission: Submission,
    reviewer_id: int,
    loads: dict[int, int],
    settings: ReviewSettings,
) -> User:
    reviewer = eligible_reviewer(session, submission, reviewer_id)
    load = loads.get(reviewer_id, 0)
    if load >= settings.max_load:
        raise NotAllowed(
            f"{reviewer.display_name} already has {load} open reviews and the maximum load is "
            f"{settings.max_load}; choose someone else or cancel one of their assignments"
        )
    return reviewer


def _renew(
    session: Session,
    actor: Actor,
    submission: Submission,
    assignment: Assignment,
    *,
    today: date,
    settings: ReviewSettings,
    expected_version: int,
) -> Assignment:
    _require_renewable(submission, assignment)
    assert assignment.id is not None
    version = move_assignment(
        session,
        actor,
        assignment,
        AssignmentEvent.RENEW,
        expected_version=expected_version,
        values={
            "invited_by": actor.user_id,
            "invited_at": clock.now(session),
            "respond_by": today + timedelta(days=settings.respond_days),
            "review_by": today + timedelta(days=settings.review_days),
            "responded_at": None,
            "decline_reason": None,
        },
    )
    renewed = session.get(Assignment, assignment.id)
    assert renewed is not None
    reviewer = session.get(User, renewed.reviewer_id)
    assert reviewer is not None
    notify(
        session,
        f"reinvite:{renewed.id}:v{version}",
        reviewer,
        f"Invitation to review: {submission.title}",
        f"The QA office invites you again to review '{submission.title}'. Please answer by "
        f"{renewed.respond_by} and, if you accept, submit your review by {renewed.review_by}.",
        submission_id=submission.id,
    )
    return renewed


def load_assignment(session: Session, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(f"assignment {assignment_id} does not exist")
    return assignment


def _require_renewable(submission: Submission, assignment: Assignment) -> None:
    require_current_round(submission, assignment)
    if not is_ended(assignment.state):
        raise Conflict(
            f"this reviewer's assignment is {assignment.state}; only a declined, expired or "
            "cancelled invitation can be renewed"
        )
    if assignment.coi_status == CoiStatus.DECLARED:
        raise NotAllowed(
            "this reviewer declared a conflict of interest with this file and cannot be "
            "invited again"
        )


def require_current_round(submission: Submission, assignment: Assignment) -> None:
    if submission.stage != Stage.PEER_REVIEW or assignment.round_number != submission.current_round:
        raise IllegalTransition(
            "peer review of this round is closed; its assignments can no longer change"
        )

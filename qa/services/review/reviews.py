"""Peer review: invitations, answers, conflict-of-interest declarations, scoring, submission."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.assignments import (
    ENDED,
    AssignmentEvent,
    AssignmentState,
    CoiStatus,
    SheetKind,
    awaits_answer,
    is_submitted,
    require_scorable,
)
from qa.domain.enums import Role, Stage
from qa.domain.errors import Conflict, IllegalTransition, InvalidInput, NotAllowed, NotFound
from qa.domain.policy import require_assigned_reviewer, require_officer
from qa.domain.review_settings import ReviewSettings
from qa.domain.score_input import ScoreInput
from qa.domain.scoring import Decision
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Score, Submission, User, UserRole
from qa.services.people.notifications import notify
from qa.services.review.assignment_moves import move_assignment
from qa.services.review.autosave import autosave_review_score
from qa.services.review.conflicts import has_blocking_conflict
from qa.services.rubrics.scoresheets import ensure_sheet, lock, pinned_rubric, require_complete
from qa.services.submissions.lifecycle import load_submission


def invite_reviewer(
    db: Database,
    actor: Actor,
    submission_id: int,
    reviewer_id: int,
    *,
    today: date,
    settings: ReviewSettings | None = None,
    panel_role: str | None = None,
) -> Assignment:
    """Invite one reviewer (an officer's choice, or routing's automatic assignment)."""
    if not actor.is_system:
        require_officer(actor)
    with db.write() as session:
        assignment = invite_in(
            session,
            actor,
            load_submission(session, submission_id),
            reviewer_id,
            today=today,
            settings=settings or ReviewSettings(),
            panel_role=panel_role,
        )
        session.commit()
        return assignment


def eligible_reviewer(session: Session, submission: Submission, reviewer_id: int) -> User:
    """The active reviewer, if they may be invited to this file now (peer review, not from
    the provider's institution); otherwise the reason, in words."""
    if submission.stage != Stage.PEER_REVIEW:
        raise IllegalTransition(
            f"reviewers are invited during peer review; submission {submission.id} is "
            f"{submission.stage.replace('_', ' ')}"
        )
    reviewer = session.exec(
        select(User)
        .join(UserRole, col(UserRole.user_id) == col(User.id))
        .where(User.id == reviewer_id, UserRole.role == Role.REVIEWER.value, col(User.is_active))
    ).first()
    if reviewer is None:
        raise InvalidInput(f"user {reviewer_id} is not an active reviewer")
    if reviewer.institution_id == submission.institution_id:
        raise NotAllowed(f"{reviewer.display_name} belongs to the provider: a conflict of interest")
    if has_blocking_conflict(session, reviewer_id, submission):
        raise NotAllowed(f"{reviewer.display_name} has a conflict of interest on record")
    return reviewer


def invite_in(
    session: Session,
    actor: Actor,
    submission: Submission,
    reviewer_id: int,
    *,
    today: date,
    settings: ReviewSettings,
    panel_role: str | None = None,
) -> Assignment:
    """Invite inside the caller's transaction (routing invites several at once)."""
    return add_invitation(
        session,
        actor,
        submission,
        eligible_reviewer(session, submission, reviewer_id),
        round_assignment(session, submission, reviewer_id),
        today=today,
        settings=settings,
        panel_role=panel_role,
    )


def round_assignment(
    session: Session, submission: Submission, reviewer_id: int
) -> Assignment | None:
    """The reviewer's assignment to the file's current round, in any state."""
    return session.exec(
        select(Assignment).where(
            Assignment.submission_id == submission.id,
            Assignment.round_number == submission.current_round,
            Assignment.reviewer_id == reviewer_id,
        )
    ).first()


def add_invitation(
    session: Session,
    actor: Actor,
    submission: Submission,
    reviewer: User,
    existing: Assignment | None,
    *,
    today: date,
    settings: ReviewSettings,
    panel_role: str | None = None,
) -> Assignment:
    """Invite a reviewer already found eligible (`eligible_reviewer`); `existing` is their
    `round_assignment` (any there refuses: renew an ended one instead)."""
    assert submission.id is not None
    assert reviewer.id is not None
    if existing is not None:
        raise Conflict(
            f"{reviewer.display_name} was already invited to this round ({existing.state})"
        )
    reviewer_id = reviewer.id
    assignment = Assignment(
        submission_id=submission.id,
        round_number=submission.current_round,
        reviewer_id=reviewer_id,
        panel_role=panel_role or reviewer.panel_role,
        invited_by=actor.user_id,
        respond_by=today + timedelta(days=settings.respond_days),
        review_by=today + timedelta(days=settings.review_days),
    )
    session.add(assignment)
    session.flush()
    record(
        session,
        actor,
        "assignment.invited",
        entity_type="assignment",
        entity_id=assignment.id,
        submission_id=submission.id,
        after=assignment.model_dump(mode="json"),
    )
    notify(
        session,
        f"invite:{assignment.id}",
        reviewer,
        f"Invitation to review: {submission.title}",
        f"You are invited to review '{submission.title}'. Please answer by "
        f"{assignment.respond_by} and, if you accept, submit your review by "
        f"{assignment.review_by}.",
        submission_id=submission.id,
    )
    return assignment


def respond(
    db: Database,
    actor: Actor,
    assignment_id: int,
    *,
    expected_version: int,
    accept: bool,
    reason: str | None = None,
) -> Assignment:
    """Accept or decline an invitation; declining needs a reason."""
    if not accept and not (reason or "").strip():
        raise InvalidInput("say why you decline, so the officer can invite someone suitable")
    with db.write() as session:
        assignment = _mine(session, actor, assignment_id)
        if not awaits_answer(assignment.state):
            raise IllegalTransition(f"this invitation was already answered ({assignment.state})")
        move_assignment(
            session,
            actor,
            assignment,
            AssignmentEvent.ACCEPT if accept else AssignmentEvent.DECLINE,
            expected_version=expected_version,
            values={"responded_at": clock.now(session), "decline_reason": reason},
        )
        session.commit()
        return _reload(session, assignment_id)


def declare_conflict(
    db: Database,
    actor: Actor,
    assignment_id: int,
    *,
    expected_version: int,
    has_conflict: bool,
    details: str | None = None,
) -> Assignment:
    """Answer the conflict-of-interest question; a declared conflict ends the assignment."""
    if has_conflict and not (details or "").strip():
        raise InvalidInput("describe the conflict of interest")
    with db.write() as session:
        assignment = _mine(session, actor, assignment_id)
        if not (awaits_answer(assignment.state) or assignment.state == AssignmentState.ACCEPTED):
            raise IllegalTransition(f"this assignment is {assignment.state}")
        move_assignment(
            session,
            actor,
            assignment,
            AssignmentEvent.DECLARE_CONFLICT if has_conflict else AssignmentEvent.ANSWER_COI,
            expected_version=expected_version,
            values={
                "coi_status": CoiStatus.DECLARED if has_conflict else CoiStatus.NONE,
                "coi_text": (details or "").strip() or None,
                "coi_answered_at": clock.now(session),
            },
        )
        session.commit()
        return _reload(session, assignment_id)


def save_review_score(db: Database, actor: Actor, assignment_id: int, entry: ScoreInput) -> Score:
    """Autosave one criterion of a review (last write wins; refused after submission)."""
    saved = autosave_review_score(db, actor, assignment_id, entry)
    with db.session() as session:
        score = session.get(Score, saved.score_id)
        assert score is not None
        return score


def submit_review(
    db: Database,
    actor: Actor,
    assignment_id: int,
    *,
    expected_version: int,
    recommendation: str,
    summary: str,
) -> Assignment:
    """Complete review + recommendation + summary; the review is locked afterwards."""
    try:
        decision = Decision(recommendation)
    except ValueError:
        raise InvalidInput(
            f"recommendation must be one of {', '.join(d.value for d in Decision)}"
        ) from None
    if len(summary.strip()) < 20:
        raise InvalidInput("write a summary of at least 20 characters for the provider")
    with db.write() as session:
        assignment = _mine(session, actor, assignment_id)
        if is_submitted(assignment.state):
            raise Conflict("this review was already submitted and is locked")
        submission = _scorable(session, assignment)
        _, rubric = pinned_rubric(session, submission)
        sheet = ensure_sheet(session, submission, SheetKind.PEER, assignment.id)
        require_complete(session, sheet, rubric, need_evidence=False)
        lock(session, actor, sheet, recommendation=decision.value, summary=summary.strip())
        move_assignment(
            session,
            actor,
            assignment,
            AssignmentEvent.SUBMIT,
            expected_version=expected_version,
            values={"submitted_at": clock.now(session)},
        )
        session.commit()
        return _reload(session, assignment_id)


def close_open_assignments(
    session: Session, actor: Actor, submission: Submission, reason: str
) -> list[int]:
    """Cancel invitations and unfinished reviews that are no longer needed (audited)."""
    closed = []
    for assignment in active_assignments(session, submission):
        if is_submitted(assignment.state):
            continue
        assert assignment.id is not None
        move_assignment(
            session,
            actor,
            assignment,
            AssignmentEvent.CANCEL,
            expected_version=assignment.version,
            values={"decline_reason": reason},
            tell_routing=False,
        )
        reviewer = session.get(User, assignment.reviewer_id)
        if reviewer is not None:
            notify(
                session,
                f"closed:{assignment.id}",
                reviewer,
                f"No longer needed: review of {submission.title}",
                f"Your review of '{submission.title}' is no longer needed: {reason}. "
                "Thank you for your time.",
                submission_id=submission.id,
            )
        closed.append(assignment.id)
    return closed


def active_assignments(session: Session, submission: Submission) -> list[Assignment]:
    return list(
        session.exec(
            select(Assignment)
            .where(
                Assignment.submission_id == submission.id,
                Assignment.round_number == submission.current_round,
                col(Assignment.state).not_in(ENDED),
            )
            .order_by(col(Assignment.id))
        )
    )


def _mine(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(f"assignment {assignment_id} does not exist")
    require_assigned_reviewer(actor, assignment.reviewer_id)
    return assignment


def _scorable(session: Session, assignment: Assignment) -> Submission:
    submission = load_submission(session, assignment.submission_id)
    require_scorable(
        assignment.state,
        assignment.coi_status,
        assignment.round_number,
        submission.stage,
        submission.current_round,
    )
    return submission


def _reload(session: Session, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    assert assignment is not None
    return assignment

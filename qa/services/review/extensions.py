"""A reviewer asks for more time; a QA officer approves (the review date moves) or declines.

The request names a later review date and a reason. There is at most one pending request
per assignment; the QA officers are told of each one. Approving moves the date exactly as
"change the review date" does (`follow_up.move_due_date`: audited, the reviewer told, an
overdue mark lifted); declining keeps the date and tells the reviewer why.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.assignments import can_score
from qa.domain.enums import Role
from qa.domain.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from qa.domain.extension_requests import ExtensionStatus, answer_status
from qa.domain.policy import require_assigned_reviewer, require_officer
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.locking import update_versioned
from qa.persistence.models import Assignment, ExtensionRequest, User
from qa.services.people.notifications import notify, people_with_role
from qa.services.review.assignments import MIN_REASON, load_assignment, require_current_round
from qa.services.review.follow_up import MAX_DAYS_AHEAD, move_due_date
from qa.services.submissions.lifecycle import load_submission


def pending_request(session: Session, assignment_id: int) -> ExtensionRequest | None:
    return session.exec(
        select(ExtensionRequest).where(
            ExtensionRequest.assignment_id == assignment_id,
            ExtensionRequest.status == ExtensionStatus.PENDING.value,
        )
    ).first()


def latest_request(session: Session, assignment_id: int) -> ExtensionRequest | None:
    """The newest request of this assignment, pending or answered (the reviewer's page)."""
    return session.exec(
        select(ExtensionRequest)
        .where(ExtensionRequest.assignment_id == assignment_id)
        .order_by(col(ExtensionRequest.id).desc())
    ).first()


def pending_requests(session: Session, assignment_ids: list[int]) -> dict[int, ExtensionRequest]:
    """The pending request of each of these assignments (one query, for the panel)."""
    rows = session.exec(
        select(ExtensionRequest).where(
            col(ExtensionRequest.assignment_id).in_(assignment_ids),
            ExtensionRequest.status == ExtensionStatus.PENDING.value,
        )
    )
    return {row.assignment_id: row for row in rows}


def submission_of_request(db: Database, request_id: int) -> int:
    with db.session() as session:
        found = session.exec(
            select(Assignment.submission_id)
            .join(ExtensionRequest, col(ExtensionRequest.assignment_id) == col(Assignment.id))
            .where(ExtensionRequest.id == request_id)
        ).first()
    if found is None:
        raise NotFound(f"extension request {request_id} does not exist")
    return found


def request_extension(
    db: Database,
    actor: Actor,
    assignment_id: int,
    *,
    proposed: date | None,
    reason: str,
    today: date,
) -> ExtensionRequest:
    """The assigned reviewer asks for a later review date (None: the date was unreadable)."""
    with db.write() as session:
        assignment = load_assignment(session, assignment_id)
        require_assigned_reviewer(actor, assignment.reviewer_id)  # before looking at the form
        submission = load_submission(session, assignment.submission_id)
        if not can_score(assignment.state):  # a review date to move
            raise IllegalTransition(f"this review is {assignment.state}; its date cannot move")
        require_current_round(submission, assignment)
        current = assignment.review_by
        text = reason.strip()
        _check_proposal(proposed, current, text, today)
        assert proposed is not None
        if pending_request(session, assignment_id) is not None:
            raise Conflict("you already asked for more time; the QA office has not answered yet")
        request = ExtensionRequest(
            assignment_id=assignment_id,
            requested_by=actor.user_id or 0,
            current_due=current,
            proposed_due=proposed,
            reason=text,
        )
        session.add(request)
        session.flush()
        record(
            session,
            actor,
            "extension.requested",
            entity_type="assignment",
            entity_id=assignment_id,
            submission_id=submission.id,
            after={"request": request.id, "from": _iso(current), "to": proposed.isoformat()},
        )
        for officer in people_with_role(session, Role.OFFICER):
            notify(
                session,
                f"extension:{request.id}:officer:{officer.id}",
                officer,
                f"More time asked: {submission.title}",
                f"{actor.label} asks to submit the review of '{submission.title}' by "
                f"{proposed.isoformat()} instead of {_iso(current)}: {text}",
                submission_id=submission.id,
            )
        session.commit()
        return request


def _check_proposal(proposed: date | None, current: date | None, reason: str, today: date) -> None:
    if proposed is None:
        raise InvalidInput(
            "submit by (the new due date): choose the date you need in the calendar",
            field="due",
        )
    if len(reason) < MIN_REASON:
        raise InvalidInput(
            "reason: say why you need more time (the QA office reads it)", field="reason"
        )
    if current is not None and proposed <= current:
        raise InvalidInput(
            f"submit by (the new due date): choose a date after the current one "
            f"({current.isoformat()})",
            field="due",
        )
    if proposed <= today:
        raise InvalidInput(
            f"submit by (the new due date): choose a date after today ({today.isoformat()})",
            field="due",
        )
    if proposed > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(
            f"submit by (the new due date): choose a date at most {MAX_DAYS_AHEAD} days ahead",
            field="due",
        )


def decide_extension(
    db: Database,
    actor: Actor,
    request_id: int,
    *,
    approve: bool,
    note: str,
    today: date,
) -> ExtensionRequest:
    """Approve (the date moves to the proposed one) or decline with a note for the reviewer."""
    require_officer(actor)
    text = note.strip()
    if not approve and len(text) < MIN_REASON:
        raise InvalidInput(
            "note for the reviewer: say why the request is declined (the reviewer is told)",
            field="note",
        )
    with db.write() as session:
        request = session.get(ExtensionRequest, request_id)
        if request is None:
            raise NotFound(f"extension request {request_id} does not exist")
        if request.status != ExtensionStatus.PENDING:
            raise Conflict(f"this request was already {request.status}")
        assignment = load_assignment(session, request.assignment_id)
        if approve:
            move_due_date(
                session,
                actor,
                assignment,
                expected_version=assignment.version,
                new_date=request.proposed_due,
                reason=f"more time as you asked{': ' + text if text else ''}",
                today=today,
            )
        else:
            _tell_declined(session, assignment, request, text)
        status = answer_status(approve).value
        update_versioned(
            session,
            ExtensionRequest,
            request_id,
            request.version,
            {
                "status": status,
                "decided_by": actor.user_id,
                "decided_at": clock.now(session),
                "note": text or None,
            },
            what="this request",
        )
        record(
            session,
            actor,
            f"extension.{status}",
            entity_type="assignment",
            entity_id=assignment.id,
            submission_id=assignment.submission_id,
            before={"request": request_id, "status": ExtensionStatus.PENDING.value},
            after={"request": request_id, "status": status, "note": text or None},
        )
        session.commit()
        decided = session.get(ExtensionRequest, request_id)
        assert decided is not None
        return decided


def _tell_declined(
    session: Session, assignment: Assignment, request: ExtensionRequest, note: str
) -> None:
    submission = load_submission(session, assignment.submission_id)
    reviewer = session.get(User, assignment.reviewer_id)
    assert reviewer is not None
    notify(
        session,
        f"extension:{request.id}:declined",
        reviewer,
        f"More time not granted: {submission.title}",
        f"The QA office cannot move the date of your review of '{submission.title}' to "
        f"{request.proposed_due.isoformat()}: {note}. It stays {_iso(assignment.review_by)}.",
        submission_id=submission.id,
    )


def _iso(value: date | None) -> str:
    return value.isoformat() if value else "not set"

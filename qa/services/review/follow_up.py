"""Following up a reviewer from the panel: remind now, or move a due date with a reason.

Both act on an open assignment (invited, accepted or overdue) of the round in peer review,
write an audit entry and tell the reviewer. The deadline that matters is the answer date
while the invitation is open and the review date once it is accepted.

A new review date lifts an overdue mark (the reminders start afresh for the new date: the
deadline keys include the due date). Moving the answer date of an open invitation moves the
review date by as many days, so the reviewer keeps the same time to review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.assignments import AssignmentEvent, awaits_answer, is_open
from qa.domain.errors import Conflict, IllegalTransition, InvalidInput
from qa.domain.policy import require_officer
from qa.persistence.db import Database
from qa.persistence.models import Assignment, User
from qa.services.people.notifications import notify
from qa.services.review.assignment_moves import move_assignment
from qa.services.review.assignments import MIN_REASON, load_assignment, require_current_round
from qa.services.submissions.lifecycle import load_submission

#: The furthest a due date may be moved ahead (a review that needs longer is re-planned).
MAX_DAYS_AHEAD = 180


@dataclass(frozen=True)
class Deadline:
    """The date an open assignment waits for, and what it waits for in words."""

    field: str  # respond_by | review_by
    due: date | None
    what: str


def deadline_of(assignment: Assignment) -> Deadline:
    if awaits_answer(assignment.state):
        return Deadline("respond_by", assignment.respond_by, "answer the invitation")
    return Deadline("review_by", assignment.review_by, "submit the review")


def remind_now(db: Database, actor: Actor, assignment_id: int, *, now: datetime) -> Assignment:
    """Send the reviewer a reminder at once; at most one such reminder a day."""
    require_officer(actor)
    with db.write() as session:
        assignment = load_assignment(session, assignment_id)
        submission = load_submission(session, assignment.submission_id)
        _require_open(assignment)
        require_current_round(submission, assignment)
        deadline = deadline_of(assignment)
        reviewer = session.get(User, assignment.reviewer_id)
        assert reviewer is not None  # a foreign key
        due = f" by {deadline.due.isoformat()}" if deadline.due else ""
        sent = notify(
            session,
            f"remind-now:{assignment_id}:{db.clock.local(now).date().isoformat()}",
            reviewer,
            f"Reminder: {submission.title}",
            f"The QA office reminds you to {deadline.what} for '{submission.title}'{due}.",
            submission_id=submission.id,
        )
        if not sent:
            raise Conflict(f"{reviewer.display_name} was already reminded today")
        record(
            session,
            actor,
            "assignment.reminded",
            entity_type="assignment",
            entity_id=assignment_id,
            submission_id=submission.id,
            after={
                "deadline": deadline.field,
                "due": deadline.due.isoformat() if deadline.due else None,
            },
        )
        session.commit()
        return assignment


def change_due_date(
    db: Database,
    actor: Actor,
    assignment_id: int,
    *,
    expected_version: int,
    new_date: date,
    reason: str,
    today: date,
) -> Assignment:
    """Move the date the assignment waits for (an extension, or an earlier date)."""
    require_officer(actor)
    with db.write() as session:
        assignment = load_assignment(session, assignment_id)
        move_due_date(
            session,
            actor,
            assignment,
            expected_version=expected_version,
            new_date=new_date,
            reason=reason,
            today=today,
        )
        session.commit()
        changed = session.get(Assignment, assignment_id)
        assert changed is not None
        return changed


def move_due_date(
    session: Session,
    actor: Actor,
    assignment: Assignment,
    *,
    expected_version: int,
    new_date: date,
    reason: str,
    today: date,
) -> None:
    """`change_due_date` inside the caller's transaction (an approved extension uses it)."""
    text = reason.strip()
    if len(text) < MIN_REASON:
        raise InvalidInput(
            "reason: say why the date changes (the reviewer is told)", field="reason"
        )
    if new_date < today:
        raise InvalidInput(
            f"new due date: choose today ({today.isoformat()}) or a later date", field="due"
        )
    if new_date > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(
            f"new due date: choose a date at most {MAX_DAYS_AHEAD} days ahead", field="due"
        )
    assert assignment.id is not None
    submission = load_submission(session, assignment.submission_id)
    _require_open(assignment)
    require_current_round(submission, assignment)
    deadline = deadline_of(assignment)
    if deadline.due == new_date:
        raise InvalidInput(f"the date is already {new_date.isoformat()}")
    values: dict[str, object] = {deadline.field: new_date}
    if deadline.field == "respond_by" and deadline.due and assignment.review_by:
        values["review_by"] = assignment.review_by + (new_date - deadline.due)
    version = move_assignment(  # a new date lifts an overdue mark
        session,
        actor,
        assignment,
        AssignmentEvent.EXTEND,
        expected_version=expected_version,
        values=values,
    )
    reviewer = session.get(User, assignment.reviewer_id)
    assert reviewer is not None
    notify(
        session,
        f"due-date:{assignment.id}:v{version}",
        reviewer,
        f"New date: {submission.title}",
        f"The QA office changed the date to {deadline.what} for '{submission.title}' "
        f"to {new_date.isoformat()}: {text}.",
        submission_id=submission.id,
    )


def _require_open(assignment: Assignment) -> None:
    if not is_open(assignment.state):
        raise IllegalTransition(
            f"this assignment is {assignment.state}; only an open invitation or review has a "
            "date to follow up"
        )

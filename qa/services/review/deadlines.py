"""The deadlines run: reminders, overdue marks, escalations and expired invitations.

`due_actions` (pure, in the domain) says what is due; this service applies it in one write
transaction. A run is idempotent: every message has a unique key and every state change
checks the state it changes from, so running it hourly, twice, or after a crash repeats
nothing. Only assignments of the current round of a submission still in peer review are
considered: once peer review has closed, nobody is reminded of a review that can no longer be
submitted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from qa.domain.actor import Actor
from qa.domain.assignments import OPEN, AssignmentEvent
from qa.domain.deadlines import (
    ActionKind,
    AssignmentDeadlines,
    DeadlineAction,
    DeadlineKind,
    DeadlinePolicy,
    due_actions,
)
from qa.domain.enums import Role, Stage
from qa.domain.errors import Conflict, IllegalTransition
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Submission, User
from qa.services.people.notifications import notify, people_with_role
from qa.services.review.assignment_moves import move_assignment


@dataclass(frozen=True)
class DeadlineRun:
    """What one run changed; a second run on the same day returns all zeros."""

    reminded: int = 0
    marked_overdue: int = 0
    escalated: int = 0
    expired: int = 0
    keys: list[str] = field(default_factory=list)  # the actions applied, in order


@dataclass(frozen=True)
class _Open:
    """One open assignment as loaded at the start of the run."""

    deadlines: AssignmentDeadlines
    version: int
    title: str
    assignment: Assignment


def apply_deadlines(
    db: Database,
    *,
    today: date,
    policy: DeadlinePolicy | None = None,
    actor: Actor | None = None,
) -> DeadlineRun:
    """Apply every deadline action due on or before `today`; return what was done."""
    actor = actor or Actor.system("deadlines")
    done: Counter[ActionKind] = Counter()
    keys: list[str] = []
    with db.write() as session:
        loaded = _open_assignments(session)
        actions = due_actions(
            [item.deadlines for item in loaded.values()],
            today=today,
            policy=policy or DeadlinePolicy(),
        )
        for action in actions:
            if _apply(session, actor, action, loaded[action.assignment_id]):
                done[action.kind] += 1
                keys.append(action.key)
        session.commit()
    return DeadlineRun(
        reminded=done[ActionKind.REMIND],
        marked_overdue=done[ActionKind.MARK_OVERDUE],
        escalated=done[ActionKind.ESCALATE],
        expired=done[ActionKind.EXPIRE],
        keys=keys,
    )


def _open_assignments(session: Session) -> dict[int, _Open]:
    rows = session.exec(
        select(Assignment, Submission.title)
        .join(Submission, col(Submission.id) == col(Assignment.submission_id))
        .where(
            col(Assignment.state).in_(OPEN),
            Submission.stage == Stage.PEER_REVIEW.value,
            col(Assignment.round_number) == col(Submission.current_round),
        )
        .order_by(col(Assignment.id))
    ).all()
    loaded: dict[int, _Open] = {}
    for assignment, title in rows:
        assert assignment.id is not None
        deadlines = AssignmentDeadlines(
            assignment_id=assignment.id,
            submission_id=assignment.submission_id,
            reviewer_id=assignment.reviewer_id,
            state=assignment.state,
            respond_by=assignment.respond_by,
            review_by=assignment.review_by,
        )
        loaded[assignment.id] = _Open(deadlines, assignment.version, title, assignment)
    return loaded


def _apply(session: Session, actor: Actor, action: DeadlineAction, item: _Open) -> bool:
    """Apply one action; False when it was applied before (or no longer applies)."""
    reviewer = session.get(User, action.reviewer_id)
    assert reviewer is not None  # a foreign key
    if action.kind is ActionKind.REMIND:
        return _remind(session, action, item, reviewer)
    if action.kind is ActionKind.MARK_OVERDUE:
        return _mark_overdue(session, actor, action, item, reviewer)
    if action.kind is ActionKind.ESCALATE:
        return _escalate(session, action, item, reviewer)
    return _expire(session, actor, action, item, reviewer)


def _remind(session: Session, action: DeadlineAction, item: _Open, reviewer: User) -> bool:
    what = (
        "please answer the invitation to review"
        if action.deadline is DeadlineKind.RESPOND
        else "your review of"
    )
    subject = f"Reminder: {what} '{item.title}'"
    return notify(
        session, action.key, reviewer, subject, action.message, submission_id=action.submission_id
    )


def _mark_overdue(
    session: Session, actor: Actor, action: DeadlineAction, item: _Open, reviewer: User
) -> bool:
    if not _move(session, actor, item, AssignmentEvent.MARK_OVERDUE):
        return False
    days = action.days_from_due
    subject = f"Overdue: your review of '{item.title}'"
    body = (
        f"Your review of '{item.title}' is {days} day{'' if days == 1 else 's'} overdue (it "
        f"was due on {action.due.isoformat()}). You can still score and submit it; please do "
        "so as soon as you can."
    )
    key = action.notice_key or action.key  # in place of the reminder due today
    notify(session, key, reviewer, subject, body, submission_id=action.submission_id)
    return True


def _escalate(session: Session, action: DeadlineAction, item: _Open, reviewer: User) -> bool:
    subject = f"{item.title}: review by {reviewer.display_name} overdue"
    body = (
        f"{action.message}\n\nSubmission: {item.title}\n"
        f"Reviewer: {reviewer.display_name} <{reviewer.email}>"
    )
    sid = action.submission_id
    sent = [
        notify(session, f"{action.key}:officer:{o.id}", o, subject, body, submission_id=sid)
        for o in people_with_role(session, Role.OFFICER)
    ]
    return any(sent)  # False with no active officer: the next run tries again


def _expire(
    session: Session, actor: Actor, action: DeadlineAction, item: _Open, reviewer: User
) -> bool:
    reason = f"No answer by {action.due.isoformat()}"
    if not _move(session, actor, item, AssignmentEvent.EXPIRE, {"decline_reason": reason}):
        return False
    subject = f"Invitation expired: review of '{item.title}'"
    body = (
        f"Your invitation to review '{item.title}' was not answered by "
        f"{action.due.isoformat()} and has expired. No action is needed; thank you."
    )
    notify(session, action.key, reviewer, subject, body, submission_id=action.submission_id)
    return True


def _move(
    session: Session,
    actor: Actor,
    item: _Open,
    event: AssignmentEvent,
    values: dict[str, Any] | None = None,
) -> bool:
    """Move the assignment as loaded at the start of the run; False when the reviewer
    answered or submitted since (the row's version or state no longer matches)."""
    if item.deadlines.state != item.assignment.state:
        return False
    try:
        move_assignment(
            session, actor, item.assignment, event, expected_version=item.version, values=values
        )
    except (Conflict, IllegalTransition):
        return False
    return True

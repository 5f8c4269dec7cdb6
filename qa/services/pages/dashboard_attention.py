"""What needs the officer's attention across the pipeline: late reviews, late conditions, load.

Each list is one aggregate query (plus a count), capped at `LATE_LIST` rows, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy import select as sql_select
from sqlmodel import Session, col

from qa.domain.assignments import SCORING, awaits_answer
from qa.domain.assignments import AssignmentState as S
from qa.domain.conditions import OUTSTANDING
from qa.domain.enums import Role, Stage
from qa.domain.review_settings import ReviewSettings
from qa.persistence.models import Assignment, Condition, Decision, Submission, User, UserRole

LATE_LIST = 10


@dataclass(frozen=True)
class LateReview:
    assignment_id: int
    submission_id: int
    title: str
    reviewer: str
    state: str
    deadline: str  # "answer" or "review"
    due: date
    days_late: int


@dataclass(frozen=True)
class LateCondition:
    condition_id: int
    submission_id: int
    title: str
    text: str
    owner: str
    due: date
    days_late: int


@dataclass(frozen=True)
class ReviewerLoad:
    user_id: int
    name: str
    panel_role: str | None
    invited: int
    accepted: int
    overdue: int
    submitted: int
    max_load: int

    @property
    def open(self) -> int:
        return self.invited + self.accepted + self.overdue

    @property
    def at_cap(self) -> bool:
        return self.open >= self.max_load


def late_review(today: date) -> ColumnElement[bool]:
    return or_(
        and_(col(Assignment.state) == S.INVITED, col(Assignment.respond_by) < today),
        and_(col(Assignment.state).in_(SCORING), col(Assignment.review_by) < today),
        col(Assignment.state) == S.OVERDUE,
    )


def current_peer_review() -> ColumnElement[bool]:
    return and_(
        col(Submission.id) == col(Assignment.submission_id),
        col(Submission.current_round) == col(Assignment.round_number),
        col(Submission.stage) == Stage.PEER_REVIEW.value,
    )


def late_condition(today: date) -> ColumnElement[bool]:
    return and_(col(Condition.status).in_(OUTSTANDING), col(Condition.due_date) < today)


def late_reviews(session: Session, today: date) -> tuple[list[LateReview], int]:
    late = late_review(today)
    base = (
        sql_select(func.count())
        .select_from(Assignment)
        .join(Submission, current_peer_review())
        .where(late)
    )
    count = int(session.execute(base).scalar_one())
    due = case(
        (col(Assignment.state) == S.INVITED, col(Assignment.respond_by)),
        else_=col(Assignment.review_by),
    )
    found = session.execute(
        sql_select(
            col(Assignment.id),
            col(Assignment.submission_id),
            col(Submission.title),
            col(User.display_name),
            col(Assignment.state),
            due,
        )
        .select_from(Assignment)
        .join(Submission, current_peer_review())
        .join(User, col(User.id) == col(Assignment.reviewer_id))
        .where(late)
        .order_by(due.asc(), col(Assignment.id))
        .limit(LATE_LIST)
    ).all()
    return [
        LateReview(
            int(aid),
            int(sid),
            str(title),
            str(name),
            str(state),
            "answer" if awaits_answer(str(state)) else "review",
            when,
            (today - when).days if when else 0,
        )
        for aid, sid, title, name, state, when in found
    ], count


def late_conditions(session: Session, today: date) -> tuple[list[LateCondition], int]:
    late = late_condition(today)
    joined = (
        sql_select(func.count())
        .select_from(Condition)
        .join(Decision, col(Decision.id) == col(Condition.decision_id))
        .where(late)
    )
    count = int(session.execute(joined).scalar_one())
    found = session.execute(
        sql_select(
            col(Condition.id),
            col(Decision.submission_id),
            col(Submission.title),
            col(Condition.text),
            col(Condition.owner),
            col(Condition.due_date),
        )
        .select_from(Condition)
        .join(Decision, col(Decision.id) == col(Condition.decision_id))
        .join(Submission, col(Submission.id) == col(Decision.submission_id))
        .where(late)
        .order_by(col(Condition.due_date), col(Condition.id))
        .limit(LATE_LIST)
    ).all()
    return [
        LateCondition(
            int(cid), int(sid), str(title), str(text), str(owner), due, (today - due).days
        )
        for cid, sid, title, text, owner, due in found
    ], count


def reviewer_loads(session: Session, settings: ReviewSettings) -> list[ReviewerLoad]:
    def count_if(state: str) -> Any:
        return func.coalesce(func.sum(case((col(Assignment.state) == state, 1), else_=0)), 0)

    found = session.execute(
        sql_select(
            col(User.id),
            col(User.display_name),
            col(User.panel_role),
            count_if(S.INVITED),
            count_if(S.ACCEPTED),
            count_if(S.OVERDUE),
            count_if(S.SUBMITTED),
        )
        .join(UserRole, col(UserRole.user_id) == col(User.id))
        .outerjoin(Assignment, col(Assignment.reviewer_id) == col(User.id))
        .where(col(UserRole.role) == Role.REVIEWER.value, col(User.is_active))
        .group_by(col(User.id), col(User.display_name), col(User.panel_role))
    ).all()
    loads = [
        ReviewerLoad(
            int(uid),
            str(name),
            role,
            int(invited),
            int(accepted),
            int(overdue),
            int(submitted),
            settings.max_load,
        )
        for uid, name, role, invited, accepted, overdue, submitted in found
    ]
    return sorted(loads, key=lambda load: (-load.open, -load.overdue, load.name))

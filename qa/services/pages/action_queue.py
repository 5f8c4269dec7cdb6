"""What waits for a QA officer: the "Needs your action" queue at the top of the pipeline.

Files whose stage waits for the office (screening, moderation, sign-off), reviewers'
requests for more time, and what is overdue. Two aggregate queries however many files.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlmodel import col

from qa.domain.actor import Actor
from qa.domain.enums import Stage
from qa.domain.extension_requests import ExtensionStatus
from qa.domain.policy import require_officer
from qa.persistence.db import Database
from qa.persistence.models import Assignment, ExtensionRequest, Submission, User

#: Stages that wait for the office, in the order the queue lists them, with the action.
OFFICE_STAGES: tuple[tuple[Stage, str], ...] = (
    (Stage.SCREENING, "to screen"),
    (Stage.MODERATION, "to moderate"),
    (Stage.SIGN_OFF, "to sign off"),
)
SHOWN = 5  # extension requests listed by name; the rest are counted


@dataclass(frozen=True)
class StageWaiting:
    stage: str
    action: str
    count: int


@dataclass(frozen=True)
class TimeRequest:
    """A reviewer's pending request for a later review date."""

    submission_id: int
    title: str
    reviewer: str
    proposed: str


@dataclass(frozen=True)
class ActionQueue:
    stages: tuple[StageWaiting, ...]
    requests: tuple[TimeRequest, ...]
    request_count: int

    @property
    def empty(self) -> bool:
        return not self.request_count and not any(s.count for s in self.stages)


def action_queue(db: Database, actor: Actor) -> ActionQueue:
    require_officer(actor)
    stages = [s for s, _ in OFFICE_STAGES]
    with db.session() as session:
        counts = dict(
            session.execute(
                sql_select(col(Submission.stage), func.count())
                .where(col(Submission.stage).in_(stages))
                .group_by(col(Submission.stage))
            ).all()
        )
        rows = session.execute(
            sql_select(
                col(Submission.id),
                col(Submission.title),
                col(User.display_name),
                col(ExtensionRequest.proposed_due),
                func.count().over(),
            )
            .select_from(ExtensionRequest)
            .join(Assignment, col(Assignment.id) == col(ExtensionRequest.assignment_id))
            .join(Submission, col(Submission.id) == col(Assignment.submission_id))
            .join(User, col(User.id) == col(Assignment.reviewer_id))
            .where(col(ExtensionRequest.status) == ExtensionStatus.PENDING.value)
            .order_by(col(ExtensionRequest.requested_at), col(ExtensionRequest.id))
            .limit(SHOWN)
        ).all()
    return ActionQueue(
        stages=tuple(
            StageWaiting(stage.value, action, int(counts.get(stage.value, 0)))
            for stage, action in OFFICE_STAGES
        ),
        requests=tuple(
            TimeRequest(int(sid), str(title), str(name), due.isoformat())
            for sid, title, name, due, _ in rows
        ),
        request_count=int(rows[0][4]) if rows else 0,
    )

"""Moving a submission between stages: the one place a stage changes.

Each move checks the transition table, compares-and-sets the submission's version, and in the
same transaction writes the stage history row, an audit entry and an outbox row for routing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists
from sqlmodel import Session, col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.assignments import ENDED
from qa.domain.enums import Stage
from qa.domain.errors import Conflict, NotFound
from qa.domain.policy import SubmissionFacts
from qa.domain.stages import Action, plan_transition
from qa.persistence import clock
from qa.persistence.locking import update_versioned
from qa.persistence.models import Assignment, StageChange, Submission
from qa.persistence.outbox import enqueue


def load_submission(session: Session, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"submission {submission_id} does not exist")
    return submission


def submission_facts(session: Session, submission: Submission) -> SubmissionFacts:
    assert submission.id is not None
    reviewers = session.exec(
        select(Assignment.reviewer_id).where(
            Assignment.submission_id == submission.id,
            col(Assignment.state).not_in(ENDED),
        )
    ).all()
    return SubmissionFacts(submission.id, submission.institution_id, frozenset(reviewers))


def move(
    session: Session,
    actor: Actor,
    submission: Submission,
    action: Action,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    new_round: int | None = None,
) -> Submission:
    """Fire `action` on `submission` inside the caller's transaction; return it refreshed.

    `expected_version` is the version the user saw (defaults to the loaded one): a stale
    version raises `Conflict` and nothing is written.
    """
    assert submission.id is not None
    transition = plan_transition(Stage(submission.stage), action, actor.role_names)
    version = submission.version if expected_version is None else expected_version
    submission_id = submission.id
    source, old_round = submission.stage, submission.current_round  # before expire_all()
    round_number = new_round or old_round
    now = clock.now(session)
    update_versioned(
        session,
        Submission,
        submission.id,
        version,
        {
            "stage": transition.target.value,
            "current_round": round_number,
            "updated_at": now,
            "stage_entered_at": now,
        },
        what=f"submission {submission.id}",
    )
    key = f"{submission_id}:v{version}:{source}->{transition.target.value}"
    session.add(
        StageChange(
            submission_id=submission_id,
            round_number=round_number,
            from_stage=source,
            to_stage=transition.target.value,
            transition_key=key,
            actor_id=actor.user_id,
            reason=reason,
            at=now,
        )
    )
    before = {"stage": source, "round": old_round}
    after: dict[str, Any] = {"stage": transition.target.value, "round": round_number}
    if reason:
        after["reason"] = reason
    record(
        session,
        actor,
        f"submission.{action.value}",
        entity_type="submission",
        entity_id=submission_id,
        submission_id=submission_id,
        before=before,
        after=after | (details or {}),
    )
    enqueue(
        session,
        "submission.stage_changed",
        submission_id=submission_id,
        payload={"from": source, "to": transition.target.value, "round": round_number},
        dedupe_key=key,
    )
    return load_submission(session, submission_id)


def stage_history(session: Session, submission_id: int) -> list[StageChange]:
    return list(
        session.exec(
            select(StageChange)
            .where(StageChange.submission_id == submission_id)
            .order_by(col(StageChange.id))
        )
    )


def require_stage(session: Session, submission_id: int, stage: Stage) -> Submission:
    """The submission, if it is still in `stage`; otherwise a conflict saying where it is."""
    submission = load_submission(session, submission_id)
    if submission.stage != stage:
        raise Conflict(
            f"submission {submission_id} is {submission.stage.replace('_', ' ')}, not "
            f"{stage.value.replace('_', ' ')}; reload to see what changed"
        )
    return submission


def is_deleted_draft_row(session: Session, submission: Submission) -> bool:
    """Whether this submission is a draft its provider deleted (see `deleted_draft`)."""
    if submission.stage != Stage.WITHDRAWN.value:
        return False
    last = session.exec(
        select(StageChange.from_stage)
        .where(StageChange.submission_id == submission.id)
        .order_by(col(StageChange.id).desc())
    ).first()
    return last == Stage.DRAFT.value


def deleted_draft() -> ColumnElement[bool]:
    """SQL: the submission is a draft its provider deleted (withdrawn straight from draft).

    Lists leave these out: a deleted draft was never sent for review, and only the audit
    trail (and its own status page) still shows it.
    """
    withdrawn_from_draft = exists().where(
        col(StageChange.submission_id) == col(Submission.id),
        col(StageChange.from_stage) == Stage.DRAFT.value,
        col(StageChange.to_stage) == Stage.WITHDRAWN.value,
    )
    return and_(col(Submission.stage) == Stage.WITHDRAWN.value, withdrawn_from_draft)

"""What each role sees on its home page (read-only queries, filtered by policy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.enums import Role, Stage
from qa.domain.stages import DECIDED_STAGES
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Institution, Submission
from qa.services.submissions.lifecycle import deleted_draft


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    title: str
    provider: str
    stage: str
    round: int
    eqf_level: int | None
    stage_entered_at: datetime


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    submission_id: int
    title: str
    state: str
    respond_by: str | None
    review_by: str | None


def visible_submissions(db: Database, actor: Actor, limit: int = 500) -> list[SubmissionRow]:
    """Officers and admins see every submitted file; providers their own, drafts too;
    agencies only decided files. Nobody's list shows a deleted draft."""
    query = (
        select(Submission, Institution.name)
        .join(Institution, col(Institution.id) == col(Submission.institution_id))
        .where(~deleted_draft())
        .order_by(col(Submission.stage_entered_at).desc())
        .limit(limit)
    )
    roles = actor.roles
    own = col(Submission.institution_id) == actor.institution_id
    if roles & {Role.OFFICER, Role.ADMIN}:  # a draft is its provider's alone
        not_draft = col(Submission.stage) != Stage.DRAFT.value
        query = query.where(or_(not_draft, own) if Role.PROVIDER in roles else not_draft)
    elif Role.PROVIDER in roles and actor.institution_id is not None:
        query = query.where(own)
    elif Role.AGENCY in roles:
        query = query.where(col(Submission.stage).in_([s.value for s in DECIDED_STAGES]))
    else:
        return []
    with db.session() as session:
        return [
            SubmissionRow(
                s.id or 0, s.title, name, s.stage, s.current_round, s.eqf_level, s.stage_entered_at
            )
            for s, name in session.exec(query)
        ]


def my_assignments(db: Database, actor: Actor) -> list[AssignmentRow]:
    if actor.user_id is None or Role.REVIEWER not in actor.roles:
        return []
    with db.session() as session:
        rows = session.exec(
            select(Assignment, Submission.title)
            .join(Submission, col(Submission.id) == col(Assignment.submission_id))
            .where(Assignment.reviewer_id == actor.user_id)
            .order_by(col(Assignment.id).desc())
        ).all()
    return [
        AssignmentRow(
            a.id or 0,
            a.submission_id,
            title,
            a.state,
            a.respond_by.isoformat() if a.respond_by else None,
            a.review_by.isoformat() if a.review_by else None,
        )
        for a, title in rows
    ]

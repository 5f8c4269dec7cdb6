"""Rubric versions, score sheets (self, peer, consensus), assignments, decisions, conditions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Field, SQLModel, UniqueConstraint

from qa.persistence.models.columns import (
    json_field,
    json_nullable,
    now_field,
    timestamp,
    version_field,
)


class RubricVersion(SQLModel, table=True):
    """An immutable rubric, identified by the SHA-256 of its canonical content."""

    __tablename__ = "rubric_version"

    id: int | None = Field(default=None, primary_key=True)
    rubric_key: str = Field(max_length=100, index=True)
    version: str = Field(max_length=32)
    title: str = Field(max_length=255)
    content_hash: str = Field(max_length=64, unique=True)
    content: dict[str, Any] = json_field(dict)
    criteria_count: int
    source: str = Field(max_length=255)
    created_at: datetime = now_field()


class Assignment(SQLModel, table=True):
    """A reviewer's invitation to review one round of one submission."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("submission_id", "round_number", "reviewer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    round_number: int
    reviewer_id: int = Field(foreign_key="user_account.id", index=True)
    #: invited | accepted | declined | submitted | overdue | cancelled
    state: str = Field(default="invited", max_length=16, index=True)
    panel_role: str | None = Field(default=None, max_length=32)
    invited_by: int | None = Field(default=None, foreign_key="user_account.id")
    invited_at: datetime = now_field()
    respond_by: date | None = Field(default=None)
    review_by: date | None = Field(default=None)
    responded_at: datetime | None = timestamp()
    decline_reason: str | None = Field(default=None)
    #: not_asked | none | declared — "declared none" is never stored like "never asked".
    coi_status: str = Field(default="not_asked", max_length=16)
    coi_text: str | None = Field(default=None)
    coi_answered_at: datetime | None = timestamp()
    submitted_at: datetime | None = timestamp()
    version: int = version_field()


class Scoresheet(SQLModel, table=True):
    """One rater's scores for one round: the provider's self-assessment, a peer review or the
    moderated consensus. Submitted sheets are immutable; a correction is a new revision."""

    __tablename__ = "scoresheet"
    __table_args__ = (UniqueConstraint("submission_id", "round_number", "rater_key", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    round_number: int
    kind: str = Field(max_length=16)  # self | peer | consensus
    #: "self", "consensus" or "peer:<assignment id>": never NULL, so uniqueness holds.
    rater_key: str = Field(max_length=32)
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    rubric_version_id: int = Field(foreign_key="rubric_version.id")
    status: str = Field(default="open", max_length=16)  # open | submitted | superseded
    recommendation: str | None = Field(default=None, max_length=32)
    summary: str | None = Field(default=None)
    revision: int = Field(default=1)
    supersedes_id: int | None = Field(default=None, foreign_key="scoresheet.id")
    correction_reason: str | None = Field(default=None)
    created_at: datetime = now_field()
    submitted_at: datetime | None = timestamp()
    submitted_by: int | None = Field(default=None, foreign_key="user_account.id")
    version: int = version_field()


class Score(SQLModel, table=True):
    """One criterion on one score sheet: 0–3, or cannot judge (stored as a NULL level)."""

    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("scoresheet_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    scoresheet_id: int = Field(foreign_key="scoresheet.id", index=True)
    criterion_id: str = Field(max_length=16)
    level: int | None = Field(default=None)
    cannot_judge: bool = Field(default=False)
    comment: str | None = Field(default=None)
    evidence_refs: list[str] = json_field(list)
    no_evidence_reason: str | None = Field(default=None)
    updated_at: datetime = now_field()
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")


class Decision(SQLModel, table=True):
    """A signed decision; immutable once signed, corrected by a new revision with a reason."""

    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("submission_id", "round_number", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    round_number: int
    decision: str = Field(max_length=32)
    recommended_decision: str | None = Field(default=None, max_length=32)
    rationale: str | None = Field(default=None)
    aggregates: dict[str, Any] | None = json_nullable()
    signed_by: int = Field(foreign_key="user_account.id")
    signed_at: datetime = now_field()
    valid_from: date | None = Field(default=None)
    valid_to: date | None = Field(default=None)
    revision: int = Field(default=1)
    supersedes_id: int | None = Field(default=None, foreign_key="decision.id")
    correction_reason: str | None = Field(default=None)


class Condition(SQLModel, table=True):
    __tablename__ = "condition"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    text: str
    owner: str = Field(max_length=200)
    due_date: date
    status: str = Field(default="open", max_length=16)  # open | met | overdue | waived
    met_at: datetime | None = timestamp()
    met_by: int | None = Field(default=None, foreign_key="user_account.id")
    evidence: str | None = Field(default=None)
    version: int = version_field()

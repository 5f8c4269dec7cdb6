"""Submissions (one micro-credential under review), their rounds, descriptors and stage history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel, UniqueConstraint

from qa.persistence.models.columns import (
    json_field,
    json_nullable,
    now_field,
    timestamp,
    version_field,
)


class Submission(SQLModel, table=True):
    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("institution_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    #: The provider's own code; the key of catalogue re-imports.
    external_id: str | None = Field(default=None, max_length=64)
    title: str = Field(max_length=255)  # denormalised from the current descriptor for lists
    eqf_level: int | None = Field(default=None)
    stage: str = Field(default="draft", max_length=32, index=True)
    current_round: int = Field(default=1)
    #: The rubric this submission is reviewed against (pinned when it leaves draft).
    rubric_version_id: int | None = Field(default=None, foreign_key="rubric_version.id")
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    stage_entered_at: datetime = now_field()
    version: int = version_field()


class SubmissionRound(SQLModel, table=True):
    """Round n of a review; revise-and-resubmit opens n+1 and earlier rounds become read-only."""

    __tablename__ = "submission_round"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    number: int
    opened_at: datetime = now_field()
    closed_at: datetime | None = timestamp()
    outcome: str | None = Field(default=None, max_length=32)
    #: The scoring rules' result when the reviews came in (numbers an auditor can recheck).
    aggregates: dict[str, Any] | None = json_nullable()


class DescriptorVersion(SQLModel, table=True):
    """The Annex I descriptor as validated; one current row per round (drafts edit it)."""

    __tablename__ = "descriptor_version"
    __table_args__ = (UniqueConstraint("submission_id", "round_number"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    round_number: int
    data: dict[str, Any] = json_field(dict)
    content_hash: str = Field(max_length=64)
    warnings: list[dict[str, str]] = json_field(list)
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")


class StageChange(SQLModel, table=True):
    """One row per stage transition; `transition_key` makes replays no-ops."""

    __tablename__ = "stage_change"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    round_number: int
    from_stage: str | None = Field(default=None, max_length=32)
    to_stage: str = Field(max_length=32)
    transition_key: str = Field(max_length=128, unique=True)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    reason: str | None = Field(default=None)
    at: datetime = now_field()

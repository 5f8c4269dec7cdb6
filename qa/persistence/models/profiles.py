"""Reviewer profiles (what the assignment solver needs) and conflicts of interest."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from qa.persistence.models.columns import json_field, now_field, timestamp, version_field


class ReviewerProfile(SQLModel, table=True):
    """One per reviewer. ISCED-F expertise and panel role stay on `user_account`."""

    __tablename__ = "reviewer_profile"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", unique=True)
    eqf_levels: list[int] = json_field(list)
    languages: list[str] = json_field(list)  # BCP 47 tags
    institution: str | None = Field(default=None, max_length=255)
    former_institutions: list[str] = json_field(list)
    statement: str = Field(default="")
    max_load: int | None = Field(default=None)  # None: the office's default
    #: [[start, end], ...] as ISO dates, inclusive
    unavailable: list[list[str]] = json_field(list)
    updated_at: datetime = now_field()
    version: int = version_field()


class ReviewerConflict(SQLModel, table=True):
    """A conflict between a reviewer and a provider (or one submission).

    kind `hard`: excluded from assignment. kind `potential`: found by a heuristic, waiting
    for an officer to confirm (it becomes hard) or dismiss (with a reason)."""

    __tablename__ = "reviewer_conflict"

    id: int | None = Field(default=None, primary_key=True)
    reviewer_id: int = Field(foreign_key="user_account.id", index=True)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    kind: str = Field(max_length=16)  # hard | potential
    #: same_institution | declared | recorded | co_designed | email_domain |
    #: institution_name | former_institution
    conflict_type: str = Field(max_length=32)
    reason: str
    #: active (hard) | pending | confirmed | dismissed
    status: str = Field(max_length=16, index=True)
    recorded_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = now_field()
    decided_by: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = timestamp()
    decision_reason: str | None = Field(default=None)
    version: int = version_field()

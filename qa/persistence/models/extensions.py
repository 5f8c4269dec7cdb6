"""A reviewer's request for more time, and the QA officer's answer."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from qa.persistence.models.columns import now_field, timestamp, version_field


class ExtensionRequest(SQLModel, table=True):
    """The reviewer proposes a later review date with a reason; an officer approves (the
    date moves) or declines (with a note). One pending request per assignment at a time."""

    __tablename__ = "extension_request"

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    requested_by: int = Field(foreign_key="user_account.id")
    requested_at: datetime = now_field()
    current_due: date | None = Field(default=None)
    proposed_due: date
    reason: str
    #: pending | approved | declined
    status: str = Field(default="pending", max_length=16, index=True)
    decided_by: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = timestamp()
    note: str | None = Field(default=None)
    version: int = version_field()

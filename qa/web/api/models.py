"""Request and response bodies of `/api/v1` (pydantic: the OpenAPI schemas come from these).

Response models are built from the same view models the pages render (`StatusPage`,
`DecidedRow`, `PipelineRow`, ...), after the same pseudonymisation (`for_outsiders`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qa.domain import bounds

Cell = str | int | float | None


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Me(Out):
    id: int
    display_name: str
    roles: list[str]
    institution_id: int | None


class InstitutionOut(Out):
    id: int
    code: str
    name: str
    country: str
    kind: str
    deqar_id: str | None


class InstitutionPage(Out):
    items: list[InstitutionOut]
    next_cursor: str | None


class SubmissionSummary(Out):
    id: int
    title: str
    provider: str
    stage: str
    round: int
    eqf_level: int | None
    stage_entered_at: datetime


class SubmissionPage(Out):
    items: list[SubmissionSummary]
    next_cursor: str | None


class AssignmentOut(Out):
    id: int
    submission_id: int
    title: str
    state: str
    respond_by: date | None
    review_by: date | None


class AssignmentPage(Out):
    items: list[AssignmentOut]
    next_cursor: str | None


class HistoryOut(Out):
    at: datetime
    round: int
    from_stage: str | None
    to_stage: str
    to_name: str
    event: str
    who: str
    reason: str | None


class NextStepOut(Out):
    holder: str
    text: str


class ConditionOut(Out):
    text: str
    owner: str
    due_date: date
    status: str
    evidence: str | None


class DecisionOut(Out):
    round: int
    decision: str
    decision_words: str
    recommended: str | None
    rationale: str | None
    signed_at: datetime
    signed_by: str
    valid_from: date | None
    valid_to: date | None
    conditions: list[ConditionOut]
    overall_mean: float | None
    reasons: list[str]
    deqar: dict[str, Cell] | None = Field(
        description="The round's row of the audit pack's DEQAR sheet (column: value), or "
        "null when DEQAR does not take it (revise and resubmit, EQF level below 5)."
    )


class DescriptorRowOut(Out):
    label: str
    values: list[str]


class SubmissionOut(Out):
    id: int
    title: str
    external_id: str | None
    provider: str
    stage: str
    stage_name: str
    round: int
    version: int = Field(description="The row version; the ETag is this number in quotes.")
    updated_at: datetime
    descriptor: list[DescriptorRowOut]
    warnings: list[str]
    history: list[HistoryOut]
    next_step: NextStepOut | None
    decisions: list[DecisionOut]
    can_edit: bool
    can_submit: bool
    can_withdraw: bool


class DecisionList(Out):
    submission_id: int
    decisions: list[DecisionOut]


class DecidedOut(Out):
    submission_id: int
    round: int
    title: str
    provider: str
    eqf_level: int | None
    decided_on: date
    decision: str
    label: str
    valid_from: date | None
    valid_to: date | None


class DecidedPage(Out):
    items: list[DecidedOut]
    next_cursor: str | None


class PackIn(BaseModel):
    """The same fields as the agency page's pack form."""

    model_config = ConfigDict(extra="forbid")

    date_from: date = Field(description="First day of the period (decisions signed on it).")
    date_to: date = Field(description="Last day of the period.")
    provider: str | None = Field(default=None, max_length=64)
    decision: str | None = Field(default=None, max_length=32)
    reveal_reviewers: bool = Field(default=False, description="Staff only: names, not pseudonyms.")


class PackOut(Out):
    id: int
    status: str
    filter: dict[str, Any]
    reveal_reviewers: bool
    requested_at: datetime
    finished_at: datetime | None
    progress_done: int
    progress_total: int
    size_bytes: int | None
    sha256: str | None
    error: str | None
    download: str | None = Field(description="The download address once the pack is ready.")


class PackPage(Out):
    items: list[PackOut]
    next_cursor: str | None


class PipelineRowOut(Out):
    id: int
    title: str
    provider: str
    external_id: str | None
    stage: str
    round: int
    eqf_level: int | None
    days_in_stage: int
    stage_limit: int | None
    stale: bool
    open_reviews: int
    submitted_reviews: int
    late_reviews: int
    late_conditions: int


class PipelineOut(Out):
    stage_counts: dict[str, int]
    stale_count: int
    late_review_count: int
    late_condition_count: int
    items: list[PipelineRowOut]
    next_cursor: str | None


class TokenOut(Out):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


LIMIT_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
CURSOR_SCHEMA = {"type": "string", "maxLength": 200}
DATE_SCHEMA = {"type": "string", "format": "date"}
ID_MAX = bounds.MAX_INTEGER

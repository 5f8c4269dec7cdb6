"""The officer's workspace for one file: what it is, where it is, and what to do next.

Views build plain dataclasses; templates only show them. The sections that depend on the
stage (screening, panel, moderation, sign-off, decisions) are built only when they apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from qa.domain.actor import Actor
from qa.domain.assignments import ON_PANEL, SheetKind
from qa.domain.conditions import is_late, is_met, is_outstanding
from qa.domain.enums import Stage
from qa.domain.errors import NotFound
from qa.domain.policy import (
    is_qa_judge,
    require_draft_author,
    require_officer,
    sees_reviewer_names,
    stage_day_limit,
)
from qa.domain.review_settings import ReviewSettings
from qa.domain.rubric import Rubric
from qa.domain.scoring import Assessment, RaterScores, assess
from qa.persistence.db import Database
from qa.persistence.models import (
    Assignment,
    Condition,
    Decision,
    DescriptorVersion,
    Institution,
    StageChange,
    Submission,
    User,
)
from qa.services.pages.officer_panel import (
    AssignmentView,
    CandidateView,
    panel_assignments,
    panel_candidates,
)
from qa.services.pages.officer_review import (
    ModerationView,
    SignOffView,
    moderation_view,
    sign_off_view,
)
from qa.services.review.assessment import submitted_reviews
from qa.services.rubrics.scoresheets import current_sheet, levels_of, pinned_rubric, scores_of
from qa.services.submissions.lifecycle import (
    is_deleted_draft_row,
    load_submission,
    submission_facts,
)

NEXT_STEP = {
    Stage.DRAFT: "The provider is still writing the descriptor; nothing is needed from you yet.",
    Stage.SUBMITTED: "The automatic Annex I check runs now; nothing is needed from you yet.",
    Stage.SELF_ASSESSMENT: "The provider is completing the self-assessment; you screen it next.",
    Stage.SCREENING: (
        "You screen the file: pass it to peer review, or return it to the provider with reasons."
    ),
    Stage.PEER_REVIEW: (
        "The reviewers are scoring; you keep the panel full and the reviews on time."
    ),
    Stage.MODERATION: (
        "The reviewers disagree on some criteria; you agree a consensus score for each of them."
    ),
    Stage.SIGN_OFF: "An officer who did not review the file signs the decision.",
    Stage.APPROVED: "The file is approved; nothing more is needed.",
    Stage.APPROVED_WITH_CONDITIONS: (
        "The file is approved with conditions; you mark each condition met when the evidence is in."
    ),
    Stage.REJECTED: "The file is rejected; nothing more is needed.",
    Stage.REVISE_AND_RESUBMIT: "The provider revises the micro-credential and resubmits it.",
    Stage.WITHDRAWN: "The provider withdrew the file; nothing more is needed.",
}


@dataclass(frozen=True)
class FileHeader:
    id: int
    title: str
    provider: str
    external_id: str | None
    stage: str
    round: int
    version: int
    eqf_level: int | None
    days_in_stage: int
    stage_limit: int | None
    next_step: str

    @property
    def stale(self) -> bool:
        return self.stage_limit is not None and self.days_in_stage > self.stage_limit


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    from_stage: str | None
    to_stage: str
    who: str
    reason: str | None


@dataclass(frozen=True)
class SelfCriterion:
    id: str
    title: str
    principle: str
    must_pass: bool
    level: int | None
    cannot_judge: bool
    comment: str | None
    evidence: tuple[str, ...]
    no_evidence_reason: str | None


@dataclass(frozen=True)
class ScreeningView:
    """The provider's self-assessment as the screening officer needs it."""

    assessment: Assessment  # the rules applied to the self-scores alone
    criteria: list[SelfCriterion]
    without_evidence: tuple[str, ...]
    submitted_at: datetime | None


@dataclass(frozen=True)
class ConditionView:
    id: int
    text: str
    owner: str
    due_date: date
    status: str
    met_at: datetime | None
    evidence: str | None
    version: int
    late: bool
    met: bool
    outstanding: bool


@dataclass(frozen=True)
class DecisionView:
    id: int
    round: int
    decision: str
    recommended: str | None
    rationale: str | None
    signed_by: str
    signed_at: datetime
    valid_from: date | None
    valid_to: date | None
    revision: int
    conditions: list[ConditionView]


@dataclass(frozen=True)
class Workspace:
    header: FileHeader
    descriptor: dict[str, Any]
    warnings: list[dict[str, str]]
    history: list[HistoryItem]
    rubric: Rubric | None
    assignments: list[AssignmentView]
    candidates: list[CandidateView]
    required_reviews: int
    submitted_reviews: int
    screening: ScreeningView | None
    moderation: ModerationView | None
    sign_off: SignOffView | None
    decisions: list[DecisionView]
    #: The viewer may screen, moderate, decide and mark conditions met (an officer); an
    #: admin without the officer role sees the same file without those forms.
    judges: bool


def workspace(
    db: Database, actor: Actor, submission_id: int, *, now: datetime, settings: ReviewSettings
) -> Workspace:
    require_officer(actor)
    today = db.clock.local(now).date()  # the office's day, as deadlines count it
    with db.session() as session:
        submission = load_submission(session, submission_id)
        stage = Stage(submission.stage)
        if stage is Stage.DRAFT or is_deleted_draft_row(session, submission):
            require_draft_author(actor, submission_facts(session, submission))
        header = _header(session, submission, now)
        descriptor = session.exec(
            select(DescriptorVersion).where(
                DescriptorVersion.submission_id == submission_id,
                DescriptorVersion.round_number == submission.current_round,
            )
        ).first()
        rubric = pinned_rubric(session, submission)[1] if submission.rubric_version_id else None
        names = sees_reviewer_names(actor)
        assignments = panel_assignments(session, submission, today, names=names)
        data = descriptor.data if descriptor else {}
        candidates = (
            panel_candidates(session, submission, settings, data.get("field_of_study"))
            if stage is Stage.PEER_REVIEW
            else []
        )
        screening = (
            _screening(session, submission, rubric) if stage is Stage.SCREENING and rubric else None
        )
        moderation = (
            moderation_view(session, submission, rubric, assignments)
            if stage is Stage.MODERATION and rubric
            else None
        )
        signing = (
            sign_off_view(session, actor, submission, rubric, assignments, today=today)
            if stage is Stage.SIGN_OFF and rubric
            else None
        )
        return Workspace(
            header=header,
            descriptor=data,
            warnings=list(descriptor.warnings) if descriptor else [],
            history=_history(session, submission_id),
            rubric=rubric,
            assignments=assignments,
            candidates=candidates,
            required_reviews=settings.required_reviews,
            submitted_reviews=len(submitted_reviews(session, submission)),
            screening=screening,
            moderation=moderation,
            sign_off=signing,
            decisions=_decisions(session, submission_id, today),
            judges=is_qa_judge(actor),
        )


def submission_of_assignment(db: Database, assignment_id: int) -> int:
    with db.session() as session:
        found = session.exec(
            select(Assignment.submission_id).where(Assignment.id == assignment_id)
        ).first()
    if found is None:
        raise NotFound(f"assignment {assignment_id} does not exist")
    return found


def submission_of_condition(db: Database, condition_id: int) -> int:
    with db.session() as session:
        found = session.exec(
            select(Decision.submission_id)
            .join(Condition, col(Condition.decision_id) == col(Decision.id))
            .where(Condition.id == condition_id)
        ).first()
    if found is None:
        raise NotFound(f"condition {condition_id} does not exist")
    return found


def _header(session: Session, submission: Submission, now: datetime) -> FileHeader:
    assert submission.id is not None
    institution = session.get(Institution, submission.institution_id)
    return FileHeader(
        id=submission.id,
        title=submission.title,
        provider=institution.name if institution else "",
        external_id=submission.external_id,
        stage=submission.stage,
        round=submission.current_round,
        version=submission.version,
        eqf_level=submission.eqf_level,
        days_in_stage=(now - submission.stage_entered_at).days,
        stage_limit=stage_day_limit(submission.stage),
        next_step=NEXT_STEP[Stage(submission.stage)],
    )


def _history(session: Session, submission_id: int) -> list[HistoryItem]:
    rows = session.exec(
        select(StageChange, User.display_name)
        .outerjoin(User, col(User.id) == col(StageChange.actor_id))
        .where(StageChange.submission_id == submission_id)
        .order_by(col(StageChange.id).desc())
    ).all()
    return [
        HistoryItem(
            change.at, change.from_stage, change.to_stage, name or "the system", change.reason
        )
        for change, name in rows
    ]


def _screening(session: Session, submission: Submission, rubric: Rubric) -> ScreeningView:
    sheet = current_sheet(session, submission, SheetKind.SELF)
    scores = scores_of(session, sheet) if sheet else {}
    levels = levels_of(session, sheet) if sheet else {}
    criteria = []
    for criterion in rubric.criteria:
        score = scores.get(criterion.id)
        criteria.append(
            SelfCriterion(
                id=criterion.id,
                title=criterion.title,
                principle=criterion.principle,
                must_pass=criterion.must_pass,
                level=score.level if score else None,
                cannot_judge=bool(score and score.cannot_judge),
                comment=score.comment if score else None,
                evidence=tuple(score.evidence_refs) if score else (),
                no_evidence_reason=score.no_evidence_reason if score else None,
            )
        )
    return ScreeningView(
        assessment=assess(rubric, [RaterScores("self-assessment", levels)]),
        criteria=criteria,
        without_evidence=tuple(c.id for c in criteria if not c.evidence),
        submitted_at=sheet.submitted_at if sheet else None,
    )


def _decisions(session: Session, submission_id: int, today: date) -> list[DecisionView]:
    rows = session.exec(
        select(Decision, User.display_name)
        .join(User, col(User.id) == col(Decision.signed_by))
        .where(Decision.submission_id == submission_id)
        .order_by(col(Decision.id).desc())
    ).all()
    ids = [decision.id for decision, _ in rows]
    conditions: dict[int, list[ConditionView]] = {}
    for condition in session.exec(
        select(Condition).where(col(Condition.decision_id).in_(ids)).order_by(col(Condition.id))
    ):
        assert condition.id is not None
        conditions.setdefault(condition.decision_id, []).append(
            ConditionView(
                id=condition.id,
                text=condition.text,
                owner=condition.owner,
                due_date=condition.due_date,
                status=condition.status,
                met_at=condition.met_at,
                evidence=condition.evidence,
                version=condition.version,
                late=is_late(condition.status, condition.due_date, today),
                met=is_met(condition.status),
                outstanding=is_outstanding(condition.status),
            )
        )
    return [
        DecisionView(
            id=decision.id or 0,
            round=decision.round_number,
            decision=decision.decision,
            recommended=decision.recommended_decision,
            rationale=decision.rationale,
            signed_by=name,
            signed_at=decision.signed_at,
            valid_from=decision.valid_from,
            valid_to=decision.valid_to,
            revision=decision.revision,
            conditions=conditions.get(decision.id or 0, []),
        )
        for decision, name in rows
    ]


def panel_after(db: Database, submission_id: int, chosen: list[int]) -> int:
    """How many reviewers the current round's panel would have with `chosen` invited too
    (for the warning before inviting beyond the panel size)."""
    with db.session() as session:
        submission = load_submission(session, submission_id)
        on_panel = set(
            session.exec(
                select(Assignment.reviewer_id).where(
                    Assignment.submission_id == submission_id,
                    Assignment.round_number == submission.current_round,
                    col(Assignment.state).in_(ON_PANEL),
                )
            ).all()
        )
    return len(on_panel | set(chosen))

"""A submission's status page: stage, history, next step, decisions and review summaries.

Shared by every role that may see the file (`require_viewer_of`). Blind review: only staff
see who reviewed (`sees_reviewer_names`); everyone else reads "Reviewer A, B, C", lettered
as the scoring rules number the raters. A reviewer never sees the other reviews here, and a
provider sees the reviews of a round only once that round is decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from qa.domain.actor import Actor
from qa.domain.assignments import SheetKind, SheetStatus
from qa.domain.descriptor_form import DescriptorRow, descriptor_rows
from qa.domain.enums import Role, Stage
from qa.domain.errors import NotAllowed
from qa.domain.policy import (
    SubmissionFacts,
    is_staff,
    require_provider_of,
    require_viewer_of,
    sees_reviewer_names,
)
from qa.domain.stage_guidance import (
    NextStep,
    event_name,
    is_deleted_draft,
    next_step,
    stage_name,
    stage_tone,
)
from qa.domain.stages import Action, available_actions
from qa.persistence.db import Database
from qa.persistence.models import (
    Assignment,
    Decision,
    DescriptorVersion,
    Institution,
    Scoresheet,
    StageChange,
    Submission,
    User,
)
from qa.services.pages.provider_decisions import DecisionView, decision_views
from qa.services.pages.provider_feedback import RoundFeedback, criterion_feedback
from qa.services.pages.self_assessment_page import progress_in
from qa.services.review.disclosure import for_outsiders
from qa.services.submissions.lifecycle import (
    is_deleted_draft_row,
    load_submission,
    stage_history,
    submission_facts,
)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    round: int
    from_stage: str | None
    to_stage: str
    to_name: str
    event: str
    who: str
    reason: str | None


@dataclass(frozen=True)
class ReviewSummary:
    label: str  # "Reviewer 1", or the reviewer's name for staff
    recommendation: str
    recommendation_words: str
    summary: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class Returned:
    by: str
    reason: str


@dataclass(frozen=True)
class RoundReviews:
    round: int
    reviews: tuple[ReviewSummary, ...]


@dataclass(frozen=True)
class StatusPage:
    submission_id: int
    title: str
    external_id: str | None
    provider: str
    stage: str
    stage_name: str
    tone: str
    round: int
    version: int
    updated_at: datetime
    descriptor: list[DescriptorRow]
    warnings: tuple[str, ...]
    history: tuple[HistoryEntry, ...]
    next_step: NextStep | None
    returned: Returned | None
    decisions: tuple[DecisionView, ...]
    reviews: tuple[RoundReviews, ...]
    self_done: int | None  # criteria done in the open self-assessment (None: not open)
    self_total: int | None
    staff: bool
    acts_for_provider: bool
    can_edit: bool
    can_submit: bool
    can_self_assess: bool
    can_view_self_assessment: bool
    can_resubmit: bool
    can_withdraw: bool
    my_assignment_id: int | None  # the viewer's own review of this file, if any
    feedback: tuple[RoundFeedback, ...] = ()  # per criterion, blind (the provider's people)


def status_page(db: Database, actor: Actor, submission_id: int) -> StatusPage:
    with db.session() as session:
        submission = load_submission(session, submission_id)
        facts = submission_facts(session, submission)
        deleted = is_deleted_draft_row(session, submission)
        require_viewer_of(actor, facts, submission.stage, deleted_draft=deleted)
        # the pseudonymity boundary: providers and agencies read only scrubbed text
        return for_outsiders(session, actor, _build(session, actor, submission, facts))


def _build(
    session: Session, actor: Actor, submission: Submission, facts: SubmissionFacts
) -> StatusPage:
    assert submission.id is not None
    staff = is_staff(actor)
    for_provider = _acts_for_provider(actor, facts)
    stage = Stage(submission.stage)
    institution = session.get(Institution, submission.institution_id)
    descriptor = session.exec(
        select(DescriptorVersion).where(
            DescriptorVersion.submission_id == submission.id,
            DescriptorVersion.round_number == submission.current_round,
        )
    ).first()
    changes = stage_history(session, submission.id)
    names = _names(session, {c.actor_id for c in changes} | _signers(session, submission.id))
    decisions = decision_views(session, submission.id, names, staff)
    actions = set(available_actions(stage, actor.role_names)) if for_provider else set()
    own_provider = Role.PROVIDER in actor.roles and actor.institution_id == facts.institution_id
    open_self = stage is Stage.SELF_ASSESSMENT
    done, total = progress_in(session, submission) if open_self else (None, None)
    audience_sees_next = staff or for_provider
    deleted = bool(changes) and is_deleted_draft(stage.value, changes[-1].from_stage)
    # The current round's descriptor holds the title (a resubmission may have changed it).
    title = str(descriptor.data.get("title", submission.title)) if descriptor else submission.title
    return StatusPage(
        submission_id=submission.id,
        title=title,
        external_id=submission.external_id,
        provider=institution.name if institution else "",
        stage=stage.value,
        stage_name=stage_name(stage.value, deleted_draft=deleted),
        tone=stage_tone(stage.value, deleted_draft=deleted).value,
        round=submission.current_round,
        version=submission.version,
        updated_at=submission.updated_at,
        descriptor=descriptor_rows(descriptor.data) if descriptor else [],
        warnings=tuple(w.get("message", "") for w in descriptor.warnings) if descriptor else (),
        history=tuple(_entry(c, names, submission.institution_id, staff) for c in changes),
        next_step=(
            next_step(stage, staff=staff, deleted_draft=deleted) if audience_sees_next else None
        ),
        returned=_returned(stage, changes),
        decisions=decisions,
        reviews=_reviews(session, actor, facts, submission.id, {d.round for d in decisions}),
        feedback=(
            criterion_feedback(session, submission, {d.round for d in decisions})
            if for_provider and not staff
            else ()
        ),
        self_done=done,
        self_total=total,
        staff=staff,
        acts_for_provider=for_provider,
        can_edit=stage is Stage.DRAFT and for_provider,
        can_submit=Action.SUBMIT in actions,
        can_self_assess=open_self and own_provider,
        can_view_self_assessment=for_provider and stage not in (Stage.DRAFT, Stage.SUBMITTED),
        can_resubmit=Action.RESUBMIT in actions,
        can_withdraw=Action.WITHDRAW in actions,
        my_assignment_id=_my_assignment(session, actor, submission.id),
    )


def _acts_for_provider(actor: Actor, facts: SubmissionFacts) -> bool:
    try:
        require_provider_of(actor, facts)
    except NotAllowed:
        return False
    return True


def _names(session: Session, user_ids: set[int | None]) -> dict[int, User]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids)))
    return {user.id: user for user in users if user.id is not None}


def _signers(session: Session, submission_id: int) -> set[int | None]:
    rows = session.exec(select(Decision.signed_by).where(Decision.submission_id == submission_id))
    return set(rows)


def _who(actor_id: int | None, names: dict[int, User], institution_id: int, staff: bool) -> str:
    """Staff see every name; others see their own institution's people and "QA office"."""
    if actor_id is None:
        return "Automatic check"
    user = names.get(actor_id)
    if user is None:
        return "QA office"
    if user.institution_id == institution_id:
        return user.display_name
    return user.display_name if staff else "QA office"


def _entry(
    change: StageChange, names: dict[int, User], institution_id: int, staff: bool
) -> HistoryEntry:
    return HistoryEntry(
        at=change.at,
        round=change.round_number,
        from_stage=change.from_stage,
        to_stage=change.to_stage,
        to_name=stage_name(
            change.to_stage, deleted_draft=is_deleted_draft(change.to_stage, change.from_stage)
        ),
        event=event_name(change.from_stage, change.to_stage),
        who=_who(change.actor_id, names, institution_id, staff),
        reason=change.reason,
    )


def _returned(stage: Stage, changes: list[StageChange]) -> Returned | None:
    """Why the file came back: the intake check's errors, or the screening officer's reasons."""
    last = changes[-1] if changes else None
    if last is None or not last.reason:
        return None
    if stage is Stage.DRAFT and last.from_stage == Stage.SUBMITTED:
        return Returned("The automatic Annex I check returned it", last.reason)
    if stage is Stage.SELF_ASSESSMENT and last.from_stage == Stage.SCREENING:
        return Returned("The QA office returned it at screening", last.reason)
    return None


def _reviews(
    session: Session,
    actor: Actor,
    facts: SubmissionFacts,
    submission_id: int,
    decided_rounds: set[int],
) -> tuple[RoundReviews, ...]:
    """Submitted reviews the viewer may read, per round (see the module docstring)."""
    staff = is_staff(actor)
    reader = staff or _acts_for_provider(actor, facts) or Role.AGENCY in actor.roles
    if not reader:
        return ()
    rows = session.exec(
        select(Scoresheet, Assignment.reviewer_id)
        .join(Assignment, col(Assignment.id) == col(Scoresheet.assignment_id))
        .where(
            Scoresheet.submission_id == submission_id,
            Scoresheet.kind == SheetKind.PEER,
            Scoresheet.status == SheetStatus.SUBMITTED,
        )
        .order_by(col(Scoresheet.round_number), col(Scoresheet.assignment_id))
    ).all()
    names = (
        _names(session, {reviewer for _, reviewer in rows}) if sees_reviewer_names(actor) else {}
    )
    by_round: dict[int, list[ReviewSummary]] = {}
    for sheet, reviewer_id in rows:
        if not staff and sheet.round_number not in decided_rounds:
            continue
        reviews = by_round.setdefault(sheet.round_number, [])
        user = names.get(reviewer_id)
        reviews.append(
            ReviewSummary(
                label=user.display_name if user else f"Reviewer {chr(ord('A') + len(reviews))}",
                recommendation=sheet.recommendation or "",
                recommendation_words=stage_name(sheet.recommendation or ""),
                summary=sheet.summary or "",
                submitted_at=sheet.submitted_at,
            )
        )
    return tuple(RoundReviews(number, tuple(items)) for number, items in sorted(by_round.items()))


def _my_assignment(session: Session, actor: Actor, submission_id: int) -> int | None:
    if actor.user_id is None or Role.REVIEWER not in actor.roles:
        return None
    return session.exec(
        select(Assignment.id)
        .where(Assignment.submission_id == submission_id, Assignment.reviewer_id == actor.user_id)
        .order_by(col(Assignment.id).desc())
    ).first()

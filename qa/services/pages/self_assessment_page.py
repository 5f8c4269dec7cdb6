"""What the provider's self-assessment page shows, and its progress after each autosave.

A criterion is *done* when it has a level (or "cannot judge") and evidence, or a reason why
there is none: exactly what `submit_self_assessment` requires of every criterion.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from qa.domain.actor import Actor
from qa.domain.assignments import SheetKind, SheetStatus
from qa.domain.enums import Role, Stage
from qa.domain.policy import require_provider_of
from qa.domain.rubric import Rubric
from qa.domain.stage_guidance import stage_name
from qa.persistence.db import Database
from qa.persistence.models import Score, StageChange, Submission
from qa.services.review.disclosure import for_outsiders
from qa.services.rubrics.scoresheets import current_sheet, pinned_rubric, scores_of
from qa.services.submissions.lifecycle import load_submission, submission_facts


def is_done(score: Score | None) -> bool:
    if score is None or (score.level is None and not score.cannot_judge):
        return False
    return bool(score.evidence_refs) or bool((score.no_evidence_reason or "").strip())


@dataclass(frozen=True)
class SelfAssessmentPage:
    submission_id: int
    title: str
    stage: str
    stage_name: str
    round: int
    version: int
    rubric: Rubric
    scores: dict[str, Score]
    sheet_status: str | None  # open | submitted | superseded; None before it opens
    can_edit: bool
    done: int
    returned_reason: str | None

    @property
    def total(self) -> int:
        return len(self.rubric.criteria)

    def is_done(self, criterion_id: str) -> bool:
        return is_done(self.scores.get(criterion_id))


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    criterion_done: bool


def self_assessment_page(db: Database, actor: Actor, submission_id: int) -> SelfAssessmentPage:
    """The provider edits while the stage is open; staff may read it (screening).

    The page passes the pseudonymity boundary (`for_outsiders`): the screening officer's
    reasons are scrubbed for the provider. The scores are `Score` rows, which the scrub does
    not walk: they are the provider's own words and the form must save them back unchanged.
    """
    with db.session() as session:
        submission = load_submission(session, submission_id)
        facts = submission_facts(session, submission)
        require_provider_of(actor, facts)
        _, rubric = pinned_rubric(session, submission)
        sheet = current_sheet(session, submission, SheetKind.SELF)
        scores = scores_of(session, sheet) if sheet else {}
        own = Role.PROVIDER in actor.roles and actor.institution_id == facts.institution_id
        status = sheet.status if sheet else None
        page = SelfAssessmentPage(
            submission_id=submission_id,
            title=submission.title,
            stage=submission.stage,
            stage_name=stage_name(submission.stage),
            round=submission.current_round,
            version=submission.version,
            rubric=rubric,
            scores=scores,
            sheet_status=status,
            can_edit=own
            and submission.stage == Stage.SELF_ASSESSMENT
            and status in (None, SheetStatus.OPEN),
            done=sum(1 for score in scores.values() if is_done(score)),
            returned_reason=_returned_reason(session, submission),
        )
        return for_outsiders(session, actor, page)


def progress(db: Database, actor: Actor, submission_id: int, criterion_id: str) -> Progress:
    with db.session() as session:
        submission = load_submission(session, submission_id)
        require_provider_of(actor, submission_facts(session, submission))
        done, total = progress_in(session, submission)
        sheet = current_sheet(session, submission, SheetKind.SELF)
        score = scores_of(session, sheet).get(criterion_id) if sheet else None
    return Progress(done, total, is_done(score))


def progress_in(session: Session, submission: Submission) -> tuple[int, int]:
    """(criteria done, criteria in the rubric) for the current round's self-assessment."""
    _, rubric = pinned_rubric(session, submission)
    sheet = current_sheet(session, submission, SheetKind.SELF)
    scores = scores_of(session, sheet) if sheet else {}
    return sum(1 for score in scores.values() if is_done(score)), len(rubric.criteria)


def _returned_reason(session: Session, submission: Submission) -> str | None:
    """The screening officer's reasons when the file came back to the provider."""
    if submission.stage != Stage.SELF_ASSESSMENT:
        return None
    last = session.exec(
        select(StageChange)
        .where(StageChange.submission_id == submission.id)
        .order_by(col(StageChange.id).desc())
    ).first()
    if last is not None and last.from_stage == Stage.SCREENING:
        return last.reason
    return None

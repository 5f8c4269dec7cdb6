"""The provider's self-assessment against the pinned rubric, then the officer's screening."""

from __future__ import annotations

from sqlmodel import Session

from qa.domain.actor import Actor
from qa.domain.assignments import SheetKind
from qa.domain.enums import Stage
from qa.domain.errors import IllegalTransition, InvalidInput
from qa.domain.policy import require_provider_of, require_qa_judge
from qa.domain.score_input import ScoreInput
from qa.domain.stages import Action
from qa.persistence.db import Database
from qa.persistence.models import Score, Submission
from qa.services.rubrics.scoresheets import (
    ensure_sheet,
    lock,
    new_revision,
    pinned_rubric,
    require_complete,
)
from qa.services.rubrics.scoresheets import save_score as save_sheet_score
from qa.services.submissions.lifecycle import load_submission, move, submission_facts


def _open_for_provider(session: Session, actor: Actor, submission_id: int) -> Submission:
    submission = load_submission(session, submission_id)
    require_provider_of(actor, submission_facts(session, submission))
    if submission.stage != Stage.SELF_ASSESSMENT:
        raise IllegalTransition(
            f"submission {submission_id} is {submission.stage.replace('_', ' ')}; the "
            "self-assessment can be changed only while it is open"
        )
    return submission


def save_self_score(db: Database, actor: Actor, submission_id: int, entry: ScoreInput) -> Score:
    """Autosave one criterion of the provider's self-assessment."""
    with db.write() as session:
        submission = _open_for_provider(session, actor, submission_id)
        _, rubric = pinned_rubric(session, submission)
        sheet = ensure_sheet(session, submission, SheetKind.SELF)
        score = save_sheet_score(session, actor, sheet, rubric, entry)
        session.commit()
        return score


def submit_self_assessment(
    db: Database, actor: Actor, submission_id: int, *, expected_version: int
) -> Submission:
    """Every criterion scored or cannot-judge, each with evidence or a reason; then screening."""
    with db.write() as session:
        submission = _open_for_provider(session, actor, submission_id)
        _, rubric = pinned_rubric(session, submission)
        sheet = ensure_sheet(session, submission, SheetKind.SELF)
        require_complete(session, sheet, rubric, need_evidence=True)
        lock(session, actor, sheet)
        moved = move(
            session,
            actor,
            submission,
            Action.SUBMIT_SELF_ASSESSMENT,
            expected_version=expected_version,
        )
        session.commit()
        return moved


def screen(
    db: Database,
    actor: Actor,
    submission_id: int,
    *,
    expected_version: int,
    accept: bool,
    reasons: str | None = None,
) -> Submission:
    """The officer's formal check: on to peer review, or back to the provider with reasons."""
    require_qa_judge(actor, "screen a file")
    if not accept and not (reasons or "").strip():
        raise InvalidInput("say what the provider must fix when returning the file")
    with db.write() as session:
        submission = load_submission(session, submission_id)
        action = Action.SCREEN_ACCEPT if accept else Action.SCREEN_RETURN
        moved = move(
            session,
            actor,
            submission,
            action,
            expected_version=expected_version,
            reason=(reasons or "").strip() or None,
        )
        if not accept:  # the provider revises a copy; the submitted sheet stays as it was
            new_revision(
                session, actor, ensure_sheet(session, moved, SheetKind.SELF), reasons or ""
            )
        session.commit()
        return moved

"""Corrections: a submitted review or a signed decision never changes; a new version does.

The earlier version stays as it was (marked superseded), the new one names what it
corrects and why, and both appear in the audit trail.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.assignments import AssignmentEvent, SheetKind, is_submitted
from qa.domain.enums import Stage
from qa.domain.errors import IllegalTransition, InvalidInput, NotFound
from qa.domain.policy import require_independent_signer, require_officer
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Decision, User
from qa.services.people.notifications import notify
from qa.services.review.assignment_moves import move_assignment
from qa.services.rubrics.scoresheets import current_sheet, new_revision
from qa.services.submissions.lifecycle import load_submission, submission_facts

MIN_REASON = 10


def reopen_review(
    db: Database, actor: Actor, assignment_id: int, *, expected_version: int, reason: str
) -> Assignment:
    """Let a reviewer correct a submitted review while the file is still in peer review."""
    require_officer(actor)
    _require_reason(reason)
    with db.write() as session:
        assignment = session.get(Assignment, assignment_id)
        if assignment is None:
            raise NotFound(f"assignment {assignment_id} does not exist")
        submission = load_submission(session, assignment.submission_id)
        if not is_submitted(assignment.state) or submission.stage != Stage.PEER_REVIEW:
            raise IllegalTransition(
                "only a submitted review of a file still in peer review can be reopened"
            )
        sheet = current_sheet(session, submission, SheetKind.PEER, assignment_id)
        assert sheet is not None
        revised = new_revision(session, actor, sheet, reason.strip())
        move_assignment(
            session,
            actor,
            assignment,
            AssignmentEvent.REOPEN,
            expected_version=expected_version,
            values={"submitted_at": None},
            note={"reason": reason.strip()},
        )
        reviewer = session.get(User, assignment.reviewer_id)
        assert reviewer is not None  # a foreign key
        notify(
            session,
            f"reopened:{assignment_id}:r{revised.revision}",
            reviewer,
            f"Your review was reopened: {submission.title}",
            f"The QA office reopened your review of '{submission.title}' so you can correct "
            f"it: {reason.strip()}\n\nYour scores and comments are kept: change what needs "
            f"correcting and submit the review again (the review date on file is "
            f"{assignment.review_by}).",
            submission_id=submission.id,
        )
        session.commit()
        reopened = session.get(Assignment, assignment_id)
        assert reopened is not None
        return reopened


def correct_decision(
    db: Database,
    actor: Actor,
    decision_id: int,
    *,
    reason: str,
    rationale: str | None = None,
    valid_to: date | None = None,
) -> Decision:
    """A new revision of a signed decision (rationale or validity); the outcome stays.

    Changing the outcome itself is an appeal, not a correction.
    """
    _require_reason(reason)
    with db.write() as session:
        current = session.get(Decision, decision_id)
        if current is None:
            raise NotFound(f"decision {decision_id} does not exist")
        newer = session.exec(
            select(Decision.id).where(col(Decision.supersedes_id) == decision_id)
        ).first()
        if newer is not None:
            raise IllegalTransition(f"decision {decision_id} was already corrected (see {newer})")
        submission = load_submission(session, current.submission_id)
        require_independent_signer(actor, submission_facts(session, submission))
        assert actor.user_id is not None
        corrected = Decision(
            submission_id=current.submission_id,
            round_number=current.round_number,
            decision=current.decision,
            recommended_decision=current.recommended_decision,
            rationale=(rationale or "").strip() or current.rationale,
            aggregates=current.aggregates,
            signed_by=actor.user_id,
            valid_from=current.valid_from,
            valid_to=valid_to or current.valid_to,
            revision=current.revision + 1,
            supersedes_id=current.id,
            correction_reason=reason.strip(),
        )
        session.add(corrected)
        session.flush()
        record(
            session,
            actor,
            "decision.corrected",
            entity_type="decision",
            entity_id=corrected.id,
            submission_id=current.submission_id,
            before={
                "decision_id": current.id,
                "rationale": current.rationale,
                "valid_to": _iso(current.valid_to),
            },
            after={
                "decision_id": corrected.id,
                "decision": corrected.decision,
                "rationale": corrected.rationale,
                "valid_to": _iso(corrected.valid_to),
                "reason": reason.strip(),
            },
        )
        session.commit()
        return corrected


def _require_reason(reason: str) -> None:
    require = reason.strip()
    if len(require) < MIN_REASON:
        raise InvalidInput(f"reason: say why in at least {MIN_REASON} characters", field="reason")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None

"""Moderation, sign-off, conditions, withdrawal and resubmission."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.assignments import SheetKind
from qa.domain.calendar import years_after
from qa.domain.conditions import ConditionStatus, all_closed, is_met, is_outstanding
from qa.domain.enums import Stage
from qa.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from qa.domain.policy import (
    require_independent_signer,
    require_provider_of,
    require_qa_judge,
)
from qa.domain.score_input import ScoreInput
from qa.domain.scoring import Decision as Outcome
from qa.domain.stages import Action
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.locking import update_versioned
from qa.persistence.models import (
    Condition,
    Decision,
    Score,
    Submission,
    SubmissionRound,
)
from qa.services.decisions.condition_reports import tell_provider_condition_met
from qa.services.review.assessment import round_assessment, store_aggregates
from qa.services.review.reviews import close_open_assignments
from qa.services.rubrics.scoresheets import ensure_sheet, lock, pinned_rubric
from qa.services.rubrics.scoresheets import save_score as save_sheet_score
from qa.services.submissions.lifecycle import (
    load_submission,
    move,
    require_stage,
    submission_facts,
)

DEFAULT_VALIDITY_YEARS = 6
MIN_RATIONALE = 20
_ACTION_FOR = {
    Outcome.APPROVED: Action.APPROVE,
    Outcome.APPROVED_WITH_CONDITIONS: Action.APPROVE_WITH_CONDITIONS,
    Outcome.REJECTED: Action.REJECT,
    Outcome.REVISE_AND_RESUBMIT: Action.REVISE,
}


@dataclass(frozen=True)
class ConditionInput:
    text: str
    owner: str
    due_date: date


def save_consensus(db: Database, actor: Actor, submission_id: int, entry: ScoreInput) -> Score:
    """The moderator's consensus for one criterion; the rationale goes in the comment."""
    require_qa_judge(actor, "record a consensus score")
    if not (entry.comment or "").strip():
        raise InvalidInput(f"{entry.criterion_id}: give the rationale for the consensus score")
    with db.write() as session:
        submission = require_stage(session, submission_id, Stage.MODERATION)
        _, rubric = pinned_rubric(session, submission)
        sheet = ensure_sheet(session, submission, SheetKind.CONSENSUS)
        score = save_sheet_score(session, actor, sheet, rubric, entry)
        session.commit()
        return score


def complete_moderation(
    db: Database, actor: Actor, submission_id: int, *, expected_version: int
) -> Submission:
    """Every disputed criterion has a consensus score with a rationale: on to sign-off."""
    require_qa_judge(actor, "complete moderation")
    with db.write() as session:
        submission = require_stage(session, submission_id, Stage.MODERATION)
        sheet = ensure_sheet(session, submission, SheetKind.CONSENSUS)
        assessment = round_assessment(session, submission)
        if assessment.disagreements:
            ids = tuple(c.criterion_id for c in assessment.disagreements)
            raise InvalidInput(
                f"{len(ids)} disputed criteria still need a consensus score with a rationale",
                ids,
            )
        lock(session, actor, sheet)
        store_aggregates(session, submission, assessment.as_dict())
        moved = move(session, actor, submission, Action.MODERATE, expected_version=expected_version)
        session.commit()
        return moved


def sign_off(
    db: Database,
    actor: Actor,
    submission_id: int,
    *,
    expected_version: int,
    decision: str,
    rationale: str | None,
    today: date,
    conditions: Sequence[ConditionInput] = (),
    valid_to: date | None = None,
) -> Decision:
    """Decide. Departing from the recommended decision, or rejecting, needs a rationale."""
    outcome = _outcome(decision)
    text = (rationale or "").strip()
    with db.write() as session:
        submission = require_stage(session, submission_id, Stage.SIGN_OFF)
        require_independent_signer(actor, submission_facts(session, submission))
        assessment = round_assessment(session, submission)
        _check_decision(outcome, assessment.recommended, text, conditions, today)
        assert submission.id is not None
        if actor.user_id is None:
            raise NotAllowed("a decision is signed by a named QA officer, not by a tool")
        round_number = submission.current_round
        moved = move(
            session,
            actor,
            submission,
            _ACTION_FOR[outcome],
            expected_version=expected_version,
            reason=text or None,
            details={"recommended": assessment.recommended.value},
        )
        positive = outcome in (Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS)
        row = Decision(
            submission_id=submission.id,
            round_number=round_number,
            decision=outcome.value,
            recommended_decision=assessment.recommended.value,
            rationale=text or None,
            aggregates=assessment.as_dict(),
            signed_by=actor.user_id,
            valid_from=today if positive else None,
            valid_to=(valid_to or years_after(today, DEFAULT_VALIDITY_YEARS)) if positive else None,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        for item in conditions:
            session.add(
                Condition(
                    decision_id=row.id,
                    text=item.text.strip(),
                    owner=item.owner.strip(),
                    due_date=item.due_date,
                )
            )
        _close_round(session, submission.id, round_number, outcome.value)
        record(
            session,
            actor,
            "decision.signed",
            entity_type="decision",
            entity_id=row.id,
            submission_id=submission.id,
            after={
                "decision": outcome.value,
                "recommended": assessment.recommended.value,
                "rationale": text or None,
                "valid_to": row.valid_to.isoformat() if row.valid_to else None,
                "conditions": [
                    {"text": c.text, "owner": c.owner, "due_date": c.due_date.isoformat()}
                    for c in conditions
                ],
                "stage": moved.stage,
            },
        )
        session.commit()
        return row


def mark_condition_met(
    db: Database,
    actor: Actor,
    condition_id: int,
    *,
    expected_version: int,
    evidence: str,
) -> Condition:
    """Record a condition as met; when all are met the decision upgrades to approved."""
    require_qa_judge(actor, "mark a condition as met")
    if not evidence.strip():
        raise InvalidInput("say how the condition was met (evidence)")
    with db.write() as session:
        condition = session.get(Condition, condition_id)
        if condition is None:
            raise NotFound(f"condition {condition_id} does not exist")
        if is_met(condition.status):
            raise Conflict("this condition is already met")
        if not is_outstanding(condition.status):
            raise NotAllowed(f"this condition is {condition.status}: it cannot be marked met")
        status_before = condition.status
        update_versioned(
            session,
            Condition,
            condition_id,
            expected_version,
            {
                "status": ConditionStatus.MET.value,
                "met_at": clock.now(session),
                "met_by": actor.user_id,
                "evidence": evidence.strip(),
            },
            what="this condition",
        )
        decision = session.get(Decision, condition.decision_id)
        assert decision is not None
        record(
            session,
            actor,
            "condition.met",
            entity_type="condition",
            entity_id=condition_id,
            submission_id=decision.submission_id,
            before={"status": status_before},
            after={"status": ConditionStatus.MET.value, "evidence": evidence.strip()},
        )
        statuses = session.exec(
            select(Condition.status).where(Condition.decision_id == decision.id)
        ).all()
        submission = load_submission(session, decision.submission_id)
        if all_closed(statuses) and (submission.stage == Stage.APPROVED_WITH_CONDITIONS):
            move(session, actor, submission, Action.CONDITIONS_MET)
        updated = session.get(Condition, condition_id)
        assert updated is not None
        tell_provider_condition_met(session, submission, updated)
        session.commit()
        return updated


def withdraw(
    db: Database, actor: Actor, submission_id: int, *, expected_version: int, reason: str
) -> Submission:
    """The provider (or an officer) withdraws; open review invitations are cancelled."""
    if not reason.strip():
        raise InvalidInput("give a reason for withdrawing")
    with db.write() as session:
        submission = load_submission(session, submission_id)
        require_provider_of(actor, submission_facts(session, submission))
        moved = move(
            session,
            actor,
            submission,
            Action.WITHDRAW,
            expected_version=expected_version,
            reason=reason.strip(),
        )
        close_open_assignments(session, actor, moved, "the submission was withdrawn")
        _close_round(session, submission_id, moved.current_round, "withdrawn")
        session.commit()
        return moved


def _outcome(decision: str) -> Outcome:
    try:
        return Outcome(decision)
    except ValueError:
        raise InvalidInput(
            f"decision must be one of {', '.join(d.value for d in Outcome)}"
        ) from None


def _check_decision(
    outcome: Outcome,
    recommended: Outcome,
    rationale: str,
    conditions: Sequence[ConditionInput],
    today: date,
) -> None:
    problems: list[str] = []
    if outcome != recommended and len(rationale) < MIN_RATIONALE:
        problems.append(
            f"the recommended decision is {recommended.value.replace('_', ' ')}: explain in at "
            f"least {MIN_RATIONALE} characters why you decide otherwise"
        )
    if outcome == Outcome.REJECTED and len(rationale) < MIN_RATIONALE:
        problems.append(f"a rejection needs a rationale of at least {MIN_RATIONALE} characters")
    if outcome == Outcome.REVISE_AND_RESUBMIT and len(rationale) < MIN_RATIONALE:
        problems.append(f"say what the provider must revise (at least {MIN_RATIONALE} characters)")
    if outcome == Outcome.APPROVED_WITH_CONDITIONS and not conditions:
        problems.append("approval with conditions needs at least one condition")
    if outcome != Outcome.APPROVED_WITH_CONDITIONS and conditions:
        problems.append("conditions belong only to an approval with conditions")
    for n, item in enumerate(conditions, start=1):
        if not item.text.strip() or not item.owner.strip():
            problems.append(f"condition {n}: give its text and who owns it")
        if item.due_date <= today:
            problems.append(f"condition {n}: the due date must be in the future")
    if problems:
        raise InvalidInput("the decision cannot be signed", tuple(dict.fromkeys(problems)))


def _close_round(session: Session, submission_id: int, number: int, outcome: str) -> None:
    row = session.exec(
        select(SubmissionRound).where(
            SubmissionRound.submission_id == submission_id, SubmissionRound.number == number
        )
    ).one()
    row.closed_at, row.outcome = clock.now(session), outcome
    session.add(row)

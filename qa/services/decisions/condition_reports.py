"""A provider reports a condition as met, with evidence; a QA officer then confirms it.

The report keeps the condition open (only an officer's "Mark met" changes its status and
may upgrade the decision); it stores the provider's evidence on the condition, which the
officer sees next to "Mark met", and leaves an audit entry. The officer who signed the
decision (or, when they no longer can, every QA officer) is told by e-mail; an officer who
finds the evidence short sends the report back with a note, and the provider's people are
told either way (`tell_provider_condition_met` is called when it is marked met).
"""

from __future__ import annotations

from sqlmodel import Session

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.conditions import has_report, is_met, is_outstanding
from qa.domain.enums import Role
from qa.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from qa.domain.policy import require_provider_of, require_qa_judge
from qa.persistence.db import Database
from qa.persistence.locking import update_versioned
from qa.persistence.models import Condition, Decision, Submission, User
from qa.services.people.notifications import notify, people_with_role
from qa.services.review.disclosure import for_provider_mail
from qa.services.submissions.lifecycle import load_submission, submission_facts

MAX_EVIDENCE = 5000
MIN_TEXT = 5


def _written(raw: str, label: str, field: str, missing: str) -> str:
    """The text of a report or a note, stripped; refused naming the field when it is shorter
    than MIN_TEXT (saying `missing`) or longer than MAX_EVIDENCE."""
    text = raw.strip()
    if len(text) < MIN_TEXT:
        raise InvalidInput(f"{label}: {missing}", field=field)
    if len(text) > MAX_EVIDENCE:
        raise InvalidInput(
            f"{label}: too long ({len(text):,} characters); keep it under {MAX_EVIDENCE:,}",
            field=field,
        )
    return text


def report_condition_met(
    db: Database,
    actor: Actor,
    submission_id: int,
    condition_id: int,
    *,
    expected_version: int,
    evidence: str,
) -> Condition:
    text = _written(
        evidence,
        "how it was met (evidence)",
        "evidence",
        "say what you changed and where to see it",
    )
    with db.write() as session:
        submission = load_submission(session, submission_id)
        require_provider_of(actor, submission_facts(session, submission))
        condition = session.get(Condition, condition_id)
        decision = session.get(Decision, condition.decision_id) if condition else None
        if condition is None or decision is None or decision.submission_id != submission_id:
            raise NotFound(f"condition {condition_id} does not exist")
        if is_met(condition.status):
            raise Conflict("this condition is already recorded as met")
        if not is_outstanding(condition.status):
            raise NotAllowed("this condition was waived: nothing to report")
        before = condition.evidence
        update_versioned(
            session,
            Condition,
            condition_id,
            expected_version,
            {"evidence": text},
            what="this condition",
        )
        record(
            session,
            actor,
            "condition.reported_met",
            entity_type="condition",
            entity_id=condition_id,
            submission_id=submission_id,
            before={"evidence": before},
            after={"evidence": text},
        )
        reported = session.get(Condition, condition_id)
        assert reported is not None
        _tell_officers(session, submission, decision, reported)
        session.commit()
        return reported


def return_condition_report(
    db: Database, actor: Actor, condition_id: int, *, expected_version: int, note: str
) -> Condition:
    """An officer finds the reported evidence short: the report goes back, with why."""
    require_qa_judge(actor, "send a condition report back")
    text = _written(
        note, "what is still missing (note)", "note", "say it, so the provider knows what to do"
    )
    with db.write() as session:
        condition = session.get(Condition, condition_id)
        decision = session.get(Decision, condition.decision_id) if condition else None
        if condition is None or decision is None:
            raise NotFound(f"condition {condition_id} does not exist")
        if not has_report(condition.status, condition.evidence):
            raise Conflict("there is no report of this condition to send back")
        update_versioned(
            session,
            Condition,
            condition_id,
            expected_version,
            {"evidence": None},
            what="this condition",
        )
        record(
            session,
            actor,
            "condition.report_returned",
            entity_type="condition",
            entity_id=condition_id,
            submission_id=decision.submission_id,
            before={"evidence": condition.evidence},
            after={"evidence": None, "note": text},
        )
        submission = load_submission(session, decision.submission_id)
        returned = session.get(Condition, condition_id)
        assert returned is not None
        tell_provider(
            session,
            submission,
            f"condition:{condition_id}:returned:v{returned.version}",
            "condition not met yet",
            f"The QA office cannot yet record the condition “{returned.text}” as met: {text} "
            "Report it again on the micro-credential's page when it is done.",
        )
        session.commit()
        return returned


def tell_provider_condition_met(
    session: Session, submission: Submission, condition: Condition
) -> None:
    """Tell the provider's people that the QA office recorded a condition as met."""
    tell_provider(
        session,
        submission,
        f"condition:{condition.id}:met",
        "condition met",
        f"The QA office recorded the condition “{condition.text}” as met.",
    )


def tell_provider(session: Session, submission: Submission, key: str, what: str, body: str) -> None:
    """A message to each provider person of the submission (scrubbed of the office's names)."""
    scrub = for_provider_mail(session, submission.institution_id)
    for person in people_with_role(session, Role.PROVIDER, submission.institution_id):
        notify(
            session,
            f"{key}:provider:{person.id}",
            person,
            scrub(f"{submission.title}: {what}"),
            scrub(body),
            submission_id=submission.id,
        )


def _tell_officers(
    session: Session, submission: Submission, decision: Decision, condition: Condition
) -> None:
    """The officer who signed the decision follows its conditions; every officer when they
    no longer can (left the office, deactivated)."""
    officers = people_with_role(session, Role.OFFICER)
    signer = [person for person in officers if person.id == decision.signed_by]
    for officer in signer or officers:
        _tell_officer(session, officer, submission, condition)


def _tell_officer(
    session: Session, officer: User, submission: Submission, condition: Condition
) -> None:
    notify(
        session,
        f"condition:{condition.id}:reported:v{condition.version}:officer:{officer.id}",
        officer,
        f"Condition reported met: {submission.title}",
        f"The provider reports that the condition “{condition.text}” of “{submission.title}” "
        f"is met: {condition.evidence}\n\nConfirm it with “Mark met”, or send the report "
        f"back with what is missing, under Decisions on file {submission.id} in the QA "
        "office's pipeline.",
        submission_id=submission.id,
    )

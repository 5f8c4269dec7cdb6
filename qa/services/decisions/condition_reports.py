"""A provider reports a condition as met, with evidence; a QA officer then confirms it.

The report keeps the condition open (only an officer's "Mark met" changes its status and
may upgrade the decision); it stores the provider's evidence on the condition, which the
officer sees next to "Mark met", and leaves an audit entry.
"""

from __future__ import annotations

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from qa.domain.policy import require_provider_of
from qa.persistence.db import Database
from qa.persistence.locking import update_versioned
from qa.persistence.models import Condition, Decision
from qa.services.submissions.lifecycle import load_submission, submission_facts

MAX_EVIDENCE = 5000


def report_condition_met(
    db: Database,
    actor: Actor,
    submission_id: int,
    condition_id: int,
    *,
    expected_version: int,
    evidence: str,
) -> Condition:
    text = evidence.strip()
    if len(text) < 5:
        raise InvalidInput("say how the condition was met: what you changed and where to see it")
    if len(text) > MAX_EVIDENCE:
        raise InvalidInput(f"keep the evidence under {MAX_EVIDENCE:,} characters")
    with db.write() as session:
        submission = load_submission(session, submission_id)
        require_provider_of(actor, submission_facts(session, submission))
        condition = session.get(Condition, condition_id)
        decision = session.get(Decision, condition.decision_id) if condition else None
        if condition is None or decision is None or decision.submission_id != submission_id:
            raise NotFound(f"condition {condition_id} does not exist")
        if condition.status == "met":
            raise Conflict("this condition is already recorded as met")
        if condition.status == "waived":
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
        session.commit()
        reported = session.get(Condition, condition_id)
        assert reported is not None
        return reported

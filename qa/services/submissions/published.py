"""Approved micro-credentials as published facts (for the ELM 3 and Open Badges documents).

Public: what is published is the approved descriptor and the decision, never the reviews,
the rationale or anyone's name. Anything not approved now (or not existing) is "not found".
"""

from __future__ import annotations

from sqlmodel import col, select

from qa.domain.bounds import in_range
from qa.domain.credential_documents import DECISION_WORDS, PublishedFacts
from qa.domain.descriptor import Descriptor
from qa.domain.errors import NotFound
from qa.persistence.db import Database
from qa.persistence.models import Decision, DescriptorVersion, Institution, Submission


def published_credential(db: Database, submission_id: int) -> PublishedFacts:
    missing = NotFound(f"micro-credential {submission_id} is not published (not approved)")
    if not in_range(submission_id):
        raise missing
    with db.session() as session:
        submission = session.get(Submission, submission_id)
        if submission is None or submission.stage not in DECISION_WORDS:
            raise missing
        decision = session.exec(
            select(Decision)
            .where(col(Decision.submission_id) == submission_id)
            .order_by(col(Decision.round_number).desc(), col(Decision.revision).desc())
        ).first()
        first = session.exec(
            select(Decision.signed_at)
            .where(
                col(Decision.submission_id) == submission_id,
                col(Decision.round_number) == (decision.round_number if decision else 0),
            )
            .order_by(col(Decision.revision))
        ).first()
        descriptor = session.exec(
            select(DescriptorVersion).where(
                col(DescriptorVersion.submission_id) == submission_id,
                col(DescriptorVersion.round_number) == (decision.round_number if decision else 0),
            )
        ).first()
        institution = session.get(Institution, submission.institution_id)
    if decision is None or first is None or descriptor is None or institution is None:
        raise missing
    return PublishedFacts(
        submission_id=submission_id,
        round=decision.round_number,
        descriptor=Descriptor.model_validate(descriptor.data),
        provider_name=institution.name,
        provider_country=institution.country,
        # an approval with conditions whose conditions are all met reads as approved
        decision=submission.stage,
        decided_on=db.clock.local(first).date(),
        valid_from=decision.valid_from,
        valid_to=decision.valid_to,
    )

"""The DEQAR fields of a file's decided rounds: the audit pack's DEQAR row, built by the same
function (`qa.export.pack.rows.deqar_row`) from the same columns, pseudonymised for outsiders.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.export.pack.deqar_contract import DEQAR
from qa.export.pack.options import DeqarConfig
from qa.export.pack.rows import deqar_row
from qa.persistence.db import Database
from qa.persistence.models import Condition, Decision, DescriptorVersion, Institution, Submission
from qa.services.review.disclosure import for_outsiders

Cells = dict[str, str | int | float | None]


def deqar_fields(
    db: Database, actor: Actor, submission_id: int, config: DeqarConfig
) -> dict[int, Cells]:
    """Round number → DEQAR column → value, for the rounds DEQAR takes (call after the
    viewer's access to the file was checked)."""
    found: dict[int, Cells] = {}
    with db.session() as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            return found
        institution = session.get(Institution, submission.institution_id)
        decisions = session.exec(
            select(Decision)
            .where(col(Decision.submission_id) == submission_id)
            .order_by(col(Decision.round_number), col(Decision.revision))
        ).all()
        first_signed: dict[int, Any] = {}
        newest: dict[int, Decision] = {}
        for decision in decisions:
            first_signed.setdefault(decision.round_number, decision.signed_at)
            newest[decision.round_number] = decision
        for number, decision in newest.items():
            descriptor = session.exec(
                select(DescriptorVersion).where(
                    and_(
                        col(DescriptorVersion.submission_id) == submission_id,
                        col(DescriptorVersion.round_number) == number,
                    )
                )
            ).first()
            conditions = session.exec(
                select(Condition.text)
                .where(col(Condition.decision_id) == decision.id)
                .order_by(col(Condition.id))
            ).all()
            row = _row(submission, institution, decision, descriptor, first_signed[number])
            cells = deqar_row(row, config, list(conditions))
            if cells is not None:
                found[number] = {
                    name: _plain(value) for name, value in zip(DEQAR.names, cells, strict=True)
                }
        return for_outsiders(session, actor, found)


def _row(
    submission: Submission,
    institution: Institution | None,
    decision: Decision,
    descriptor: DescriptorVersion | None,
    first_signed: Any,
) -> SimpleNamespace:
    return SimpleNamespace(
        submission_id=submission.id,
        round_number=decision.round_number,
        decided_at=first_signed,
        external_id=submission.external_id,
        stage=submission.stage,
        provider_deqar_id=institution.deqar_id if institution else None,
        data=descriptor.data if descriptor else {},
        decision=decision.decision,
        rationale=decision.rationale,
        aggregates=decision.aggregates,
        valid_from=decision.valid_from,
        valid_to=decision.valid_to,
    )


def _plain(value: Any) -> str | int | float | None:
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)

"""Counts for the terminal summary (and later the dashboard)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from qa.persistence.db import Database
from qa.persistence.models import (
    AuditEntry,
    Institution,
    OutboxMessage,
    RubricVersion,
    Submission,
    UserRole,
)


@dataclass(frozen=True)
class Summary:
    institutions: dict[str, int]
    users_by_role: dict[str, int]
    submissions_by_stage: dict[str, int]
    submissions_by_eqf: dict[str, int]
    rubrics: list[tuple[str, str, str, int]]
    audit_entries: int
    pending_outbox: int


def summarise(db: Database) -> Summary:
    with db.session() as s:
        institutions = dict(
            s.exec(select(Institution.kind, func.count()).group_by(Institution.kind)).all()
        )
        roles = dict(s.exec(select(UserRole.role, func.count()).group_by(UserRole.role)).all())
        stages = dict(
            s.exec(select(Submission.stage, func.count()).group_by(Submission.stage)).all()
        )
        eqf = {
            str(level) if level is not None else "n/a": count
            for level, count in s.exec(
                select(col(Submission.eqf_level), func.count())
                .group_by(col(Submission.eqf_level))
                .order_by(col(Submission.eqf_level))
            ).all()
        }
        rubrics = [
            (r.rubric_key, r.version, r.content_hash[:12], r.criteria_count)
            for r in s.exec(select(RubricVersion).order_by(col(RubricVersion.id)))
        ]
        audit = s.exec(select(func.count()).select_from(AuditEntry)).one()
        outbox = s.exec(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        ).one()
    return Summary(institutions, roles, stages, eqf, rubrics, audit, outbox)

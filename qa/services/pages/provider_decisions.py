"""The decisions on a file's status page: each revision with its conditions, means and
reasons, as every role that may see the file reads them (`provider_pages.status_page`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from qa.domain.conditions import is_met, is_outstanding
from qa.domain.stage_guidance import stage_name, stage_tone
from qa.persistence.models import Condition, Decision, User


@dataclass(frozen=True)
class PrincipleMean:
    code: str
    name: str
    peer_mean: float | None


@dataclass(frozen=True)
class ConditionView:
    text: str
    owner: str
    due_date: date
    status: str
    evidence: str | None
    id: int = 0
    version: int = 0

    @property
    def met(self) -> bool:
        return is_met(self.status)

    @property
    def outstanding(self) -> bool:
        """Still to be met: the provider may report it."""
        return is_outstanding(self.status)


@dataclass(frozen=True)
class DecisionView:
    round: int
    decision: str
    decision_words: str
    tone: str
    recommended: str | None
    recommended_words: str | None
    rationale: str | None
    signed_at: datetime
    signed_by: str
    valid_from: date | None
    valid_to: date | None
    conditions: tuple[ConditionView, ...]
    overall_mean: float | None
    principles: tuple[PrincipleMean, ...]
    reasons: tuple[str, ...]


def decision_views(
    session: Session, submission_id: int, names: dict[int, User], staff: bool
) -> tuple[DecisionView, ...]:
    """Every signed decision of the file, oldest first, with its conditions; the signer is
    named to staff only (`staff`), everyone else reads "QA office"."""
    rows = session.exec(
        select(Decision)
        .where(Decision.submission_id == submission_id)
        .order_by(col(Decision.round_number), col(Decision.revision))
    ).all()
    views = []
    for row in rows:
        conditions = session.exec(
            select(Condition).where(Condition.decision_id == row.id).order_by(col(Condition.id))
        ).all()
        aggregates = row.aggregates or {}
        signer = names.get(row.signed_by)
        views.append(
            DecisionView(
                round=row.round_number,
                decision=row.decision,
                decision_words=stage_name(row.decision),
                tone=stage_tone(row.decision).value,
                recommended=row.recommended_decision,
                recommended_words=(
                    stage_name(row.recommended_decision) if row.recommended_decision else None
                ),
                rationale=row.rationale,
                signed_at=row.signed_at,
                signed_by=signer.display_name if staff and signer else "QA office",
                valid_from=row.valid_from,
                valid_to=row.valid_to,
                conditions=tuple(
                    ConditionView(
                        c.text, c.owner, c.due_date, c.status, c.evidence, c.id or 0, c.version
                    )
                    for c in conditions
                ),
                overall_mean=aggregates.get("overall_mean"),
                principles=tuple(
                    PrincipleMean(str(p.get("code")), str(p.get("name")), p.get("mean"))
                    for p in aggregates.get("principles", ())
                ),
                reasons=tuple(str(r) for r in aggregates.get("reasons", ())),
            )
        )
    return tuple(views)

"""The officer's moderation and sign-off sections: the numbers behind every recommendation.

Moderation puts the reviewers side by side per criterion; sign-off shows the aggregates,
must-pass results, the recommended decision with its reasons and the self vs peer gap, and
parses the decision form (the service checks the rules; its messages go next to the fields).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from qa.domain.actor import Actor
from qa.domain.assignments import SheetKind
from qa.domain.calendar import years_after
from qa.domain.policy import signer_refusal
from qa.domain.rubric import Criterion, Rubric
from qa.domain.scoring import (
    APPROVE_MUST_PASS,
    MUST_PASS_MIN,
    Assessment,
    CriterionResult,
    Decision,
    self_peer_gap,
)
from qa.persistence.models import Score, Scoresheet, Submission
from qa.services.decisions.decisions import DEFAULT_VALIDITY_YEARS
from qa.services.pages.officer_panel import AssignmentView
from qa.services.review.assessment import round_assessment, self_levels, submitted_reviews
from qa.services.rubrics.scoresheets import current_sheet, scores_of
from qa.services.submissions.lifecycle import submission_facts

OUTCOMES = {
    Decision.APPROVED.value: "Approve",
    Decision.APPROVED_WITH_CONDITIONS.value: "Approve with conditions",
    Decision.REVISE_AND_RESUBMIT.value: "Revise and resubmit",
    Decision.REJECTED.value: "Reject",
}


@dataclass(frozen=True)
class Cell:
    """One rater's answer on one criterion (level None and not cannot-judge: not scored)."""

    level: int | None
    cannot_judge: bool
    comment: str | None


@dataclass(frozen=True)
class ModerationRow:
    criterion: Criterion
    self_level: int | None
    cells: tuple[Cell, ...]
    result: CriterionResult
    consensus: Cell | None

    @property
    def disputed(self) -> bool:
        return self.result.disagreement


@dataclass(frozen=True)
class ModerationView:
    raters: tuple[str, ...]
    rows: list[ModerationRow]

    @property
    def disputed(self) -> list[ModerationRow]:
        return [row for row in self.rows if row.disputed]

    @property
    def unresolved(self) -> int:
        return sum(1 for row in self.disputed if not row.result.from_consensus)


@dataclass(frozen=True)
class PrincipleLine:
    code: str
    name: str
    mean: float | None
    scored: int
    cannot_judge: int
    self_mean: float | None
    gap: float | None


@dataclass(frozen=True)
class MustPassLine:
    id: str
    title: str
    value: float | None
    status: str  # pass | conditional | fail | unjudged
    from_consensus: bool


@dataclass(frozen=True)
class SignOffView:
    assessment: Assessment
    raters: tuple[str, ...]
    principles: list[PrincipleLine]
    must_pass: list[MustPassLine]
    rules: dict[str, Any]
    refusal: str | None  # why this officer cannot sign, checked in advance
    default_valid_to: date
    outcomes: dict[str, str] = field(default_factory=lambda: dict(OUTCOMES))


def _raters(
    session: Session, submission: Submission, assignments: Sequence[AssignmentView]
) -> tuple[list[Scoresheet], tuple[str, ...]]:
    """The submitted reviews in rater order, with the names the page shows for them."""
    names = {a.id: a.reviewer for a in assignments}
    sheets = submitted_reviews(session, submission)
    labels = (names.get(s.assignment_id or 0, f"Reviewer {n}") for n, s in enumerate(sheets, 1))
    return sheets, tuple(labels)


def moderation_view(
    session: Session,
    submission: Submission,
    rubric: Rubric,
    assignments: Sequence[AssignmentView],
) -> ModerationView:
    sheets, raters = _raters(session, submission, assignments)
    assessment = round_assessment(session, submission, sheets)
    scored = [scores_of(session, sheet) for sheet in sheets]
    consensus_sheet = current_sheet(session, submission, SheetKind.CONSENSUS)
    consensus = scores_of(session, consensus_sheet) if consensus_sheet else {}
    own = self_levels(session, submission)
    rows = [
        ModerationRow(
            criterion=criterion,
            self_level=own.get(criterion.id),
            cells=tuple(_cell(scores.get(criterion.id)) for scores in scored),
            result=result,
            consensus=_cell(consensus[criterion.id]) if criterion.id in consensus else None,
        )
        for criterion, result in zip(rubric.criteria, assessment.criteria, strict=True)
    ]
    return ModerationView(raters, rows)


def sign_off_view(
    session: Session,
    actor: Actor,
    submission: Submission,
    rubric: Rubric,
    assignments: Sequence[AssignmentView],
    *,
    today: date,
) -> SignOffView:
    sheets, raters = _raters(session, submission, assignments)
    assessment = round_assessment(session, submission, sheets)
    gaps = {g.code: g for g in self_peer_gap(rubric, self_levels(session, submission), assessment)}
    titles = {c.id: c.title for c in rubric.criteria}
    return SignOffView(
        assessment=assessment,
        raters=raters,
        principles=[
            PrincipleLine(
                p.code,
                p.name,
                p.mean,
                p.scored,
                p.cannot_judge,
                gaps[p.code].self_mean,
                gaps[p.code].gap,
            )
            for p in assessment.principles
        ],
        must_pass=[
            MustPassLine(
                c.criterion_id, titles[c.criterion_id], c.value, _status(c.value), c.from_consensus
            )
            for c in assessment.criteria
            if c.must_pass
        ],
        rules=assessment.as_dict()["rules"],
        refusal=signer_refusal(actor, submission_facts(session, submission)),
        default_valid_to=years_after(today, DEFAULT_VALIDITY_YEARS),
    )


def _status(value: float | None) -> str:
    if value is None:
        return "unjudged"
    if value < MUST_PASS_MIN:
        return "fail"
    return "conditional" if value < APPROVE_MUST_PASS else "pass"


def _cell(score: Score | None) -> Cell:
    if score is None:
        return Cell(None, False, None)
    return Cell(score.level, score.cannot_judge, score.comment)

"""The officer's moderation and sign-off sections: the numbers behind every recommendation.

Moderation puts the reviewers side by side per criterion; sign-off shows the aggregates,
must-pass results, the recommended decision with its reasons and the self vs peer gap, and
parses the decision form (the service checks the rules; its messages go next to the fields).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlmodel import Session

from qa.domain.actor import Actor
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
from qa.services.assessment import round_assessment, self_levels, submitted_reviews
from qa.services.decisions import DEFAULT_VALIDITY_YEARS, ConditionInput
from qa.services.lifecycle import submission_facts
from qa.services.officer_panel import AssignmentView
from qa.services.scoresheets import CONSENSUS, current_sheet, scores_of

OUTCOMES = {
    Decision.APPROVED.value: "Approve",
    Decision.APPROVED_WITH_CONDITIONS.value: "Approve with conditions",
    Decision.REVISE_AND_RESUBMIT.value: "Revise and resubmit",
    Decision.REJECTED.value: "Reject",
}
BLANK_CONDITION_ROWS = 3
MAX_CONDITION_ROWS = 20


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
    consensus_sheet = current_sheet(session, submission, CONSENSUS)
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


# -- the decision form ----------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionRow:
    text: str = ""
    owner: str = ""
    due: str = ""

    @property
    def blank(self) -> bool:
        return not (self.text.strip() or self.owner.strip() or self.due.strip())


@dataclass(frozen=True)
class SignOffForm:
    """The decision form as entered, with problems keyed by field (`rationale`, `condition-2`)."""

    decision: str
    rationale: str = ""
    rows: tuple[ConditionRow, ...] = (ConditionRow(),) * BLANK_CONDITION_ROWS
    valid_to: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str | None = None

    @classmethod
    def blank(cls, view: SignOffView) -> SignOffForm:
        return cls(view.assessment.recommended.value, valid_to=view.default_valid_to.isoformat())

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> SignOffForm:
        count = _count(form.get("condition_rows"))
        rows = tuple(
            ConditionRow(
                str(form.get(f"condition-text-{n}", "")).strip(),
                str(form.get(f"condition-owner-{n}", "")).strip(),
                str(form.get(f"condition-due-{n}", "")).strip(),
            )
            for n in range(1, count + 1)
        )
        parsed = cls(
            decision=str(form.get("decision", "")),
            rationale=str(form.get("rationale", "")).strip(),
            rows=rows,
            valid_to=str(form.get("valid_to", "")).strip(),
        )
        errors: dict[str, list[str]] = {}
        if parsed.decision not in OUTCOMES:
            errors["decision"] = ["choose a decision"]
        for n, row in enumerate(rows, start=1):
            if not row.blank and _date(row.due) is None:
                errors[f"condition-{n}"] = [f"condition {n}: choose the due date in the calendar"]
        if parsed.valid_to and _date(parsed.valid_to) is None:
            errors["valid_to"] = ["choose the end of validity in the calendar"]
        if errors:
            return replace(parsed, errors=errors, message="the decision cannot be signed")
        return parsed

    def with_more_rows(self) -> SignOffForm:
        return replace(self, rows=(*self.rows, ConditionRow())[:MAX_CONDITION_ROWS])

    @property
    def filled(self) -> list[tuple[int, ConditionRow]]:
        """(form row number, row) of the rows with anything in them."""
        return [(n, row) for n, row in enumerate(self.rows, start=1) if not row.blank]

    def conditions(self) -> list[ConditionInput]:
        return [
            ConditionInput(row.text, row.owner, _date(row.due) or date.min)
            for _, row in self.filled
        ]

    def valid_to_date(self) -> date | None:
        return _date(self.valid_to)

    def refused(self, message: str, problems: Sequence[str]) -> SignOffForm:
        """The service's problems, each placed next to the field it is about."""
        numbers = [n for n, _ in self.filled]
        errors: dict[str, list[str]] = {}
        for problem in problems or (message,):
            key, text = _field_of(problem, numbers)
            errors.setdefault(key, []).append(text)
        return replace(self, errors=errors, message=message)


_CONDITION = re.compile(r"^condition (\d+): (.*)$")


def _field_of(problem: str, numbers: Sequence[int]) -> tuple[str, str]:
    """The field a problem is about, and its text (condition numbers become row numbers)."""
    found = _CONDITION.match(problem)
    if found and 0 < int(found.group(1)) <= len(numbers):
        row = numbers[int(found.group(1)) - 1]
        return f"condition-{row}", f"condition {row}: {found.group(2)}"
    if "condition" in problem:
        return "conditions", problem
    if problem.startswith("decision must be"):
        return "decision", problem
    if any(word in problem for word in ("rationale", "explain", "revise")):
        return "rationale", problem
    return "general", problem


def _count(value: object) -> int:
    text = str(value or "")
    return min(MAX_CONDITION_ROWS, int(text)) if text.isdigit() else BLANK_CONDITION_ROWS


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None

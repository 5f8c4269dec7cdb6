"""Feedback a provider can act on: each criterion's levels and comments, blind.

For every decided round: what each reviewer ("Reviewer A, B, C", in the order the scoring
rules number them) chose and wrote per criterion, the moderated consensus where there is
one, and the must-pass result. Built inside `status_page`, whose whole view goes through
`disclosure.for_outsiders` (names in comments become "a reviewer", "the QA office").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from qa.domain.assignments import SheetKind, SheetStatus
from qa.domain.rubric import Rubric
from qa.domain.scoring import APPROVE_MUST_PASS, MUST_PASS_MIN, RaterScores, assess
from qa.persistence.models import Score, Scoresheet, Submission
from qa.services.rubrics.scoresheets import pinned_rubric


@dataclass(frozen=True)
class ReviewerNote:
    reviewer: str
    level: str  # "2 — Largely met", "Cannot judge" or "—"
    comment: str


@dataclass(frozen=True)
class CriterionFeedback:
    criterion_id: str
    title: str
    must_pass: bool
    notes: tuple[ReviewerNote, ...]
    consensus: str | None  # the moderated level, when moderation settled this criterion
    result: str | None  # must-pass only: "passes", "passes, below approval" or "fails"


@dataclass(frozen=True)
class PrincipleFeedback:
    code: str
    name: str
    criteria: tuple[CriterionFeedback, ...]


@dataclass(frozen=True)
class RoundFeedback:
    round: int
    reviewers: tuple[str, ...]
    principles: tuple[PrincipleFeedback, ...]
    must_pass_failures: tuple[str, ...]


def criterion_feedback(
    session: Session, submission: Submission, rounds: set[int]
) -> tuple[RoundFeedback, ...]:
    if not rounds or submission.rubric_version_id is None:
        return ()
    _, rubric = pinned_rubric(session, submission)
    found = []
    for number in sorted(rounds):
        sheets = _peer_sheets(session, submission.id, number)
        if sheets:
            found.append(_round(session, rubric, submission.id, number, sheets))
    return tuple(found)


def _round(
    session: Session,
    rubric: Rubric,
    submission_id: int | None,
    number: int,
    sheets: list[Scoresheet],
) -> RoundFeedback:
    labels = tuple(f"Reviewer {chr(ord('A') + n)}" for n in range(len(sheets)))
    scores = [_scores(session, sheet) for sheet in sheets]
    consensus_sheet = session.exec(
        select(Scoresheet)
        .where(
            Scoresheet.submission_id == submission_id,
            Scoresheet.round_number == number,
            Scoresheet.kind == SheetKind.CONSENSUS,
        )
        .order_by(col(Scoresheet.revision).desc())
    ).first()
    consensus = _scores(session, consensus_sheet) if consensus_sheet else {}
    levels = [
        RaterScores(label, {cid: s.level for cid, s in by.items() if _answered(s)})
        for label, by in zip(labels, scores, strict=True)
    ]
    agreed = {cid: s.level for cid, s in consensus.items() if _answered(s)}
    assessment = assess(rubric, levels, consensus=agreed or None, round_number=number)
    values = {r.criterion_id: r for r in assessment.criteria}

    def level_words(score: Score | None) -> str:
        if score is None or not _answered(score):
            return "—"
        if score.level is None:
            return rubric.cannot_judge_label
        return f"{score.level} — {rubric.scale[score.level].label}"

    def feedback(criterion_id: str) -> CriterionFeedback:
        c = rubric.criterion(criterion_id)
        result = values.get(criterion_id)
        settled = consensus.get(criterion_id) if result and result.from_consensus else None
        return CriterionFeedback(
            criterion_id=c.id,
            title=c.title,
            must_pass=c.must_pass,
            notes=tuple(
                ReviewerNote(label, level_words(by.get(c.id)), (by[c.id].comment or "").strip())
                if c.id in by
                else ReviewerNote(label, "—", "")
                for label, by in zip(labels, scores, strict=True)
            ),
            consensus=level_words(settled) if settled else None,
            result=_must_pass(result.value) if c.must_pass and result else None,
        )

    return RoundFeedback(
        round=number,
        reviewers=labels,
        principles=tuple(
            PrincipleFeedback(
                p.code, p.name, tuple(feedback(c.id) for c in rubric.criteria_of(p.code))
            )
            for p in rubric.principles
            if rubric.criteria_of(p.code)
        ),
        must_pass_failures=assessment.must_pass_failures,
    )


def _must_pass(value: float | None) -> str:
    if value is None:
        return "not judged"
    if value < MUST_PASS_MIN:
        return "fails"
    return "passes" if value >= APPROVE_MUST_PASS else "passes, below the level for approval"


def _answered(score: Score) -> bool:
    return score.level is not None or score.cannot_judge


def _scores(session: Session, sheet: Scoresheet) -> dict[str, Score]:
    return {
        s.criterion_id: s
        for s in session.exec(select(Score).where(Score.scoresheet_id == sheet.id))
    }


def _peer_sheets(session: Session, submission_id: int | None, number: int) -> list[Scoresheet]:
    """Each reviewer's newest submitted revision, in assignment order (as the rules number)."""
    rows = session.exec(
        select(Scoresheet)
        .where(
            Scoresheet.submission_id == submission_id,
            Scoresheet.round_number == number,
            Scoresheet.kind == SheetKind.PEER,
            Scoresheet.status == SheetStatus.SUBMITTED,
        )
        .order_by(col(Scoresheet.assignment_id), col(Scoresheet.revision).desc())
    ).all()
    newest: dict[int | None, Scoresheet] = {}
    for sheet in rows:
        newest.setdefault(sheet.assignment_id, sheet)
    return list(newest.values())

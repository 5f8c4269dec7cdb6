"""The scoring rules applied to what is stored for a submission's current round."""

from __future__ import annotations

from sqlmodel import Session, col, select

from qa.domain.assignments import SheetKind, SheetStatus
from qa.domain.scoring import Assessment, RaterScores, assess
from qa.persistence.models import Scoresheet, Submission, SubmissionRound
from qa.services.rubrics.scoresheets import current_sheet, levels_of, pinned_rubric


def submitted_reviews(session: Session, submission: Submission) -> list[Scoresheet]:
    return list(
        session.exec(
            select(Scoresheet)
            .where(
                Scoresheet.submission_id == submission.id,
                Scoresheet.round_number == submission.current_round,
                Scoresheet.kind == SheetKind.PEER,
                Scoresheet.status == SheetStatus.SUBMITTED,
            )
            .order_by(col(Scoresheet.assignment_id))
        )
    )


def round_assessment(
    session: Session, submission: Submission, reviews: list[Scoresheet] | None = None
) -> Assessment:
    """Aggregates, must-pass checks and the recommended decision for the current round."""
    _, rubric = pinned_rubric(session, submission)
    sheets = submitted_reviews(session, submission) if reviews is None else reviews
    raters = [
        RaterScores(f"reviewer {n}", levels_of(session, sheet))
        for n, sheet in enumerate(sheets, start=1)
    ]
    consensus_sheet = current_sheet(session, submission, SheetKind.CONSENSUS)
    consensus = levels_of(session, consensus_sheet) if consensus_sheet else None
    return assess(rubric, raters, consensus=consensus, round_number=submission.current_round)


def self_levels(session: Session, submission: Submission) -> dict[str, int | None]:
    sheet = current_sheet(session, submission, SheetKind.SELF)
    return levels_of(session, sheet) if sheet else {}


def store_aggregates(session: Session, submission: Submission, data: dict[str, object]) -> None:
    """Keep the scoring result with the round, for the officer and the auditor."""
    row = session.exec(
        select(SubmissionRound).where(
            SubmissionRound.submission_id == submission.id,
            SubmissionRound.number == submission.current_round,
        )
    ).one()
    row.aggregates = data
    session.add(row)

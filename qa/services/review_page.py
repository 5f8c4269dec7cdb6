"""What the reviewer's scoring page shows: a context built from the services' data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qa.domain.actor import Actor
from qa.domain.errors import NotFound
from qa.domain.policy import require_assigned_reviewer
from qa.domain.rubric import Rubric
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Score
from qa.services.lifecycle import load_submission
from qa.services.reviews import SCORING_STATES
from qa.services.scoresheets import PEER, current_sheet, pinned_rubric, scores_of
from qa.services.submissions import descriptor_data


@dataclass(frozen=True)
class ReviewPage:
    assignment: Assignment
    title: str
    descriptor: dict[str, Any]
    rubric: Rubric
    scores: dict[str, Score]
    locked: bool
    can_score: bool
    scored: int


def review_page(db: Database, actor: Actor, assignment_id: int) -> ReviewPage:
    with db.session() as session:
        assignment = session.get(Assignment, assignment_id)
        if assignment is None:
            raise NotFound(f"assignment {assignment_id} does not exist")
        require_assigned_reviewer(actor, assignment.reviewer_id)
        submission = load_submission(session, assignment.submission_id)
        _, rubric = pinned_rubric(session, submission)
        sheet = current_sheet(session, submission, PEER, assignment_id)
        scores = scores_of(session, sheet) if sheet else {}
    locked = sheet is not None and sheet.status != "open"
    can_score = (
        assignment.state in SCORING_STATES and assignment.coi_status == "none" and not locked
    )
    scored = sum(1 for s in scores.values() if s.level is not None or s.cannot_judge)
    return ReviewPage(
        assignment=assignment,
        title=submission.title,
        descriptor=descriptor_data(db, submission.id or 0),
        rubric=rubric,
        scores=scores,
        locked=locked,
        can_score=can_score,
        scored=scored,
    )

"""Autosave of one peer-review criterion: the web UI's busiest write, in plain Core.

Every change of a level, and every pause in typing a comment, posts one criterion. The
rules are those of `scoresheets.save_score` (last write wins, refused once the sheet is
submitted, an audit entry whenever the stored answer changes); the work is one SELECT that
reads the assignment, its submission, the reviewer's newest sheet and the criterion's score,
one UPDATE or INSERT of the score, one INSERT of the audit entry. ORM objects are only
built on the rare path that opens a reviewer's first sheet: loading and flushing them cost
more than the statements themselves (bench/autosave.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from qa.audit.log import entry_values
from qa.domain.actor import Actor
from qa.domain.assignments import SheetKind, require_scorable
from qa.domain.errors import NotFound
from qa.domain.policy import require_assigned_reviewer
from qa.domain.rubric import Rubric
from qa.domain.score_input import SCORE_FIELDS, ScoreInput, is_answered, stored_score
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import (
    Assignment,
    AuditEntry,
    Score,
    Scoresheet,
    Submission,
)
from qa.services.rubrics.scoresheets import new_sheet, rater_key, refuse_if_locked, rubric_version


@dataclass(frozen=True)
class SavedScore:
    """A saved criterion plus what the page needs to show progress, from one transaction."""

    score_id: int
    rubric: Rubric
    #: Criteria of this sheet with a level or "cannot judge"; None when this save did not
    #: change which criteria are answered (the page's progress stays as it is).
    done: frozenset[str] | None


def autosave_review_score(
    db: Database, actor: Actor, assignment_id: int, entry: ScoreInput
) -> SavedScore:
    try:
        return _autosave(db, actor, assignment_id, entry)
    except IntegrityError:
        # Two first saves at the same instant (PostgreSQL, the reviewer in two tabs): the
        # other one opened the sheet or the score row first. This attempt was rolled back
        # whole; the second one finds those rows and updates them. (SQLite serializes writers.)
        return _autosave(db, actor, assignment_id, entry)


def _autosave(db: Database, actor: Actor, assignment_id: int, entry: ScoreInput) -> SavedScore:
    with db.write() as session:
        connection = session.connection()
        found = connection.execute(
            _TARGET,
            {
                "assignment_id": assignment_id,
                "rater_key": rater_key(SheetKind.PEER, assignment_id),
                "criterion_id": entry.criterion_id,
            },
        ).first()
        if found is None:
            raise NotFound(f"assignment {assignment_id} does not exist")
        require_assigned_reviewer(actor, found.reviewer_id)
        require_scorable(
            found.state, found.coi_status, found.round_number, found.stage, found.current_round
        )
        rubric = rubric_version(session, found.submission_id, found.rubric_version_id)
        entry.check(rubric)
        sheet_id = found.sheet_id
        if sheet_id is None:
            sheet = new_sheet(
                session,
                found.submission_id,
                found.current_round,
                SheetKind.PEER,
                assignment_id,
                found.rubric_version_id,
            )
            sheet_id, sheet_status = sheet.id, sheet.status
        else:
            sheet_status = found.sheet_status
        assert sheet_id is not None
        refuse_if_locked(SheetKind.PEER, sheet_status)
        score_id = _write_score(connection, actor, sheet_id, found, entry, now=clock.now(session))
        was_answered = found.score_id is not None and is_answered(found.level, found.cannot_judge)
        done = (
            frozenset(connection.execute(_ANSWERED, {"sheet_id": sheet_id}).scalars())
            if was_answered != entry.is_scored
            else None
        )
        session.commit()
        return SavedScore(score_id, rubric, done)


def _write_score(
    connection: Connection,
    actor: Actor,
    sheet_id: int,
    found: Row[Any],
    entry: ScoreInput,
    *,
    now: datetime,
) -> int:
    """UPDATE or INSERT the score (its id is returned); an audit entry when the answer changes."""
    values = entry.stored()
    stamp: dict[str, Any] = {"updated_at": now, "updated_by": actor.user_id}
    if found.score_id is None:
        before = None
        score_id: int | None = connection.execute(
            _INSERT_SCORE,
            values | stamp | {"scoresheet_id": sheet_id, "criterion_id": entry.criterion_id},
        ).scalar_one()
    else:
        before = stored_score(*(getattr(found, name) for name in SCORE_FIELDS))
        score_id = found.score_id
        connection.execute(_UPDATE_SCORE, values | stamp | {"score_id": score_id})
    if before != values:
        connection.execute(
            insert(AuditEntry),
            entry_values(
                actor,
                "score.saved",
                entity_type="scoresheet",
                entity_id=sheet_id,
                submission_id=found.submission_id,
                before=before,
                after=values | {"criterion": entry.criterion_id},
                at=now,
            ),
        )
    assert score_id is not None
    return score_id


# Built once: building a statement costs more than running it on SQLite.

#: The assignment, its submission, the reviewer's newest sheet of the current round (none
#: before the first save) and this criterion's score on it, as one row.
_TARGET: Select[*tuple[Any, ...]] = (
    select(
        col(Assignment.reviewer_id),
        col(Assignment.state),
        col(Assignment.coi_status),
        col(Assignment.round_number),
        col(Submission.id).label("submission_id"),
        col(Submission.stage),
        col(Submission.current_round),
        col(Submission.rubric_version_id),
        col(Scoresheet.id).label("sheet_id"),
        col(Scoresheet.status).label("sheet_status"),
        col(Score.id).label("score_id"),
        col(Score.level),
        col(Score.cannot_judge),
        col(Score.comment),
        col(Score.evidence_refs),
        col(Score.no_evidence_reason),
    )
    .join(Submission, col(Submission.id) == col(Assignment.submission_id))
    .outerjoin(
        Scoresheet,
        (col(Scoresheet.submission_id) == col(Submission.id))
        & (col(Scoresheet.round_number) == col(Submission.current_round))
        & (col(Scoresheet.rater_key) == bindparam("rater_key")),
    )
    .outerjoin(
        Score,
        (col(Score.scoresheet_id) == col(Scoresheet.id))
        & (col(Score.criterion_id) == bindparam("criterion_id")),
    )
    .where(col(Assignment.id) == bindparam("assignment_id"))
    .order_by(col(Scoresheet.revision).desc())
    .limit(1)
)
_INSERT_SCORE = insert(Score).returning(col(Score.id))
_UPDATE_SCORE = update(Score).where(col(Score.id) == bindparam("score_id"))
_ANSWERED = select(col(Score.criterion_id)).where(
    col(Score.scoresheet_id) == bindparam("sheet_id"),
    or_(col(Score.level).is_not(None), col(Score.cannot_judge)),
)

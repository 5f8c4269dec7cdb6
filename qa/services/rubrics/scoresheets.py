"""Score sheets (self-assessment, peer review, consensus): get-or-create, autosave, lock."""

from __future__ import annotations

from collections.abc import Sequence
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from qa.audit.log import entry_values, record, record_many
from qa.domain.actor import Actor
from qa.domain.assignments import SheetKind, SheetStatus
from qa.domain.errors import Conflict, InvalidInput, NotFound
from qa.domain.rubric import Rubric
from qa.domain.score_input import SCORE_FIELDS, ScoreInput, is_answered, stored_score
from qa.domain.scoring import completeness
from qa.persistence import clock
from qa.persistence.models import RubricVersion, Score, Scoresheet, Submission
from qa.services.rubrics.rubrics import cached_rubric, rubric_of


def pinned_rubric(session: Session, submission: Submission) -> tuple[RubricVersion, Rubric]:
    if submission.rubric_version_id is None:
        raise NotFound(f"submission {submission.id} has no rubric yet (it is still a draft)")
    row = session.get(RubricVersion, submission.rubric_version_id)
    assert row is not None
    return row, rubric_of(row)


def rubric_version(session: Session, submission_id: int, rubric_version_id: int | None) -> Rubric:
    """The rubric a submission is pinned to, usually without touching the database.

    Versions are immutable (a database guard) and identified by their content hash, so the
    hash of a version id is remembered per engine and the parsed rubric per hash; autosave
    takes this path.
    """
    if rubric_version_id is None:
        raise NotFound(f"submission {submission_id} has no rubric yet (it is still a draft)")
    known = _VERSION_HASHES.setdefault(session.get_bind(), {})
    content_hash = known.get(rubric_version_id)
    if content_hash is None:
        content_hash = session.exec(
            select(RubricVersion.content_hash).where(RubricVersion.id == rubric_version_id)
        ).one()
        known[rubric_version_id] = content_hash
    cached = cached_rubric(content_hash)
    if cached is not None:
        return cached
    row = session.get(RubricVersion, rubric_version_id)
    assert row is not None
    return rubric_of(row)


#: engine -> rubric version id -> content hash (a version never changes once stored).
_VERSION_HASHES: WeakKeyDictionary[object, dict[int, str]] = WeakKeyDictionary()


def rater_key(kind: str, assignment_id: int | None = None) -> str:
    return f"{SheetKind.PEER}:{assignment_id}" if kind == SheetKind.PEER else kind


def current_sheet(
    session: Session, submission: Submission, kind: str, assignment_id: int | None = None
) -> Scoresheet | None:
    """The newest revision of this rater's sheet for the submission's current round."""
    return session.exec(
        _CURRENT_SHEET,
        params={
            "submission_id": submission.id,
            "round_number": submission.current_round,
            "rater_key": rater_key(kind, assignment_id),
        },
    ).first()


#: Built once: autosave runs these on every request, and building a statement costs more
#: than running it on SQLite.
_CURRENT_SHEET = (
    select(Scoresheet)
    .where(
        col(Scoresheet.submission_id) == bindparam("submission_id"),
        col(Scoresheet.round_number) == bindparam("round_number"),
        col(Scoresheet.rater_key) == bindparam("rater_key"),
    )
    .order_by(col(Scoresheet.revision).desc())
)
_SCORE = select(Score).where(
    col(Score.scoresheet_id) == bindparam("sheet_id"),
    col(Score.criterion_id) == bindparam("criterion_id"),
)


def ensure_sheet(
    session: Session, submission: Submission, kind: str, assignment_id: int | None = None
) -> Scoresheet:
    existing = current_sheet(session, submission, kind, assignment_id)
    if existing is not None:
        return existing
    assert submission.id is not None
    assert submission.rubric_version_id is not None
    return new_sheet(
        session,
        submission.id,
        submission.current_round,
        kind,
        assignment_id,
        submission.rubric_version_id,
    )


def new_sheet(  # noqa: PLR0917 - the columns that identify a sheet
    session: Session,
    submission_id: int,
    round_number: int,
    kind: str,
    assignment_id: int | None,
    rubric_version_id: int,
) -> Scoresheet:
    """A rater's first sheet of a round (revision 1, open), flushed so it has an id."""
    sheet = Scoresheet(
        submission_id=submission_id,
        round_number=round_number,
        kind=kind,
        rater_key=rater_key(kind, assignment_id),
        assignment_id=assignment_id,
        rubric_version_id=rubric_version_id,
    )
    session.add(sheet)
    session.flush()
    return sheet


def refuse_if_locked(kind: str, status: str) -> None:
    if status != SheetStatus.OPEN:
        raise Conflict(
            f"this {kind} score sheet was submitted and is locked; a correction is a new "
            "version with a reason"
        )


def scores_of(session: Session, sheet: Scoresheet) -> dict[str, Score]:
    rows = session.exec(select(Score).where(Score.scoresheet_id == sheet.id))
    return {row.criterion_id: row for row in rows}


def levels_of(session: Session, sheet: Scoresheet) -> dict[str, int | None]:
    """criterion id -> level, or None for cannot judge (unscored criteria are absent)."""
    return {
        cid: score.level
        for cid, score in scores_of(session, sheet).items()
        if score.level is not None or score.cannot_judge
    }


def save_score(
    session: Session, actor: Actor, sheet: Scoresheet, rubric: Rubric, entry: ScoreInput
) -> Score:
    """Autosave one criterion (last write wins); refused once the sheet is submitted."""
    return save_score_tracked(session, actor, sheet, rubric, entry)[0]


def save_score_tracked(
    session: Session, actor: Actor, sheet: Scoresheet, rubric: Rubric, entry: ScoreInput
) -> tuple[Score, bool]:
    """`save_score`, also saying whether the criterion went from unanswered to answered
    (or back), i.e. whether the sheet's progress changed."""
    entry.check(rubric)
    refuse_if_locked(sheet.kind, sheet.status)
    assert sheet.id is not None
    score = session.exec(
        _SCORE, params={"sheet_id": sheet.id, "criterion_id": entry.criterion_id}
    ).first()
    before = _score_state(score) if score else None
    was_answered = score is not None and is_answered(score.level, score.cannot_judge)
    if score is None:
        score = Score(scoresheet_id=sheet.id, criterion_id=entry.criterion_id)
    after = entry.stored()
    for name, value in after.items():
        setattr(score, name, value)
    score.updated_at, score.updated_by = clock.now(session), actor.user_id
    session.add(score)
    if before != after:
        record_many(  # one Core INSERT: this runs on every autosave
            session,
            [
                entry_values(
                    actor,
                    "score.saved",
                    entity_type="scoresheet",
                    entity_id=sheet.id,
                    submission_id=sheet.submission_id,
                    before=before,
                    after=after | {"criterion": entry.criterion_id},
                    at=score.updated_at,
                )
            ],
        )
    return score, was_answered != entry.is_scored


def require_complete(
    session: Session, sheet: Scoresheet, rubric: Rubric, *, need_evidence: bool
) -> None:
    """Refuse a submit that leaves criteria unscored (or, for self-assessment, unevidenced)."""
    scores = scores_of(session, sheet)
    missing = list(completeness(rubric, levels_of(session, sheet)))
    if need_evidence:
        missing += [
            f"{cid} (evidence, or a reason why there is none)"
            for cid, score in scores.items()
            if is_answered(score.level, score.cannot_judge)
            and not score.evidence_refs
            and not (score.no_evidence_reason or "").strip()
        ]
    if missing:
        raise InvalidInput(f"{len(missing)} criteria still need an answer", _short(missing))


def lock(session: Session, actor: Actor, sheet: Scoresheet, **values: object) -> None:
    """Submit a sheet: it becomes immutable."""
    sheet.status = SheetStatus.SUBMITTED
    sheet.submitted_at = clock.now(session)
    sheet.submitted_by = actor.user_id
    for name, value in values.items():
        setattr(sheet, name, value)
    sheet.version += 1
    session.add(sheet)


def new_revision(session: Session, actor: Actor, sheet: Scoresheet, reason: str) -> Scoresheet:
    """Reopen a submitted sheet as a new revision (a copy), keeping the submitted one intact."""
    assert sheet.id is not None
    sheet.status = SheetStatus.SUPERSEDED
    session.add(sheet)
    revision = Scoresheet(
        submission_id=sheet.submission_id,
        round_number=sheet.round_number,
        kind=sheet.kind,
        rater_key=sheet.rater_key,
        assignment_id=sheet.assignment_id,
        rubric_version_id=sheet.rubric_version_id,
        revision=sheet.revision + 1,
        supersedes_id=sheet.id,
        correction_reason=reason,
    )
    session.add(revision)
    session.flush()
    assert revision.id is not None
    for old in scores_of(session, sheet).values():
        session.add(
            Score(
                scoresheet_id=revision.id,
                criterion_id=old.criterion_id,
                level=old.level,
                cannot_judge=old.cannot_judge,
                comment=old.comment,
                evidence_refs=list(old.evidence_refs),
                no_evidence_reason=old.no_evidence_reason,
                updated_at=old.updated_at,
                updated_by=old.updated_by,
            )
        )
    record(
        session,
        actor,
        "scoresheet.reopened",
        entity_type="scoresheet",
        entity_id=revision.id,
        submission_id=sheet.submission_id,
        before={"sheet": sheet.id, "revision": sheet.revision},
        after={"sheet": revision.id, "revision": revision.revision, "reason": reason},
    )
    return revision


def _score_state(score: Score) -> dict[str, object]:
    return stored_score(*(getattr(score, name) for name in SCORE_FIELDS))


def _short(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(items)

"""Autosave of one peer-review criterion: the rules of `save_score` on the Core fast path."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.assignments import SheetKind
from qa.domain.errors import Conflict, IllegalTransition, InvalidInput, NotAllowed, NotFound
from qa.domain.score_input import ScoreInput
from qa.persistence.models import Assignment, AuditEntry, Score, Scoresheet
from qa.services.decisions.corrections import reopen_review
from qa.services.review import autosave
from qa.services.review.autosave import autosave_review_score
from qa.services.review.reviews import declare_conflict, respond
from qa.services.rubrics import scoresheets
from tests.world import World


@pytest.fixture
def scoring(world: World, good_descriptor: dict[str, Any]) -> tuple[Actor, int]:
    """A reviewer who accepted and declared no conflict, before any save."""
    assignment = world.assignments(world.to_peer_review(good_descriptor))[0]
    reviewer = world.reviewer_for(assignment)
    assert assignment.id is not None
    done = respond(
        world.db, reviewer, assignment.id, expected_version=assignment.version, accept=True
    )
    declare_conflict(
        world.db, reviewer, assignment.id, expected_version=done.version, has_conflict=False
    )
    return reviewer, assignment.id


def _sheets(world: World, assignment_id: int) -> list[Scoresheet]:
    with world.db.session() as session:
        return list(
            session.exec(
                select(Scoresheet)
                .where(Scoresheet.assignment_id == assignment_id)
                .order_by(col(Scoresheet.revision))
            )
        )


def _scores(world: World, sheet_id: int | None) -> dict[str, Score]:
    with world.db.session() as session:
        rows = session.exec(select(Score).where(Score.scoresheet_id == sheet_id))
        return {row.criterion_id: row for row in rows}


def _saves(world: World, reviewer: Actor) -> list[AuditEntry]:
    """The reviewer's score.saved entries (the provider's self-assessment has its own)."""
    with world.db.session() as session:
        return list(
            session.exec(
                select(AuditEntry)
                .where(AuditEntry.action == "score.saved", AuditEntry.actor_id == reviewer.user_id)
                .order_by(col(AuditEntry.id))
            )
        )


def test_the_first_save_opens_the_sheet_and_records_who_changed_what(
    world: World, scoring: tuple[Actor, int]
) -> None:
    reviewer, assignment_id = scoring
    saved = autosave_review_score(
        world.db, reviewer, assignment_id, ScoreInput("QUAL-1", level=2, comment="Clear aims.")
    )
    [sheet] = _sheets(world, assignment_id)
    assert (sheet.kind, sheet.rater_key, sheet.status, sheet.revision) == (
        "peer",
        f"peer:{assignment_id}",
        "open",
        1,
    )
    stored = _scores(world, sheet.id)["QUAL-1"]
    assert stored.id == saved.score_id
    assert (stored.level, stored.cannot_judge, stored.comment) == (2, False, "Clear aims.")
    assert stored.updated_by == reviewer.user_id
    assert saved.done == frozenset({"QUAL-1"})
    [entry] = _saves(world, reviewer)
    assert entry.actor_id == reviewer.user_id
    assert entry.entity_id == str(sheet.id)
    assert entry.before is None
    assert entry.after is not None
    assert entry.after["level"] == 2
    assert entry.after["criterion"] == "QUAL-1"


def test_a_change_is_audited_with_before_and_after_and_a_repeat_is_not(
    world: World, scoring: tuple[Actor, int]
) -> None:
    reviewer, assignment_id = scoring
    autosave_review_score(world.db, reviewer, assignment_id, ScoreInput("QUAL-1", level=2))
    changed = autosave_review_score(
        world.db, reviewer, assignment_id, ScoreInput("QUAL-1", cannot_judge=True)
    )
    repeated = autosave_review_score(
        world.db, reviewer, assignment_id, ScoreInput("QUAL-1", cannot_judge=True)
    )
    assert changed.done is None  # answered before and after: progress unchanged
    assert repeated.done is None
    assert changed.score_id == repeated.score_id
    _first, second = _saves(world, reviewer)
    assert second.before is not None
    assert second.after is not None
    assert (second.before["level"], second.before["cannot_judge"]) == (2, False)
    assert (second.after["level"], second.after["cannot_judge"]) == (None, True)
    [sheet] = _sheets(world, assignment_id)
    stored = _scores(world, sheet.id)["QUAL-1"]
    assert (stored.level, stored.cannot_judge) == (None, True)


def test_progress_is_sent_only_when_a_criterion_becomes_answered_or_unanswered(
    world: World, scoring: tuple[Actor, int]
) -> None:
    reviewer, assignment_id = scoring

    def save(entry: ScoreInput) -> frozenset[str] | None:
        return autosave_review_score(world.db, reviewer, assignment_id, entry).done

    assert save(ScoreInput("QUAL-2", comment="a note, no level yet")) is None
    assert save(ScoreInput("QUAL-2", level=1, comment="a note")) == frozenset({"QUAL-2"})
    assert save(ScoreInput("QUAL-1", level=3)) == frozenset({"QUAL-1", "QUAL-2"})
    assert save(ScoreInput("QUAL-1", level=0)) is None
    assert save(ScoreInput("QUAL-2", comment="level withdrawn")) == frozenset({"QUAL-1"})


def test_refusals_name_the_reason_and_save_nothing(
    world: World, scoring: tuple[Actor, int]
) -> None:
    reviewer, assignment_id = scoring
    other = next(r for r in world.reviewers if r.user_id != reviewer.user_id)
    with pytest.raises(NotFound, match="assignment 999999 does not exist"):
        autosave_review_score(world.db, reviewer, 999999, ScoreInput("QUAL-1", level=1))
    with pytest.raises(NotAllowed, match="assigned to someone else"):
        autosave_review_score(world.db, other, assignment_id, ScoreInput("QUAL-1", level=1))
    with pytest.raises(InvalidInput, match="'NOPE-1' is not a criterion"):
        autosave_review_score(world.db, reviewer, assignment_id, ScoreInput("NOPE-1", level=1))
    with pytest.raises(InvalidInput, match="level must be 0, 1, 2 or 3"):
        autosave_review_score(world.db, reviewer, assignment_id, ScoreInput("QUAL-1", level=7))
    assert _sheets(world, assignment_id) == []  # not even an empty sheet was left behind
    assert _saves(world, reviewer) == []


def test_scoring_waits_for_acceptance_and_the_conflict_question(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    assignment = world.assignments(world.to_peer_review(good_descriptor))[0]
    reviewer = world.reviewer_for(assignment)
    assert assignment.id is not None
    with pytest.raises(IllegalTransition, match="accept the invitation before scoring"):
        autosave_review_score(world.db, reviewer, assignment.id, ScoreInput("QUAL-1", level=1))
    respond(world.db, reviewer, assignment.id, expected_version=assignment.version, accept=True)
    with pytest.raises(IllegalTransition, match="conflict-of-interest question"):
        autosave_review_score(world.db, reviewer, assignment.id, ScoreInput("QUAL-1", level=1))


def test_a_submitted_review_is_locked_and_a_reopened_one_saves_to_the_new_revision(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    world.review(world.assignments(submission_id)[0], levels=3)
    submitted = world.assignments(submission_id)[0]
    reviewer = world.reviewer_for(submitted)
    assert submitted.id is not None
    with pytest.raises(IllegalTransition, match="this review is submitted"):
        autosave_review_score(world.db, reviewer, submitted.id, ScoreInput("QUAL-1", level=0))
    reopened: Assignment = reopen_review(
        world.db,
        world.officers[0],
        submitted.id,
        expected_version=submitted.version,
        reason="The reviewer scored QUAL-1 on the wrong file.",
    )
    assert reopened.state == "accepted"
    autosave_review_score(world.db, reviewer, submitted.id, ScoreInput("QUAL-1", level=0))
    old, new = _sheets(world, submitted.id)
    assert (old.status, new.status) == ("superseded", "open")
    assert _scores(world, old.id)["QUAL-1"].level == 3  # the submitted original is untouched
    assert _scores(world, new.id)["QUAL-1"].level == 0


def test_a_locked_sheet_of_an_open_assignment_is_refused(
    world: World, scoring: tuple[Actor, int]
) -> None:
    """Defence in depth: the sheet's own status is checked, not only the assignment's."""
    reviewer, assignment_id = scoring
    autosave_review_score(world.db, reviewer, assignment_id, ScoreInput("QUAL-1", level=2))
    [sheet] = _sheets(world, assignment_id)
    with world.db.write() as session:
        sheet.status = "submitted"
        session.add(sheet)
        session.commit()
    with pytest.raises(Conflict, match="submitted and is locked"):
        autosave_review_score(world.db, reviewer, assignment_id, ScoreInput("QUAL-1", level=0))
    assert _scores(world, sheet.id)["QUAL-1"].level == 2


def test_two_first_saves_at_the_same_instant_both_land(
    world: World, scoring: tuple[Actor, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reviewer in two tabs on PostgreSQL: the other tab opens the sheet between this
    save's read and its insert. The unique constraint refuses the duplicate sheet, and the
    save is tried again, finding the sheet: no error, one sheet, both answers kept."""
    if world.db.is_sqlite:
        pytest.skip("SQLite serializes write transactions: the second save waits its turn")
    reviewer, assignment_id = scoring
    real_new_sheet = scoresheets.new_sheet
    raced: list[int] = []

    def other_tab_first(session: Any, *args: Any) -> Scoresheet:
        if not raced:
            raced.append(1)
            autosave_review_score(
                world.db, reviewer, assignment_id, ScoreInput("QUAL-2", level=1)
            )  # its own transaction, committed before ours inserts
        return real_new_sheet(session, *args)

    monkeypatch.setattr(autosave, "new_sheet", other_tab_first)
    saved = autosave_review_score(world.db, reviewer, assignment_id, ScoreInput("QUAL-1", level=3))
    assert raced == [1]
    [sheet] = _sheets(world, assignment_id)
    scores = _scores(world, sheet.id)
    assert (scores["QUAL-1"].level, scores["QUAL-2"].level) == (3, 1)
    assert saved.done == frozenset({"QUAL-1", "QUAL-2"})


@pytest.mark.parametrize(
    "entries",
    [
        [ScoreInput("QUAL-1", level=2, comment="Clear aims.")],
        [ScoreInput("QUAL-1", level=3), ScoreInput("QUAL-1", cannot_judge=True, comment="n/a")],
        [ScoreInput("QUAL-1", level=1, evidence_refs=("p. 4",)), ScoreInput("QUAL-1", level=1)],
    ],
)
def test_both_save_paths_store_and_audit_a_score_alike(
    world: World, scoring: tuple[Actor, int], entries: list[ScoreInput]
) -> None:
    """The Core autosave path and the ORM path (`scoresheets.save_score`) apply one rule:
    the same entries leave the same columns and the same audit before/after."""
    reviewer, assignment_id = scoring
    for entry in entries:
        autosave_review_score(world.db, reviewer, assignment_id, entry)
    [fast] = _sheets(world, assignment_id)
    fast_trail = [(e.before, e.after) for e in _saves(world, reviewer)]
    with world.db.write() as session:
        sheet = session.get(Scoresheet, fast.id)
        assert sheet is not None
        rubric = scoresheets.rubric_version(session, sheet.submission_id, sheet.rubric_version_id)
        orm = scoresheets.new_sheet(  # a consensus sheet is saved through the ORM path
            session,
            sheet.submission_id,
            sheet.round_number,
            SheetKind.CONSENSUS,
            None,
            sheet.rubric_version_id,
        )
        first_audit = max(e.id or 0 for e in _saves(world, reviewer))
        for entry in entries:
            scoresheets.save_score(session, reviewer, orm, rubric, entry)
        session.commit()
    columns = ("level", "cannot_judge", "comment", "evidence_refs", "no_evidence_reason")

    def stored(sheet_id: int | None) -> tuple[object, ...]:
        score = _scores(world, sheet_id)["QUAL-1"]
        return tuple(getattr(score, name) for name in columns)

    assert stored(orm.id) == stored(fast.id)
    orm_trail = [(e.before, e.after) for e in _saves(world, reviewer) if (e.id or 0) > first_audit]
    assert orm_trail == fast_trail
    assert entries[-1].stored() == dict(zip(columns, stored(fast.id), strict=True))

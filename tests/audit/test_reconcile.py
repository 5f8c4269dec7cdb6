"""Reconciliation: rows edited behind the product's back differ from the replayed trail."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from qa.audit.reconcile import NO_ENTRY, ROW_GONE, Difference, reconcile
from qa.domain.score_input import ScoreInput
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Decision, Score, Scoresheet
from qa.services.decisions.corrections import correct_decision, reopen_review
from qa.services.decisions.decisions import (
    ConditionInput,
    complete_moderation,
    save_consensus,
    sign_off,
)
from qa.services.review.reviews import submit_review
from qa.services.submissions.resubmission import resubmit
from tests.clock import TODAY
from tests.export.conftest import _descriptor, _reviewed, _sign
from tests.world import World


def _sql(db: Database, statement: str, **params: Any) -> None:
    """Behind the product's back: no service, no audit entry."""
    with db.engine.begin() as connection:
        connection.execute(text(statement), params)


@pytest.fixture
def decided(world: World) -> World:
    """Moderation, conditions, revise-and-resubmit, a second round and a corrected decision."""
    officer = world.officers[0]
    a = _reviewed(world, _descriptor(1), {"QUAL-3": 0}, {"QUAL-3": 3})
    save_consensus(world.db, officer, a, ScoreInput("QUAL-3", level=2, comment="agreed"))
    complete_moderation(world.db, officer, a, expected_version=world.submission(a).version)
    _sign(world, a, "approved")
    b = _reviewed(world, _descriptor(2, title="Data Stewardship"), {"RECG-2": 0}, {"RECG-2": 0})
    due = TODAY + timedelta(days=120)
    conditions = [ConditionInput("Publish a recognition procedure", "Quality office", due)]
    _sign(world, b, "approved_with_conditions", conditions=conditions)
    c = _reviewed(world, _descriptor(3, title="Cloud Basics"), {}, {})
    _sign(world, c, "revise_and_resubmit", rationale="Resubmit with the accreditation.")
    resubmit(world.db, world.provider, c, expected_version=world.submission(c).version, today=TODAY)
    world.route()
    world.self_assess(c)
    world.screen(c, accept=True)
    world.route()
    first, second, *_ = world.round_assignments(c)
    world.review(first)
    world.review(second)
    world.route()
    _sign(world, c, "approved")
    (first_b,) = world.decisions(b)
    assert first_b.id is not None
    correct_decision(
        world.db, officer, first_b.id, reason="Typo in the rationale", rationale="Corrected."
    )
    return world


def test_a_full_lifecycle_reconciles_with_no_difference(decided: World) -> None:
    report = reconcile(decided.db, submissions_per_pass=2)  # several passes over the ranges
    assert report.differences == []
    assert report.entries > 100 and report.rows > 100


def test_a_reopened_and_resubmitted_review_still_reconciles(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first = world.assignments(submission_id)[0]
    world.review(first)
    submitted = world.assignments(submission_id)[0]
    assert submitted.id is not None
    reopened = reopen_review(
        world.db,
        world.officers[0],
        submitted.id,
        expected_version=submitted.version,
        reason="The reviewer scored on the wrong file.",
    )
    submit_review(
        world.db,
        world.reviewer_for(reopened),
        submitted.id,
        expected_version=reopened.version,
        recommendation="approved",
        summary="Resubmitted unchanged.",
    )
    assert reconcile(world.db).differences == []


def _one(db: Database, statement: Any) -> Any:
    with db.session() as session:
        return session.exec(statement).first()


def test_a_score_edited_in_sql_is_named_with_both_values(decided: World) -> None:
    score = _one(
        decided.db,
        select(Score)
        .join(Scoresheet, col(Scoresheet.id) == col(Score.scoresheet_id))
        .where(Scoresheet.kind == "peer", Score.level == 3),
    )
    _sql(decided.db, "UPDATE score SET level = 0, comment = 'fine' WHERE id = :id", id=score.id)
    differences = reconcile(decided.db).differences
    assert differences == [
        Difference("score", score.id, "level", 0, 3),
        Difference("score", score.id, "comment", "fine", "seen"),
    ]
    assert str(differences[0]) == f"score {score.id} level: stored 0, audited 3"


def test_a_consensus_score_edited_in_sql_is_named(decided: World) -> None:
    score = _one(
        decided.db,
        select(Score)
        .join(Scoresheet, col(Scoresheet.id) == col(Score.scoresheet_id))
        .where(Scoresheet.kind == "consensus"),
    )
    _sql(decided.db, "UPDATE score SET cannot_judge = :yes WHERE id = :id", id=score.id, yes=True)
    assert reconcile(decided.db).differences == [
        Difference("score", score.id, "cannot_judge", True, False)
    ]


def test_an_assignment_state_edited_in_sql_is_named(decided: World) -> None:
    assignment = _one(decided.db, select(Assignment).where(Assignment.state == "submitted"))
    _sql(decided.db, "UPDATE assignment SET state = 'declined' WHERE id = :id", id=assignment.id)
    assert reconcile(decided.db).differences == [
        Difference("assignment", assignment.id, "state", "declined", "submitted")
    ]


def test_a_submission_stage_edited_in_sql_is_named(decided: World) -> None:
    submission_id = decided.submission(1).id
    stage = decided.stage(1)
    _sql(decided.db, "UPDATE submission SET stage = 'rejected' WHERE id = 1")
    assert reconcile(decided.db).differences == [
        Difference("submission", submission_id or 1, "stage", "rejected", stage)
    ]


def test_a_decision_edited_in_sql_is_named(decided: World) -> None:
    decision = _one(decided.db, select(Decision).where(Decision.decision == "approved"))
    _sql(
        decided.db,
        "UPDATE decision SET decision = 'rejected', rationale = 'x' WHERE id = :id",
        id=decision.id,
    )
    assert reconcile(decided.db).differences == [
        Difference("decision", decision.id, "decision", "rejected", "approved"),
        Difference("decision", decision.id, "rationale", "x", decision.rationale),
    ]


def test_forged_and_deleted_rows_are_named(decided: World) -> None:
    decision = _one(decided.db, select(Decision).where(Decision.decision == "approved"))
    score = _one(decided.db, select(Score).where(Score.level == 3))
    _sql(decided.db, "DELETE FROM score WHERE id = :id", id=score.id)
    _sql(  # a second revision no audit entry knows about
        decided.db,
        "INSERT INTO decision (submission_id, round_number, decision, signed_by, signed_at, "
        "revision) SELECT submission_id, round_number, 'rejected', signed_by, signed_at, 9 "
        "FROM decision WHERE id = :id",
        id=decision.id,
    )
    differences = reconcile(decided.db).differences
    forged = _one(decided.db, select(Decision).where(Decision.revision == 9))
    assert Difference("decision", forged.id, "row", "present", NO_ENTRY) in differences
    assert (
        Difference(
            "scoresheet", score.scoresheet_id, f"score {score.criterion_id}", ROW_GONE, "saved"
        )
        in differences
    )
    assert len(differences) == 2


def test_old_entries_without_a_field_raise_no_false_alarm(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    """Entries written before `valid_to` was in the payload: the field is not compared."""
    submission_id = world.to_sign_off(good_descriptor)
    sign_off(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="approved",
        rationale=None,
        today=world.today,
    )
    with world.db.engine.begin() as connection:  # as an older version wrote it
        rows = connection.execute(
            text("SELECT id, after FROM audit_entry WHERE action = 'decision.signed'")
        ).all()
    assert rows
    for entry_id, after in rows:
        data = after if isinstance(after, dict) else json.loads(after)
        data.pop("valid_to")
        _sql(
            world.db,
            "UPDATE audit_entry SET after = :after WHERE id = :id",
            after=json.dumps(data),
            id=entry_id,
        )
    _sql(world.db, "UPDATE decision SET valid_to = NULL")
    assert reconcile(world.db).differences == []

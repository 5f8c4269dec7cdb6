"""The whole review lifecycle through the services and the routing steps (no Prefect)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from qa.domain.errors import Conflict, IllegalTransition, InvalidInput, NotAllowed
from qa.domain.score_input import ScoreInput
from qa.persistence.models import AuditEntry, Decision, Notification, OutboxMessage, StageChange
from qa.services.decisions.decisions import ConditionInput, mark_condition_met, sign_off
from qa.services.review.reviews import save_review_score, submit_review
from qa.services.submissions.lifecycle import stage_history
from tests.world import World


def test_a_submission_goes_from_intake_to_approved(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    assignments = world.assignments(submission_id)
    assert world.stage(submission_id) == "peer_review"
    assert len(assignments) == 3
    assert {world.reviewer_for(a).user_id for a in assignments} == {
        r.user_id for r in world.reviewers
    }

    world.review(assignments[0])
    world.review(assignments[1])
    world.route()
    assert world.stage(submission_id) == "sign_off"

    decision = sign_off(
        world.db,
        world.officers[1],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="approved",
        rationale=None,
        today=world.today,
    )
    world.route()

    assert world.stage(submission_id) == "approved"
    assert decision.recommended_decision == "approved"
    assert decision.valid_to == world.today.replace(year=world.today.year + 6)
    with world.db.session() as session:
        stages = [c.to_stage for c in stage_history(session, submission_id)]
        notes = session.exec(select(Notification.subject)).all()
        pending = session.exec(select(OutboxMessage).where(OutboxMessage.status != "done")).all()
    assert stages == [
        "submitted",
        "self_assessment",
        "screening",
        "peer_review",
        "sign_off",
        "approved",
    ]
    assert any("decision: approved" in subject for subject in notes)
    assert pending == []


def test_routing_twice_changes_nothing(world: World, good_descriptor: dict[str, Any]) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    with world.db.session() as session:
        before = (
            len(session.exec(select(AuditEntry)).all()),
            len(session.exec(select(Notification)).all()),
        )
    from qa.services.automation.routing import RoutingContext, route_submission

    steps = route_submission(world.db, submission_id, RoutingContext(today=world.today))
    assert steps == []
    with world.db.session() as session:
        after = (
            len(session.exec(select(AuditEntry)).all()),
            len(session.exec(select(Notification)).all()),
        )
    assert after == before
    assert len(world.assignments(submission_id)) == 3


def test_disagreement_routes_to_moderation(world: World, good_descriptor: dict[str, Any]) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first, second, _ = world.assignments(submission_id)
    world.review(first, {"QUAL-3": 0})
    world.review(second, {"QUAL-3": 3})
    world.route()
    assert world.stage(submission_id) == "moderation"


def test_signer_must_not_have_reviewed_and_departures_need_a_rationale(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_sign_off(good_descriptor)
    version = world.submission(submission_id).version
    reviewer_as_officer = world.reviewers[0].__class__(
        "reviewer and officer",
        world.reviewer_for(world.assignments(submission_id)[0]).user_id,
        frozenset(world.officers[0].roles),
    )
    with pytest.raises(NotAllowed, match="someone else must sign it off"):
        sign_off(
            world.db,
            reviewer_as_officer,
            submission_id,
            expected_version=version,
            decision="approved",
            rationale=None,
            today=world.today,
        )
    with pytest.raises(InvalidInput) as caught:
        sign_off(
            world.db,
            world.officers[0],
            submission_id,
            expected_version=version,
            decision="rejected",
            rationale="no",
            today=world.today,
        )
    assert any("recommended decision is approved" in p for p in caught.value.problems)
    assert world.stage(submission_id) == "sign_off"


def test_two_officers_signing_at_once_one_wins(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_sign_off(good_descriptor)
    seen = world.submission(submission_id).version  # both officers loaded the same page
    sign_off(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=seen,
        decision="approved",
        rationale=None,
        today=world.today,
    )
    with pytest.raises(Conflict, match="reload"):
        sign_off(
            world.db,
            world.officers[1],
            submission_id,
            expected_version=seen,
            decision="approved",
            rationale=None,
            today=world.today,
        )
    with world.db.session() as session:
        assert len(session.exec(select(Decision)).all()) == 1


def test_a_submitted_review_is_locked(world: World, good_descriptor: dict[str, Any]) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first = world.assignments(submission_id)[0]
    world.review(first)
    reviewer = world.reviewer_for(first)
    assert first.id is not None
    with pytest.raises(IllegalTransition, match="scores can no longer change"):
        save_review_score(world.db, reviewer, first.id, ScoreInput("QUAL-1", level=0))
    with pytest.raises(Conflict, match="already submitted"):
        submit_review(
            world.db,
            reviewer,
            first.id,
            expected_version=99,
            recommendation="approved",
            summary="Second submission of the same review",
        )


def test_conditions_met_upgrade_to_approved(world: World, good_descriptor: dict[str, Any]) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first, second, _ = world.assignments(submission_id)
    world.review(first, {"RECG-2": 0})
    world.review(second, {"RECG-2": 0})
    world.route()
    assert world.stage(submission_id) == "sign_off"
    due = world.today + timedelta(days=90)
    decision = sign_off(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="approved_with_conditions",
        rationale=None,
        today=world.today,
        conditions=[ConditionInput("Recognise others' micro-credentials", "Programme board", due)],
    )
    assert decision.recommended_decision == "approved_with_conditions"
    assert world.stage(submission_id) == "approved_with_conditions"
    from qa.persistence.models import Condition

    with world.db.session() as session:
        condition = session.exec(select(Condition)).one()
    assert condition.id is not None
    mark_condition_met(
        world.db,
        world.officers[0],
        condition.id,
        expected_version=condition.version,
        evidence="Board minutes 2027-05",
    )
    assert world.stage(submission_id) == "approved"
    with world.db.session() as session:
        last = session.exec(select(StageChange).order_by(col(StageChange.id).desc())).first()
    assert last is not None and last.from_stage == "approved_with_conditions"

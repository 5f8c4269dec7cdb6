"""Corrections are new versions with a reason; the originals stay untouched."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from qa.domain.errors import IllegalTransition, InvalidInput
from qa.domain.score_input import ScoreInput
from qa.persistence.models import Decision, Notification, Score, Scoresheet
from qa.services.decisions.corrections import correct_decision, reopen_review
from qa.services.decisions.decisions import sign_off
from qa.services.review.reviews import save_review_score, submit_review
from tests.world import World


def test_a_reopened_review_is_a_new_revision(world: World, good_descriptor: dict[str, Any]) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first = world.assignments(submission_id)[0]
    world.review(first)
    submitted = world.assignments(submission_id)[0]
    assert submitted.id is not None
    with pytest.raises(InvalidInput):
        reopen_review(
            world.db,
            world.officers[0],
            submitted.id,
            expected_version=submitted.version,
            reason="typo",
        )
    reopened = reopen_review(
        world.db,
        world.officers[0],
        submitted.id,
        expected_version=submitted.version,
        reason="The reviewer scored QUAL-2 on the wrong file.",
    )
    reviewer = world.reviewer_for(reopened)
    save_review_score(world.db, reviewer, submitted.id, ScoreInput("QUAL-2", level=2))
    submit_review(
        world.db,
        reviewer,
        submitted.id,
        expected_version=reopened.version,
        recommendation="approved",
        summary="Corrected after reopening the review.",
    )
    with world.db.session() as session:
        sheets = session.exec(
            select(Scoresheet)
            .where(Scoresheet.assignment_id == submitted.id)
            .order_by(col(Scoresheet.revision))
        ).all()
        old = session.exec(
            select(Score).where(Score.scoresheet_id == sheets[0].id, Score.criterion_id == "QUAL-2")
        ).one()
        new = session.exec(
            select(Score).where(Score.scoresheet_id == sheets[1].id, Score.criterion_id == "QUAL-2")
        ).one()
    assert [(s.revision, s.status) for s in sheets] == [(1, "superseded"), (2, "submitted")]
    assert sheets[1].correction_reason == "The reviewer scored QUAL-2 on the wrong file."
    assert (old.level, new.level) == (3, 2)


def test_a_decision_correction_keeps_the_original(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_sign_off(good_descriptor)
    signed = sign_off(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="approved",
        rationale=None,
        today=world.today,
    )
    assert signed.id is not None and signed.valid_to is not None
    shorter = signed.valid_to - timedelta(days=365 * 3)
    corrected = correct_decision(
        world.db,
        world.officers[0],
        signed.id,
        reason="Validity aligned with the provider's 3-year cycle.",
        valid_to=shorter,
    )
    assert (corrected.revision, corrected.supersedes_id, corrected.valid_to) == (
        2,
        signed.id,
        shorter,
    )
    with world.db.session() as session:
        original = session.get(Decision, signed.id)
    assert original is not None and original.valid_to == signed.valid_to
    with pytest.raises(IllegalTransition, match="already corrected"):
        correct_decision(
            world.db,
            world.officers[0],
            signed.id,
            reason="A second correction of the same version.",
        )


def test_the_reviewer_is_told_when_their_review_is_reopened(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    world.review(world.assignments(submission_id)[0])
    submitted = world.assignments(submission_id)[0]
    assert submitted.id is not None
    reason = "The reviewer scored QUAL-2 on the wrong file."
    reopen_review(
        world.db, world.officers[0], submitted.id, expected_version=submitted.version, reason=reason
    )
    with world.db.session() as session:
        (message,) = session.exec(
            select(Notification).where(Notification.key == f"reopened:{submitted.id}:r2")
        ).all()
    assert message.recipient_id == submitted.reviewer_id
    assert "reopened" in message.subject and reason in message.body

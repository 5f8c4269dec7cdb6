"""The deadlines run against SQLite and PostgreSQL: reminders, overdue, escalation, expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from qa.domain.deadlines import DeadlineAction, DeadlinePolicy, due_actions
from qa.domain.score_input import ScoreInput
from qa.persistence.models import Assignment, AuditEntry, Notification, OutboxMessage
from qa.services.review.deadlines import DeadlineRun, apply_deadlines
from qa.services.review.reviews import declare_conflict, respond, save_review_score, submit_review
from tests.world import World

NOTHING = DeadlineRun()


def accept(world: World, assignment: Assignment) -> Assignment:
    """The reviewer accepts and declares no conflict of interest (ready to score)."""
    reviewer = world.reviewer_for(assignment)
    assert assignment.id is not None
    done = respond(
        world.db, reviewer, assignment.id, expected_version=assignment.version, accept=True
    )
    return declare_conflict(
        world.db, reviewer, assignment.id, expected_version=done.version, has_conflict=False
    )


def notifications(world: World, prefix: str) -> list[Notification]:
    with world.db.session() as session:
        return list(
            session.exec(
                select(Notification)
                .where(col(Notification.key).startswith(prefix))
                .order_by(col(Notification.id))
            )
        )


def audit(world: World, action: str) -> list[AuditEntry]:
    with world.db.session() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def officer_ids(world: World) -> set[int | None]:
    return {officer.user_id for officer in world.officers}


def test_reminders_before_the_answer_is_due_go_out_once(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    invited = world.assignments(submission_id)
    respond_by = invited[0].respond_by
    assert respond_by is not None

    assert apply_deadlines(world.db, today=respond_by - timedelta(days=4)) == NOTHING
    day = respond_by - timedelta(days=3)
    first = apply_deadlines(world.db, today=day)
    second = apply_deadlines(world.db, today=day)

    assert first.reminded == 3
    assert first.keys == [f"remind:{a.id}:respond:{respond_by}:-3" for a in invited]
    assert second == NOTHING
    reminders = notifications(world, "remind:")
    assert sorted(n.recipient_id or 0 for n in reminders) == sorted(a.reviewer_id for a in invited)
    for note in reminders:
        assert note.submission_id == submission_id
        assert "invitation" in note.subject and good_descriptor["title"] in note.subject
        assert "is due in 3 days" in note.body
    # the next slot is a new reminder, once
    assert apply_deadlines(world.db, today=respond_by - timedelta(days=1)).reminded == 3
    assert apply_deadlines(world.db, today=respond_by - timedelta(days=1)) == NOTHING
    assert len(notifications(world, "remind:")) == 6


def test_an_overdue_review_is_marked_and_can_still_be_submitted(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    accepted = accept(world, world.assignments(submission_id)[0])
    assert accepted.id is not None and accepted.review_by is not None
    due = accepted.review_by

    assert apply_deadlines(world.db, today=due).marked_overdue == 0
    run = apply_deadlines(world.db, today=due + timedelta(days=1))

    assert run.marked_overdue == 1
    assert f"mark_overdue:{accepted.id}:review:{due}" in run.keys
    overdue = world.assignments(submission_id)[0]
    assert overdue.state == "overdue"
    assert overdue.version == accepted.version + 1
    (entry,) = audit(world, "assignment.overdue")
    assert entry.entity_id == str(accepted.id)
    assert entry.actor_label == "system: deadlines"
    assert (entry.before, entry.after) == ({"state": "accepted"}, {"state": "overdue"})
    # the overdue notice goes out in place of the day's reminder (slot +1), not beside it
    (told,) = notifications(world, f"remind:{accepted.id}:review:{due}:1")
    assert told.recipient_id == accepted.reviewer_id
    assert "Overdue" in told.subject and good_descriptor["title"] in told.subject
    assert "is 1 day overdue" in told.body
    assert notifications(world, "mark_overdue:") == []
    assert run.reminded == 0
    assert apply_deadlines(world.db, today=due + timedelta(days=1)) == NOTHING

    reviewer = world.reviewer_for(accepted)
    for criterion in world.rubric.criteria:
        save_review_score(
            world.db, reviewer, accepted.id, ScoreInput(criterion.id, level=3, comment="seen")
        )
    submitted = submit_review(
        world.db,
        reviewer,
        accepted.id,
        expected_version=overdue.version,
        recommendation="approved",
        summary="Late, but careful and well evidenced.",
    )
    assert submitted.state == "submitted"
    later = apply_deadlines(world.db, today=due + timedelta(days=10))
    assert not [key for key in later.keys if f":{accepted.id}:" in key]


def test_escalation_reaches_every_officer_after_the_configured_days(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    accepted = accept(world, world.assignments(submission_id)[0])
    assert accepted.review_by is not None
    due = accepted.review_by
    policy = DeadlinePolicy(escalate_after_days=2)

    assert apply_deadlines(world.db, today=due + timedelta(days=1), policy=policy).escalated == 0
    assert notifications(world, "escalate:") == []
    run = apply_deadlines(world.db, today=due + timedelta(days=2), policy=policy)

    assert run.escalated == 1
    assert f"escalate:{accepted.id}:review:{due}" in run.keys
    told = notifications(world, "escalate:")
    assert {n.recipient_id for n in told} == officer_ids(world)
    assert {n.key for n in told} == {
        f"escalate:{accepted.id}:review:{due}:officer:{officer}" for officer in officer_ids(world)
    }
    for note in told:
        assert good_descriptor["title"] in note.subject and "Agnieszka" in note.subject
        assert "has not submitted the review" in note.body
    again = apply_deadlines(world.db, today=due + timedelta(days=2), policy=policy)
    assert again.escalated == 0
    assert len(notifications(world, "escalate:")) == 2


def test_an_unanswered_invitation_expires_and_officers_hear_there_is_no_replacement(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first, second, silent = world.assignments(submission_id)
    accept(world, first)
    accept(world, second)
    respond_by = silent.respond_by
    assert respond_by is not None and silent.id is not None

    assert apply_deadlines(world.db, today=respond_by + timedelta(days=2)).expired == 0
    run = apply_deadlines(world.db, today=respond_by + timedelta(days=3))

    assert (run.expired, run.keys) == (1, [f"expire:{silent.id}:respond:{respond_by}"])
    expired = world.assignments(submission_id)[2]
    assert expired.state == "cancelled"
    assert expired.decline_reason == f"No answer by {respond_by.isoformat()}"
    (entry,) = audit(world, "assignment.expired")
    assert entry.entity_id == str(silent.id)
    assert entry.before == {"state": "invited", "decline_reason": None}
    assert entry.after == {"state": "cancelled", "decline_reason": expired.decline_reason}
    (told,) = notifications(world, "expire:")
    assert told.recipient_id == silent.reviewer_id and "expired" in told.subject
    with world.db.session() as session:
        (message,) = session.exec(
            select(OutboxMessage).where(OutboxMessage.topic == "assignment.expired")
        ).all()
    assert (message.submission_id, message.status) == (submission_id, "pending")
    assert apply_deadlines(world.db, today=respond_by + timedelta(days=3)) == NOTHING
    assert notifications(world, "officer:") == []  # nobody has been told anything yet

    routed = world.route()

    assert routed.failed == {}
    assert len(world.assignments(submission_id)) == 3  # every reviewer was already asked
    short = [n for n in notifications(world, "officer:") if "not enough reviewers" in n.subject]
    assert {n.recipient_id for n in short} == officer_ids(world)
    assert all("Only 2 of 3 reviewers" in n.body for n in short)


def test_a_run_at_a_frozen_clock_applies_the_expected_keys(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first, second, third = world.assignments(submission_id)
    late = accept(world, first)
    assert second.id is not None
    respond(
        world.db,
        world.reviewer_for(second),
        second.id,
        expected_version=second.version,
        accept=False,
        reason="On leave until March",
    )
    assert late.review_by is not None and third.respond_by is not None
    review_by, respond_by = late.review_by, third.respond_by
    with world.db.session() as session:
        before = set(session.exec(select(Notification.key)).all())

    run = apply_deadlines(world.db, today=review_by + timedelta(days=5))

    assert run.keys == [
        f"mark_overdue:{first.id}:review:{review_by}",
        f"escalate:{first.id}:review:{review_by}",
        f"expire:{third.id}:respond:{respond_by}",
    ]
    assert (run.reminded, run.marked_overdue, run.escalated, run.expired) == (0, 1, 1, 1)
    with world.db.session() as session:
        sent = set(session.exec(select(Notification.key)).all()) - before
    escalated = {f"{run.keys[1]}:officer:{officer}" for officer in officer_ids(world)}
    overdue_notice = f"remind:{first.id}:review:{review_by}:3"  # in place of that reminder
    assert sent == {overdue_notice, run.keys[2]} | escalated


def test_nobody_is_chased_once_peer_review_has_closed(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first, second, third = world.assignments(submission_id)
    world.review(first)
    world.review(second)
    world.route()
    assert world.stage(submission_id) == "sign_off"
    assert third.respond_by is not None

    for days in (-1, 3, 30):
        today = third.respond_by + timedelta(days=days)
        assert apply_deadlines(world.db, today=today) == NOTHING


def test_an_answer_that_arrives_during_the_run_wins(
    world: World, good_descriptor: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL lets the reviewer commit between the run's read and its write."""
    if world.db.is_sqlite:
        pytest.skip("SQLite's write transaction holds the lock from the start")
    submission_id = world.to_peer_review(good_descriptor)
    answered = world.assignments(submission_id)[0]
    assert answered.respond_by is not None

    def answer_meanwhile(*args: Any, **kwargs: Any) -> list[DeadlineAction]:
        accept(world, answered)
        return due_actions(*args, **kwargs)

    monkeypatch.setattr("qa.services.review.deadlines.due_actions", answer_meanwhile)
    run = apply_deadlines(world.db, today=answered.respond_by + timedelta(days=3))

    assert run.expired == 2 and f":{answered.id}:" not in "".join(run.keys)
    assert world.assignments(submission_id)[0].state == "accepted"
    assert [e.entity_id for e in audit(world, "assignment.expired")] == [
        str(a.id) for a in world.assignments(submission_id)[1:]
    ]

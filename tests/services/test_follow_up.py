"""Following up a reviewer: remind now, and move a due date with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import select

from qa.domain.errors import Conflict, IllegalTransition, InvalidInput, NotAllowed
from qa.persistence.models import Assignment, AuditEntry
from qa.services.review.deadlines import apply_deadlines
from qa.services.review.follow_up import MAX_DAYS_AHEAD, change_due_date, remind_now
from tests.services.test_deadlines_service import accept, notifications
from tests.world import World


def _audit(world: World, action: str) -> list[AuditEntry]:
    with world.db.session() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def panel(world: World, good_descriptor: dict[str, Any]) -> list[Assignment]:
    """Three invitations of a file in peer review; the first one accepted."""
    submission_id = world.to_peer_review(good_descriptor)
    first, *others = world.assignments(submission_id)
    return [accept(world, first), *others]


def test_remind_now_tells_the_reviewer_once_a_day(world: World, panel: list[Assignment]) -> None:
    accepted, invited, _ = panel
    assert accepted.id is not None and invited.id is not None
    officer = world.officers[0]
    morning = datetime.combine(world.today, time(9), tzinfo=UTC)
    remind_now(world.db, officer, accepted.id, now=morning)
    remind_now(world.db, officer, invited.id, now=morning)
    review, answer = (
        notifications(world, f"remind-now:{accepted.id}:"),
        notifications(world, f"remind-now:{invited.id}:"),
    )
    assert [n.recipient_id for n in review + answer] == [accepted.reviewer_id, invited.reviewer_id]
    assert f"submit the review for '{world.submission(accepted.submission_id).title}'" in (
        review[0].body
    )
    assert f"by {accepted.review_by}" in review[0].body
    assert "answer the invitation for" in answer[0].body and f"by {invited.respond_by}" in (
        answer[0].body
    )
    with pytest.raises(Conflict, match="already reminded today"):
        remind_now(world.db, officer, accepted.id, now=morning + timedelta(hours=3))
    remind_now(world.db, officer, accepted.id, now=morning + timedelta(days=1))
    assert len(notifications(world, f"remind-now:{accepted.id}:")) == 2
    entries = _audit(world, "assignment.reminded")
    assert len(entries) == 3 and entries[0].actor_id == officer.user_id
    assert entries[0].after == {"deadline": "review_by", "due": str(accepted.review_by)}


def test_a_new_review_date_is_audited_told_and_lifts_the_overdue_mark(
    world: World, panel: list[Assignment]
) -> None:
    accepted = panel[0]
    assert accepted.id is not None and accepted.review_by is not None
    late = accepted.review_by + timedelta(days=2)
    apply_deadlines(world.db, today=late)
    overdue = world.assignment(accepted.id)
    assert overdue.state == "overdue"
    new_date = late + timedelta(days=7)
    changed = change_due_date(
        world.db,
        world.officers[0],
        accepted.id,
        expected_version=overdue.version,
        new_date=new_date,
        reason="Agreed by phone: a family emergency.",
        today=late,
    )
    assert (changed.state, changed.review_by) == ("accepted", new_date)
    [entry] = _audit(world, "assignment.due_date")
    assert entry.before == {"review_by": str(accepted.review_by), "state": "overdue"}
    assert entry.after == {"review_by": str(new_date), "state": "accepted"}
    [told] = notifications(world, f"due-date:{accepted.id}:")
    assert told.recipient_id == accepted.reviewer_id
    assert str(new_date) in told.body and "a family emergency" in told.body
    # the deadlines follow the new date: nothing is overdue the next day, a reminder comes
    assert apply_deadlines(world.db, today=late + timedelta(days=1)).marked_overdue == 0
    run = apply_deadlines(world.db, today=new_date - timedelta(days=3))
    assert f"remind:{accepted.id}:review:{new_date}:-3" in run.keys


def test_a_new_answer_date_moves_the_review_date_by_as_many_days(
    world: World, panel: list[Assignment]
) -> None:
    invited = panel[1]
    assert invited.id is not None
    assert invited.respond_by is not None and invited.review_by is not None
    changed = change_due_date(
        world.db,
        world.officers[0],
        invited.id,
        expected_version=invited.version,
        new_date=invited.respond_by + timedelta(days=4),
        reason="The reviewer is travelling this week.",
        today=world.today,
    )
    assert changed.state == "invited"
    assert changed.respond_by == invited.respond_by + timedelta(days=4)
    assert changed.review_by == invited.review_by + timedelta(days=4)


@pytest.mark.parametrize(
    ("days", "reason", "message"),
    [
        (5, "ok", "say why the date changes"),
        (-1, "Travelling this week.", "choose today"),
        (MAX_DAYS_AHEAD + 1, "Travelling this week.", f"at most {MAX_DAYS_AHEAD} days ahead"),
    ],
)
def test_a_date_change_needs_a_reason_and_a_sensible_date(
    world: World, panel: list[Assignment], days: int, reason: str, message: str
) -> None:
    accepted = panel[0]
    assert accepted.id is not None
    with pytest.raises(InvalidInput, match=message):
        change_due_date(
            world.db,
            world.officers[0],
            accepted.id,
            expected_version=accepted.version,
            new_date=world.today + timedelta(days=days),
            reason=reason,
            today=world.today,
        )
    assert world.assignment(accepted.id).review_by == accepted.review_by


def test_the_same_date_a_stale_form_and_a_closed_assignment_are_refused(
    world: World, panel: list[Assignment]
) -> None:
    accepted, invited, _ = panel
    assert accepted.id is not None and accepted.review_by is not None and invited.id is not None
    officer, reason = world.officers[0], "Travelling this week."

    def change(assignment: Assignment, version: int, days: int = 3) -> Assignment:
        assert assignment.id is not None and assignment.review_by is not None
        return change_due_date(
            world.db,
            officer,
            assignment.id,
            expected_version=version,
            new_date=assignment.review_by + timedelta(days=days),
            reason=reason,
            today=world.today,
        )

    with pytest.raises(InvalidInput, match="the date is already"):
        change(accepted, accepted.version, days=0)
    change(accepted, accepted.version)
    with pytest.raises(Conflict):
        change(accepted, accepted.version, days=5)  # the form was read before the first change
    third = panel[2]
    assert third.id is not None
    world.review(third)  # accepted, scored and submitted
    submitted = world.assignment(third.id)
    with pytest.raises(IllegalTransition, match="this assignment is submitted"):
        change(submitted, submitted.version, days=9)
    with pytest.raises(IllegalTransition, match="this assignment is submitted"):
        remind_now(world.db, officer, third.id, now=datetime.now(UTC))
    with pytest.raises(NotAllowed):
        remind_now(world.db, world.provider, invited.id, now=datetime.now(UTC))

"""A reviewer asks for more time; a QA officer grants it (the date moves) or declines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from qa.domain.errors import Conflict, IllegalTransition, InvalidInput, NotAllowed
from qa.persistence.models import Assignment, AuditEntry, ExtensionRequest
from qa.services.review.deadlines import apply_deadlines
from qa.services.review.extensions import decide_extension, request_extension
from tests.services.test_deadlines_service import accept, notifications
from tests.world import World

REASON = "Marking season at my university."


def _actions(world: World) -> list[str]:
    with world.db.session() as session:
        rows = session.exec(
            select(AuditEntry.action)
            .where(col(AuditEntry.action).startswith("extension."))
            .order_by(col(AuditEntry.id))
        )
        return list(rows)


@pytest.fixture
def reviewing(world: World, good_descriptor: dict[str, Any]) -> Assignment:
    submission_id = world.to_peer_review(good_descriptor)
    return accept(world, world.assignments(submission_id)[0])


def test_a_granted_request_moves_the_date_and_lifts_the_overdue_mark(
    world: World, reviewing: Assignment
) -> None:
    assert reviewing.id is not None and reviewing.review_by is not None
    reviewer = world.reviewer_for(reviewing)
    late = reviewing.review_by + timedelta(days=1)
    apply_deadlines(world.db, today=late)
    assert world.assignment(reviewing.id).state == "overdue"
    wanted = late + timedelta(days=10)
    asked = request_extension(
        world.db, reviewer, reviewing.id, proposed=wanted, reason=REASON, today=late
    )
    assert (asked.status, asked.current_due, asked.proposed_due) == (
        "pending",
        reviewing.review_by,
        wanted,
    )
    told = notifications(world, f"extension:{asked.id}:officer:")
    assert {n.recipient_id for n in told} == {o.user_id for o in world.officers}
    assert REASON in told[0].body and str(wanted) in told[0].body
    with pytest.raises(Conflict, match="already asked"):
        request_extension(
            world.db, reviewer, reviewing.id, proposed=wanted, reason=REASON, today=late
        )
    assert asked.id is not None
    granted = decide_extension(
        world.db, world.officers[0], asked.id, approve=True, note="", today=late
    )
    assert (granted.status, granted.decided_by) == ("approved", world.officers[0].user_id)
    moved = world.assignment(reviewing.id)
    assert (moved.state, moved.review_by) == ("accepted", wanted)
    [date_note] = notifications(world, f"due-date:{reviewing.id}:")
    assert date_note.recipient_id == reviewing.reviewer_id and str(wanted) in date_note.body
    assert _actions(world) == ["extension.requested", "extension.approved"]
    with pytest.raises(Conflict, match="already approved"):
        decide_extension(
            world.db, world.officers[1], asked.id, approve=False, note="Too late now.", today=late
        )


def test_a_declined_request_keeps_the_date_tells_why_and_a_new_one_can_follow(
    world: World, reviewing: Assignment
) -> None:
    assert reviewing.id is not None and reviewing.review_by is not None
    reviewer = world.reviewer_for(reviewing)
    wanted = reviewing.review_by + timedelta(days=30)
    asked = request_extension(
        world.db, reviewer, reviewing.id, proposed=wanted, reason=REASON, today=world.today
    )
    assert asked.id is not None
    with pytest.raises(InvalidInput, match="say why the request is declined"):
        decide_extension(
            world.db, world.officers[0], asked.id, approve=False, note="", today=world.today
        )
    declined = decide_extension(
        world.db,
        world.officers[0],
        asked.id,
        approve=False,
        note="The panel meets on the 20th",
        today=world.today,
    )
    assert declined.status == "declined"
    assert world.assignment(reviewing.id).review_by == reviewing.review_by
    [told] = notifications(world, f"extension:{asked.id}:declined")
    assert told.recipient_id == reviewing.reviewer_id and "The panel meets on the 20th" in told.body
    again = request_extension(
        world.db,
        reviewer,
        reviewing.id,
        proposed=reviewing.review_by + timedelta(days=5),
        reason=REASON,
        today=world.today,
    )
    assert again.status == "pending"


def test_only_the_assigned_reviewer_asks_and_only_with_a_later_date_and_a_reason(
    world: World, reviewing: Assignment, good_descriptor: dict[str, Any]
) -> None:
    assert reviewing.id is not None and reviewing.review_by is not None
    reviewer = world.reviewer_for(reviewing)
    other = next(r for r in world.reviewers if r.user_id != reviewer.user_id)
    later = reviewing.review_by + timedelta(days=7)

    def ask(who: Any, assignment_id: int, **changes: Any) -> None:
        values: dict[str, Any] = {"proposed": later, "reason": REASON, "today": world.today}
        request_extension(world.db, who, assignment_id, **(values | changes))

    with pytest.raises(NotAllowed):
        ask(other, reviewing.id, proposed=None)  # refused before the form is even read
    with pytest.raises(InvalidInput, match="choose the date"):
        ask(reviewer, reviewing.id, proposed=None)
    with pytest.raises(InvalidInput, match="say why"):
        ask(reviewer, reviewing.id, reason="busy")
    with pytest.raises(InvalidInput, match="after the current one"):
        ask(reviewer, reviewing.id, proposed=reviewing.review_by)
    with pytest.raises(InvalidInput, match="at most 180 days"):
        ask(reviewer, reviewing.id, proposed=world.today + timedelta(days=181))
    invited = world.assignments(reviewing.submission_id)[1]
    assert invited.id is not None and invited.state == "invited"
    with pytest.raises(IllegalTransition, match="this review is invited"):
        ask(world.reviewer_for(invited), invited.id)
    assert _actions(world) == []
    ask(reviewer, reviewing.id)
    [asked] = _actions(world)
    assert asked == "extension.requested"
    with world.db.session() as session:
        request_id = session.exec(select(ExtensionRequest.id)).one()
    assert request_id is not None
    with pytest.raises(NotAllowed):
        decide_extension(
            world.db, world.provider, request_id, approve=True, note="", today=world.today
        )
